"""The population: one compiled call a day for all regions gives the same days as stepping each
region alone, also after units join and leave (the flat arrays are packed again)."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np

from transition_sim.core import kernel as k
from transition_sim.core.crowd import CrowdRules, RegionCrowd
from transition_sim.core.population import Population

PATRON = -1


def region(seed: int, side: int, n: int, units: int, shape: str = "von_neumann") -> RegionCrowd:
    rng = np.random.default_rng(seed)
    crowd = RegionCrowd(
        rng, side, n, np.arange(units, dtype=np.int64) % 2, (np.arange(n) % 3).astype(np.int8),
        rng.uniform(0.3, 1.0, n), rng.uniform(0, 1, n), 3, shape,
    )  # fmt: skip
    crowd.site_cells = np.array([0, side * side // 2], dtype=np.int64)
    return crowd


def rules(legitimacy: float) -> CrowdRules:
    return CrowdRules(legitimacy, 0.1, 2.3, 5, True, 0, 0.05, 0.0, 0.05, 0.2, 0.01, 0.3, 1)


def regions() -> list[RegionCrowd]:
    # different sides and a torus small enough that vision wraps onto itself (fewer offsets)
    return [region(1, 20, 150, 20), region(2, 31, 400, 35, "moore"), region(3, 5, 12, 3)]


def snapshot(crowds: list[RegionCrowd]) -> list[tuple[bytes, ...]]:
    return [
        tuple(np.ascontiguousarray(a).tobytes() for a in (c.pos, c.state, c.jail, c.stream))
        for c in crowds
    ]


def test_one_call_a_day_equals_each_region_alone_through_units_joining_and_leaving() -> None:
    alone = regions()
    together = copy.deepcopy(alone)
    population = Population(together)
    for day in range(12):
        if day == 4:
            for a, b in zip(alone, together, strict=True):
                a.add_units(7, PATRON)
                b.add_units(7, PATRON)
        if day == 8:
            for a, b in zip(alone, together, strict=True):
                a.remove_units(PATRON)
                b.remove_units(PATRON)
        deters = [np.arange(c.m) % (2 + day % 2) > 0 for c in alone]
        for crowd, d in zip([*alone, *together], deters * 2, strict=True):
            crowd.unit_deters[:] = d
            crowd.hardship_extra = 0.01 * day
        contagion = np.array([0.0, 0.02, 0.01 * day])
        legitimacy = 0.7 - 0.05 * day
        expected = np.array(
            [
                kernel_row(c, rules(legitimacy), signal)
                for c, signal in zip(alone, contagion, strict=True)
            ]
        )
        got = population.step(rules(legitimacy), contagion)
        assert got.shape == (3, k.N_STATS)
        np.testing.assert_array_equal(got, expected)
        assert snapshot(together) == snapshot(alone)
    assert expected[:, k.STAT_ACTIVE : k.STAT_ACTIVE + 3].sum() > 0  # the days were not all quiet


def kernel_row(crowd: RegionCrowd, r: CrowdRules, signal: float) -> np.ndarray:
    day = crowd.step(replace(r, contagion_signal=float(signal)))
    row = np.zeros(k.N_STATS, dtype=np.int64)
    row[k.STAT_ACTIVE : k.STAT_ACTIVE + 3] = day.active
    row[k.STAT_QUIET], row[k.STAT_JAILED] = day.quiet, day.jailed
    row[k.STAT_ARRESTS : k.STAT_ARRESTS + 3] = day.arrests
    row[k.STAT_ENGAGED : k.STAT_ENGAGED + 3] = day.engaged
    return row


def test_the_kernel_sees_each_days_stances_as_patron_units_join_and_leave(monkeypatch) -> None:
    """Every day the compiled call gets, for every unit of every region, whether it deters: its
    faction obeys or it does not follow its faction; the patron's units always deter."""
    from transition_sim.core import population
    from transition_sim.core.model import TransitionModel
    from transition_sim.scenario.loader import load_scenario

    # the agents' baseline: population_day is the agents' kernel (blocks since session 26)
    scenario = load_scenario(Path(__file__).parent / "agents_baseline.yaml")
    model = TransitionModel(scenario, seed=24)  # the patron deploys, then withdraws
    inner, patron_days = population.population_day, []

    def spy(*args: np.ndarray) -> np.ndarray:
        obey = {i: f.stance == "obey" for i, f in enumerate(model.factions)} | {PATRON: True}
        expected = [
            np.array([obey[f] for f in c.unit_faction])
            | np.concatenate([~follows, np.ones(c.m - len(follows), dtype=bool)])
            for c, follows in zip(model.crowds, model.unit_follows, strict=True)
        ]
        np.testing.assert_array_equal(args[22], np.concatenate(expected))  # deters, all units
        patron_days.append(
            any(c.m > len(f) for c, f in zip(model.crowds, model.unit_follows, strict=True))
        )
        return inner(*args)

    monkeypatch.setattr(population, "population_day", spy)
    model.run()
    assert any(patron_days) and not patron_days[-1]  # units joined, and left again
