"""Deterring units guarding sites with a crowd of blocks (crowd.guarding, docs/ODD.md §7.13;
session 24): the agents' rule (`kernel._toward_site`) at points, `blocks._toward_site`. With the
rule a deterring unit's move heads for a site, so units stand near the sites far more often;
units that do not deter walk at random; a blocks scenario with guarding > 0 now loads (it was
refused, exit 2) while the rules blocks still refuse stay refused; and guarding 0 draws exactly
the runs drawn before the rule existed (no extra random number, sites or not)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from scipy import stats as sps
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.core.blocks import BlockCrowd
from transition_sim.core.crowd import CrowdRules
from transition_sim.scenario import load_scenario

SIDE, BLOCKS, UNITS = 40, 1120, 40
SITE = 20 * SIDE + 20  # the grid's middle cell; its centre is (20.5, 20.5)
SEEDS = range(8)


def rules(guarding: float) -> CrowdRules:
    """A restless city (some people active, units detaining) whose units move each day."""
    # legitimacy, threshold, arrest constant, max jail term, movement, batches, social signal,
    # contagion, memory effect, gain, decay, crime drive, arrests per unit; exact ratio,
    # gathering, guarding
    return CrowdRules(
        0.3, 0.05, 2.3, 3, True, 0, 0.05, 0.1, 0.05, 0.2, 0.01, 0.3, 1, False, 0.0, guarding
    )


def city(seed: int, sites: list[int]) -> BlockCrowd:
    """A 40x40 torus of 1,120 blocks of 100 people, 40 units at uniform points, von Neumann
    vision of 112 cells (a unit's disc reaches 7.5 cells), the given site cells."""
    crowd = BlockCrowd.build(
        np.random.default_rng(seed), SIDE, BLOCKS, np.zeros(UNITS, dtype=np.int64),
        (0.8, 0.12, 0.08), (0.0, 0.9), (0.0, 1.0), 112.0, "von_neumann", 100, 1000.0, 3,
    )  # fmt: skip
    crowd.site_cells = np.array(sites, dtype=np.int64)
    return crowd


def site_gap(crowd: BlockCrowd) -> np.ndarray:
    """Each unit's Chebyshev torus distance from the site cell's centre."""
    h = SIDE / 2
    dx = np.abs((crowd.ux - SITE // SIDE - 0.5 + h) % SIDE - h)
    dy = np.abs((crowd.uy - SITE % SIDE - 0.5 + h) % SIDE - h)
    return np.maximum(dx, dy)


def near_share(guarding: float, seed: int, deters: bool = True, days: int = 6) -> float:
    """The share of unit-days (after the first two days) the units stand within 3 cells of the
    site (a square of 6 x 6 cells: 2.25% of the city)."""
    crowd = city(seed, [SITE])
    crowd.unit_deters[:] = deters
    near = []
    for day in range(days):
        crowd.step(rules(guarding))
        if day >= 2:
            near.append(site_gap(crowd) <= 3.0)
    return float(np.mean(near))


def test_guarding_units_stand_near_the_site_far_more_often() -> None:
    """8 seeds each: with guarding 1 the units stand within 3 cells of the site on most days
    (they reach it from anywhere in 3 moves), at random on about 2% of them; 0.5, which draws
    each move's choice, in between (one-sided Mann-Whitney, p < 0.01 each)."""
    s = {g: [near_share(g, seed) for seed in SEEDS] for g in (0.0, 0.5, 1.0)}
    assert np.mean(s[1.0]) > 0.5
    assert np.mean(s[1.0]) > 10 * max(np.mean(s[0.0]), 0.01)
    assert sps.mannwhitneyu(s[1.0], s[0.5], alternative="greater").pvalue < 0.01
    assert sps.mannwhitneyu(s[0.5], s[0.0], alternative="greater").pvalue < 0.01


def test_units_that_do_not_deter_do_not_guard() -> None:
    """A unit that stands aside walks at random, as an agents unit does (guarding 1: the same
    share near the site as with guarding 0, far below a deterring unit's)."""
    aside = [near_share(1.0, seed, deters=False) for seed in SEEDS]
    random_walk = [near_share(0.0, seed, deters=False) for seed in SEEDS]
    assert np.mean(aside) < 0.1
    assert abs(np.mean(aside) - np.mean(random_walk)) < 0.05


def test_guarding_heads_for_the_nearest_of_two_sites() -> None:
    """With two sites, opposite on the torus, a guarding unit ends near the one nearer it at
    the start (its moves weigh the nearest site; 7.5 cells a day, 10 from each site at most on
    the line between them): every unit starting within 5 cells of a site ends within 3 of it."""
    other = 0 * SIDE + 0  # cell (0, 0): Chebyshev 20 from (20, 20) on the 40-cell torus
    crowd = city(3, [SITE, other])
    x0, y0 = crowd.ux.copy(), crowd.uy.copy()
    start = site_gap(crowd)
    for _ in range(6):
        crowd.step(rules(1.0))
    end = site_gap(crowd)
    h = SIDE / 2
    gap0 = np.maximum(np.abs((x0 - 0.5 + h) % SIDE - h), np.abs((y0 - 0.5 + h) % SIDE - h))
    end0 = np.maximum(
        np.abs((crowd.ux - 0.5 + h) % SIDE - h), np.abs((crowd.uy - 0.5 + h) % SIDE - h)
    )
    assert (start < 5).any() and (gap0 < 5).any()
    assert (end[start < 5] <= 3.0).all()
    assert (end0[gap0 < 5] <= 3.0).all()


def digest(crowd: BlockCrowd) -> str:
    parts = (crowd.ux, crowd.uy, crowd.active, crowd.jailed, crowd.stream)
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in parts)).hexdigest()


def run_digest(guarding: float, sites: list[int]) -> str:
    """8 days of the restless city (a third of the units standing aside on days 3-5)."""
    crowd = city(11, sites)
    for day in range(8):
        crowd.unit_deters[:] = True
        if 3 <= day < 6:
            crowd.unit_deters[::3] = False
        crowd.step(rules(guarding))
    return digest(crowd)


# `run_digest(0.0, [SITE])` computed on integrate ab5dcc8, before blocks had the rule (the
# kernel then ignored sites and guarding): units' points, active and jailed people, the stream.
BEFORE = "a7717da341f5f5638088a336428276c862780e4c38e428c57e60ced168ed8c75"


def test_guarding_0_draws_the_runs_drawn_before() -> None:
    """Guarding 0 draws no extra number: with a site or without, the same run, and the run the
    kernel drew before it had the rule (`BEFORE`). Guarding 1 without sites draws nothing new
    either (no site to head for, as with agents); with a site it is another run."""
    with_site = run_digest(0.0, [SITE])
    assert with_site == run_digest(0.0, []) == run_digest(1.0, [])
    assert with_site == BEFORE
    assert run_digest(1.0, [SITE]) != with_site


BLOCKS_YAML = "name: x\ncrowd:\n  representation: blocks\n  vision_people: 78400\n"


def test_a_blocks_scenario_with_guarding_loads(tmp_path: Path) -> None:
    """It was refused (exit 2, 'not implemented for representation: blocks')."""
    path = write(tmp_path / "x.yaml", BLOCKS_YAML + "  guarding: 0.3\n")
    assert load_scenario(path).crowd.guarding == 0.3
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("field", "value"), [("gathering", "0.5"), ("hardship_skew", "2")])
def test_the_rules_blocks_do_not_implement_stay_refused(
    tmp_path: Path, field: str, value: str
) -> None:
    path = write(tmp_path / "x.yaml", BLOCKS_YAML + f"  {field}: {value}\n")
    err = load_error(path)
    assert (err.line, err.field) == (5, f"crowd.{field}")
    assert "not implemented for representation: blocks" in err.message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
