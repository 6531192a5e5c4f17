"""The crowd: Epstein's rule, and the fast paths and extensions (quiet days, arrests, armed actives
heading for sites, the shared Population)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transition_sim.core.crowd import (
    ACTIVE,
    JAILED,
    QUIET,
    VIOLENT,
    CrowdRules,
    Population,
    RegionCrowd,
)


def crowd(
    n=300, side=25, units=40, hardship=None, risk=None, kind=None, seed=0, vision=5
) -> RegionCrowd:
    """A region; hardship and risk aversion are uniform draws unless given (a value or array)."""
    rng = np.random.default_rng(seed)
    return RegionCrowd(
        rng,
        side,
        n,
        np.zeros(units, dtype=np.int64),
        np.zeros(n, dtype=np.int8) if kind is None else kind,
        rng.uniform(0, 1, n) if hardship is None else np.full(n, hardship, dtype=float),
        rng.uniform(0, 1, n) if risk is None else np.full(n, risk, dtype=float),
        vision,
        "von_neumann",
    )


def rules(**kw) -> CrowdRules:
    base = dict(
        legitimacy=0.5,
        threshold=0.1,
        arrest_constant=2.3,
        max_jail_term=10,
        movement=False,
        batches=1,
        social_signal=0.0,
        contagion_signal=0.0,
        memory_effect=0.0,
        memory_gain=0.0,
        memory_decay=0.0,
        crime_drive=0.0,
        arrests_per_unit=0,
    )
    return CrowdRules(**(base | kw))


# -- Epstein's rule (Mesa's example): vision 7, legitimacy 0.8, one arrest per unit -----------


def epstein_crowd(n: int, side: int, units: int, hardship: float, risk: float, seed: int = 0):
    return crowd(n, side, units, hardship, risk, seed=seed, vision=7)


def epstein_rules(**kw) -> CrowdRules:
    return rules(**({"legitimacy": 0.8, "arrests_per_unit": 1} | kw))


def test_epstein_rule_without_police_activates_exactly_when_grievance_exceeds_threshold() -> None:
    # No cops: P = 0, so a citizen is active iff H(1-L) > T.
    above = epstein_crowd(50, 20, 0, hardship=0.6, risk=1.0)  # G = 0.12 > 0.1
    below = epstein_crowd(50, 20, 0, hardship=0.4, risk=1.0)  # G = 0.08 < 0.1
    above.step(epstein_rules())
    below.step(epstein_rules())
    assert (above.state == ACTIVE).all()
    assert (below.state == QUIET).all()


def test_police_in_vision_deter_and_arrest() -> None:
    # With many cops everywhere, P ~ 1: only the risk-neutral become active, and they get jailed.
    # G = 0.2, R = 0: active regardless of P.
    region = epstein_crowd(100, 20, 150, hardship=1.0, risk=0.0)
    stats = region.step(epstein_rules(batches=1))
    assert stats.arrests.sum() > 0
    assert (region.state[region.jail > 0] == JAILED).all()
    deterred = epstein_crowd(100, 20, 150, hardship=1.0, risk=1.0)  # G - R P = 0.2 - 1 < T
    deterred.step(epstein_rules())
    assert (deterred.state == QUIET).all()


def test_units_that_stand_aside_neither_deter_nor_arrest() -> None:
    region = epstein_crowd(100, 20, 150, hardship=1.0, risk=1.0)
    region.unit_deters[:] = False
    stats = region.step(epstein_rules())
    assert (region.state == ACTIVE).all() and stats.arrests.sum() == 0


def test_agents_never_share_a_cell() -> None:
    region = epstein_crowd(200, 20, 30, hardship=0.9, risk=0.3, seed=5)
    for _ in range(20):
        region.step(epstein_rules(movement=True, batches=4))
        assert len(np.unique(region.pos)) == len(region.pos)
        assert (region.occupant[region.pos] == np.arange(len(region.pos))).all()


# -- the fast paths and extensions ------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), legitimacy=st.floats(0.3, 0.95))
def test_quiet_day_decides_like_one_synchronous_batch(seed, legitimacy) -> None:
    """A day that starts with nobody active: the fast path gives the same choices as the full
    rule updated synchronously (no moves, no arrests), jail terms included."""
    fast, full = crowd(seed=seed), crowd(seed=seed)
    jailed = np.random.default_rng(seed).random(fast.n) < 0.2
    for c in (fast, full):
        c.state[jailed] = JAILED
        c.jail[jailed] = np.arange(jailed.sum()) % 3  # some are released today
    fast.step(rules(legitimacy=legitimacy, quiet_days=True))
    full.step(rules(legitimacy=legitimacy, quiet_days=False))
    np.testing.assert_array_equal(fast.state, full.state)
    np.testing.assert_array_equal(fast.jail, full.jail)
    assert (fast.state == ACTIVE).any() or legitimacy > 0.5  # the rule was exercised


def test_quiet_day_is_only_taken_when_nobody_is_active() -> None:
    c = crowd(units=0, hardship=np.full(300, 1.0), risk=np.zeros(300))
    c.step(rules(quiet_days=True, movement=True))  # everybody turns active (G = 0.5 > T)
    assert (c.state == ACTIVE).all()
    before = c.pos.copy()
    c.step(rules(quiet_days=True, movement=True))  # not a quiet day: people move
    assert (c.pos != before).any()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), units=st.integers(1, 120), share=st.floats(0.01, 0.9))
def test_arrest_pairs_are_the_same_from_either_side(seed, units, share) -> None:
    """Vision is symmetric, so pairs gathered from the units or from the actives agree, and
    they are exactly the (unit, active) pairs within vision."""
    c = crowd(units=units, seed=seed)
    c.state[np.random.default_rng(seed).random(c.n) < share] = ACTIVE
    arresting = np.arange(c.m)
    rank, active = c._arrest_pairs(arresting)
    pairs = set(zip(rank.tolist(), active.tolist(), strict=True))
    actives = np.flatnonzero(c.state == ACTIVE)
    expected = {
        (u, a)
        for u in range(c.m)
        for a in actives.tolist()
        if c.pos[a] in set(c.neighbors[c.pos[c.n + u]].tolist())
    }
    assert pairs == expected


def test_each_unit_arrests_at_most_one_active_in_its_vision_and_nobody_twice() -> None:
    c = crowd(units=100, hardship=np.full(300, 1.0), risk=np.zeros(300))
    c.state[:] = ACTIVE
    units = np.arange(c.m)
    arrests = c._units_arrest(units, rules(arrests_per_unit=1))
    caught = np.flatnonzero(c.state == JAILED)
    assert arrests.sum() == len(caught) <= c.m
    in_view = {cell for u in units for cell in c.neighbors[c.pos[c.n + u]].tolist()}
    assert all(c.pos[a] in in_view for a in caught)
    # With actives everywhere, every unit that sees one makes an arrest.
    assert len(caught) >= 0.9 * c.m


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_armed_actives_head_for_the_sites_and_peaceful_ones_do_not(seed) -> None:
    kind = np.zeros(300, dtype=np.int8)
    kind[:30] = VIOLENT
    c = crowd(units=0, kind=kind, hardship=np.full(300, 1.0), risk=np.zeros(300), seed=seed)
    c.site_cells = np.array([12 * c.side + 12])
    armed, peaceful = slice(0, 30), slice(30, 300)
    start = c._site_distance(c.pos[: c.n])
    for _ in range(10):
        c.step(rules(movement=True))
    assert (c.state == ACTIVE).all()
    end = c._site_distance(c.pos[: c.n])
    assert end[armed].mean() < 0.5 * start[armed].mean()
    assert abs(end[peaceful].mean() - start[peaceful].mean()) < 0.15 * start[peaceful].mean()


def regions(seed: int) -> list[RegionCrowd]:
    """Three regions sharing one random stream, as in the model."""
    rng = np.random.default_rng(seed)
    out = []
    for n, side, units in ((200, 20, 20), (300, 25, 40), (120, 15, 10)):
        kind = (rng.random(n) < 0.1).astype(np.int8)  # some violent
        out.append(
            RegionCrowd(
                rng,
                side,
                n,
                np.zeros(units, dtype=np.int64),
                kind,
                rng.uniform(0, 1, n),
                rng.uniform(0, 1, n),
                5,
                "von_neumann",
            )
        )
    return out


def step_both_ways(seed: int, legitimacy: float) -> tuple[int, int]:
    """Step three regions alone and through a `Population`; check they stay identical.
    Returns how many region-days started quiet and busy."""
    alone, pooled = regions(seed), regions(seed)
    population = Population(pooled)
    quiet = busy = 0
    for day in range(12):
        for c in pooled:
            if (c.state == ACTIVE).any():
                busy += 1
            else:
                quiet += 1
        day_rules = [
            rules(
                legitimacy=legitimacy,
                quiet_days=True,
                movement=True,
                batches=2,
                arrests_per_unit=1,
                contagion_signal=0.02 * r,
                memory_gain=0.2,
                memory_decay=0.01,
                memory_effect=0.05,
            )
            for r in range(3)
        ]
        expected = [c.step(rl) for c, rl in zip(alone, day_rules, strict=True)]
        got = population.step(day_rules)
        for a, b, e, g in zip(alone, pooled, expected, got, strict=True):
            np.testing.assert_array_equal(a.state, b.state)
            np.testing.assert_array_equal(a.pos, b.pos)
            np.testing.assert_array_equal(a.experience, b.experience)
            assert (e.quiet, e.jailed) == (g.quiet, g.jailed), day
            np.testing.assert_array_equal(e.active, g.active)
            np.testing.assert_array_equal(e.engaged, g.engaged)
            np.testing.assert_array_equal(e.arrests, g.arrests)
    assert np.shares_memory(population.state, pooled[1].state)
    return quiet, busy


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), legitimacy=st.floats(0.5, 0.95))
def test_population_steps_exactly_like_the_regions_one_by_one(seed, legitimacy) -> None:
    """Sharing the quiet-day arithmetic across regions changes nothing: same states, same
    stream of random numbers, same statistics."""
    step_both_ways(seed, legitimacy)


def test_the_equivalence_covers_quiet_and_busy_days() -> None:
    quiet, busy = step_both_ways(0, 0.8)
    assert quiet > 0 and busy > 0


def test_cached_deterrence_counts_follow_moves_stances_and_new_units() -> None:
    """The per-cell count of deterring units in vision is cached; it must always equal a fresh
    count, whatever happened since: moves, a stance change written in place, units arriving."""
    c = crowd(units=40, hardship=np.full(300, 1.0), risk=np.full(300, 0.5))

    def fresh() -> np.ndarray:
        return c._in_vision_count(c.pos[c.n + np.flatnonzero(c.unit_deters)])

    np.testing.assert_array_equal(c._cops_in_vision(), fresh())
    c.step(rules(movement=True, arrests_per_unit=1))
    np.testing.assert_array_equal(c._cops_in_vision(), fresh())
    c.unit_deters[::2] = False  # the model writes stances in place
    np.testing.assert_array_equal(c._cops_in_vision(), fresh())
    c.add_units(7, faction=-1)
    np.testing.assert_array_equal(c._cops_in_vision(), fresh())
    c.remove_units(faction=-1)
    np.testing.assert_array_equal(c._cops_in_vision(), fresh())
    assert fresh().sum() > 0


def test_population_refuses_regional_values_of_national_inputs() -> None:
    population = Population(regions(0))
    day = [rules(quiet_days=True, legitimacy=0.9), rules(quiet_days=True), rules(quiet_days=True)]
    with pytest.raises(ValueError, match="same legitimacy"):
        population.step(day)
