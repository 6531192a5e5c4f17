"""Peaceful actives gathering at sites (crowd.gathering, docs/ODD.md §7.1): with the rule their
moves head for the sites as armed actives' do, so they end nearer them and the seat contest
(`RegionCrowd.peaceful_near`, what `_contest_sites` counts) sees more of them; 0 is Epstein's
random walk (tests/test_golden.py: every shipped scenario bit-identical); bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from scipy import stats as sps

from transition_sim.core.crowd import ACTIVE, PEACEFUL, CrowdRules, RegionCrowd
from transition_sim.core.model import TransitionModel
from transition_sim.scenario import load_scenario
from transition_sim.scenario.schema import Scenario

# The crowd of agents at its calibrated point (the shipped baseline until session 26, which is
# blocks now): the rule tested here is the agents' crowd's.
BASELINE = Path(__file__).parent.parent / "tests" / "agents_baseline.yaml"
SIDE, CITIZENS, SITE, RADIUS = 40, 160, 20 * 40 + 20, 3  # the site: the grid's middle cell
SEEDS = range(10)


def after_days(gathering: float, seed: int, days: int = 8) -> RegionCrowd:
    """A 40x40 torus, 160 peaceful citizens who act whatever happens (hardship 1, risk aversion
    0, legitimacy 0), no units, one site, Epstein's vision (von Neumann 7): `days` days."""
    rng = np.random.default_rng(seed)
    c = RegionCrowd(
        rng, SIDE, CITIZENS, np.zeros(0, dtype=np.int64), np.zeros(CITIZENS, dtype=np.int8),
        np.ones(CITIZENS), np.zeros(CITIZENS), 7, "von_neumann",
    )  # fmt: skip
    c.site_cells = np.array([SITE])
    c.state[:] = ACTIVE
    c.recount()
    rules = CrowdRules(
        legitimacy=0.0, threshold=0.1, arrest_constant=2.3, max_jail_term=10, movement=True,
        batches=0, social_signal=0.0, contagion_signal=0.0, memory_effect=0.0, memory_gain=0.0,
        memory_decay=0.0, crime_drive=0.0, arrests_per_unit=1, gathering=gathering,
    )  # fmt: skip
    for _ in range(days):
        c.step(rules)
    assert (c.state == ACTIVE).all()
    return c


def median_distance(c: RegionCrowd) -> float:
    """Median Chebyshev torus distance of the citizens from the site."""
    x, y = c.pos[: c.n] // SIDE, c.pos[: c.n] % SIDE
    dx, dy = np.abs(x - SITE // SIDE), np.abs(y - SITE % SIDE)
    return float(np.median(np.maximum(np.minimum(dx, SIDE - dx), np.minimum(dy, SIDE - dy))))


def test_gathering_peaceful_actives_end_nearer_the_site() -> None:
    """Median distance per run, 10 seeds each: 1 < 0.5 < 0 (one-sided Mann-Whitney, p < 0.01;
    0.5 exercises the draw that decides each move)."""
    d = {g: [median_distance(after_days(g, s)) for s in SEEDS] for g in (0.0, 0.5, 1.0)}
    assert sps.mannwhitneyu(d[0.5], d[0.0], alternative="less").pvalue < 0.01
    assert sps.mannwhitneyu(d[1.0], d[0.5], alternative="less").pvalue < 0.01


def test_the_site_contest_sees_a_gathered_crowd() -> None:
    """Peaceful actives within the site radius (what the seat contest counts): more with
    gathering (one-sided Mann-Whitney over 10 seeds, p < 0.01); uniformly scattered, about
    160 x 49 / 1600 = 5 are there by chance."""
    near = {g: [after_days(g, s).peaceful_near(SITE, RADIUS) for s in SEEDS] for g in (0.0, 1.0)}
    assert sps.mannwhitneyu(near[1.0], near[0.0], alternative="greater").pvalue < 0.01
    assert np.median(near[1.0]) > 2 * np.median(near[0.0])


def share_near_sites(gathering: float, seed: int, days: int = 8) -> float:
    """The baseline (the rounded rule: a crowd in several regions) through the model: of the
    peaceful actives in regions with sites, summed over `days` days, the share within the site
    radius of one (what `_contest_sites` counts)."""
    data = load_scenario(BASELINE).model_dump()
    data["crowd"]["gathering"] = gathering
    model = TransitionModel(Scenario.model_validate(data), seed=seed)
    regions = sorted({s.region for s in model.sites})
    near = active = 0
    for _ in range(days):
        model.step()
        radius = model.params.violence.site_radius
        near += sum(model.crowds[s.region].peaceful_near(s.cell, radius) for s in model.sites)
        for r in regions:
            c = model.crowds[r]
            active += int(((c.state == ACTIVE) & (c.kind == PEACEFUL)).sum())
    return near / max(active, 1)


def test_the_model_hands_the_field_to_the_crowds() -> None:
    """The scenario's field moves the baseline's peaceful actives to its sites (one-sided
    Mann-Whitney over 8 seeds, p < 0.01)."""
    shares = {g: [share_near_sites(g, s) for s in range(8)] for g in (0.0, 1.0)}
    assert sps.mannwhitneyu(shares[1.0], shares[0.0], alternative="greater").pvalue < 0.01


@pytest.mark.parametrize("value", ["-0.1", "1.5", "yes"])
def test_a_gathering_outside_0_1_is_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "x.yaml", f"name: x\ncrowd:\n  gathering: {value}\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "crowd.gathering")


def test_gathering_is_refused_with_blocks(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        "name: x\ncrowd:\n  representation: blocks\n  gathering: 0.5\n",
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "crowd.gathering")
    assert "not implemented for representation: blocks" in err.message
