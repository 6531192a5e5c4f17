"""Deterring units guarding sites (crowd.guarding, docs/ODD.md §7.1): with the rule their moves
head for the sites as armed actives' do, so they end nearer them, and a crowd gathered at a site
(crowd.gathering) fills their vision: the exposure of crowd pressure (`TransitionModel._exposure`)
rises; 0 is Epstein's random walk (tests/test_golden.py: every shipped scenario bit-identical);
bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from scipy import stats as sps

from transition_sim.core.crowd import ACTIVE, CrowdRules, RegionCrowd
from transition_sim.core.model import TransitionModel
from transition_sim.scenario import load_scenario
from transition_sim.scenario.schema import Scenario

# The crowd of agents at its calibrated point (the shipped baseline until session 26, which is
# blocks now): the rule tested here is the agents' crowd's.
BASELINE = Path(__file__).parent.parent / "tests" / "agents_baseline.yaml"
SIDE, CITIZENS, UNITS, SITE = 40, 160, 40, 20 * 40 + 20  # the site: the grid's middle cell
SEEDS = range(10)


def after_days(guarding: float, seed: int, active: bool, days: int = 8) -> RegionCrowd:
    """A 40x40 torus, 160 peaceful citizens, 40 deterring units that arrest no one, one site,
    Epstein's vision (von Neumann 7): `days` days. `active`: the citizens act whatever happens
    (hardship 1, risk aversion 0, legitimacy 0) and gather at the site; else they never act."""
    rng = np.random.default_rng(seed)
    level = 1.0 if active else 0.0
    c = RegionCrowd(
        rng, SIDE, CITIZENS, np.zeros(UNITS, dtype=np.int64), np.zeros(CITIZENS, dtype=np.int8),
        np.full(CITIZENS, level), np.zeros(CITIZENS), 7, "von_neumann",
    )  # fmt: skip
    c.site_cells = np.array([SITE])
    rules = CrowdRules(
        legitimacy=0.0, threshold=0.1, arrest_constant=2.3, max_jail_term=10, movement=True,
        batches=0, social_signal=0.0, contagion_signal=0.0, memory_effect=0.0, memory_gain=0.0,
        memory_decay=0.0, crime_drive=0.0, arrests_per_unit=0, exact_ratio=True,
        gathering=float(active), guarding=guarding,
    )  # fmt: skip
    for _ in range(days):
        c.step(rules)
    assert (c.state == ACTIVE).all() == active
    return c


def unit_distance(c: RegionCrowd) -> float:
    """Median Chebyshev torus distance of the units from the site."""
    cells = c.pos[c.n : c.n + c.m]
    x, y = cells // SIDE, cells % SIDE
    dx, dy = np.abs(x - SITE // SIDE), np.abs(y - SITE % SIDE)
    return float(np.median(np.maximum(np.minimum(dx, SIDE - dx), np.minimum(dy, SIDE - dy))))


def test_guarding_units_end_nearer_the_site() -> None:
    """Median distance per run, 10 seeds each, quiet citizens: 1 < 0.5 < 0 (one-sided
    Mann-Whitney, p < 0.01; 0.5 exercises the draw that decides each move)."""
    d = {u: [unit_distance(after_days(u, s, False)) for s in SEEDS] for u in (0.0, 0.5, 1.0)}
    assert sps.mannwhitneyu(d[0.5], d[0.0], alternative="less").pvalue < 0.01
    assert sps.mannwhitneyu(d[1.0], d[0.5], alternative="less").pvalue < 0.01


def test_guarding_units_see_a_gathered_crowd() -> None:
    """The actives in the units' vision (the tally `_exposure` reads), mean per unit, with the
    crowd gathering at the site: more when the units guard it (one-sided Mann-Whitney over 10
    seeds, p < 0.01)."""

    def seen(u: float, seed: int) -> float:
        c = after_days(u, seed, True)
        return float(c.actives_seen[c.pos[c.n : c.n + c.m]].mean())

    s = {u: [seen(u, seed) for seed in SEEDS] for u in (0.0, 1.0)}
    assert sps.mannwhitneyu(s[1.0], s[0.0], alternative="greater").pvalue < 0.01


class Exposed(TransitionModel):
    """The model, summing the factions' mean exposure over the days."""

    total_exposure = 0.0

    def _exposure(self, stats: np.ndarray, totals: list[int]) -> np.ndarray:
        out = super()._exposure(stats, totals)
        self.total_exposure += float(out.mean())
        return out


def exposure_over(guarding: float, seed: int, days: int = 12) -> float:
    """The baseline under the exact arrest ratio at arrest constant 1.5 (a crowd of a few
    percent, in the region with the sites) with peaceful actives gathering at the sites,
    through the model: the factions' mean exposure summed over `days`."""
    data = load_scenario(BASELINE).model_dump()
    data["crowd"] |= {"arrest_ratio": "exact", "arrest_constant": 1.5, "gathering": 1.0}
    data["crowd"]["guarding"] = guarding
    model = Exposed(Scenario.model_validate(data), seed=seed)
    for _ in range(days):
        model.step()
    return model.total_exposure


def test_the_model_hands_the_field_to_the_units() -> None:
    """With the crowd gathering, guarding units raise the exposure of crowd pressure (one-sided
    Mann-Whitney over 12 seeds, p < 0.01). In the model this comes mostly through a larger
    crowd (units posted at the sites deter less of the city), not a larger share of it seen."""
    e = {u: [exposure_over(u, s) for s in range(12)] for u in (0.0, 1.0)}
    assert sps.mannwhitneyu(e[1.0], e[0.0], alternative="greater").pvalue < 0.01


@pytest.mark.parametrize("value", ["-0.1", "1.5", "yes"])
def test_a_guarding_outside_0_1_is_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "x.yaml", f"name: x\ncrowd:\n  guarding: {value}\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "crowd.guarding")
