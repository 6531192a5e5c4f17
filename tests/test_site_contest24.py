"""The crowd of blocks' site contest is fought by whole people (session 24, helper C;
docs/ODD.md §7.4 and §7.13 "Sites"): a block's active share is an expected value, rarely exactly
0, and a contest against no defender is won by any positive force, so before this a fraction of
one armed person took sites that no unit was near (session 23: 303 of the blocks baseline's 430
seizures in 60 runs came after order had returned). The window's armed people are now a
Poisson count of people, the same at any people per agent; and a site's standing guard
(`violence.site_guard`, people) defends a site the state holds."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.core import decisions
from transition_sim.core.blocks import BlockCrowd
from transition_sim.core.kernel import CRIME, N_STATS, STAT_ACTIVE, VIOLENT
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from test_resolution import city_of_blocks

RATIO, EXPONENT = 2.0, 4.0  # the baseline's seizure_ratio and site_exponent
DRAWS = 4000


def full_city(people_per_agent: int, armed_people_per_block_of_1000: float) -> BlockCrowd:
    """A city of 640,000 residents in blocks filling its grid (side 16 at 2,500 people per
    agent, 32 at 625) with no unit, every block's armed share set by hand so that 1,000 residents
    hold `armed_people_per_block_of_1000` armed actives in expectation."""
    side = round(math.sqrt(640_000 / people_per_agent))
    rng = np.random.default_rng(7)
    crowd = BlockCrowd.build(
        rng, side, side * side, np.zeros(0, dtype=np.int64), (0.8, 0.1, 0.1), (0.0, 0.7),
        (0.0, 1.0), 60.0, "von_neumann", people_per_agent, 1000.0, 5,
    )  # fmt: skip
    crowd.active[:] = 0.0
    crowd.active[:, VIOLENT] = armed_people_per_block_of_1000 / 1000.0
    return crowd


def falls(crowd: BlockCrowd, guard_people: float) -> float:
    """The share of DRAWS days on which a held site at the city's centre falls (no unit near),
    with the model's odds: its window's armed people against its guard, as `_contest_sites`."""
    cell = (crowd.side // 2) * crowd.side + crowd.side // 2
    none = np.zeros(1, dtype=np.bool_)
    rng = np.random.default_rng(11)
    fell = 0
    for _ in range(DRAWS):
        rebels, turned, deters = crowd.site_people(cell, 1, none)
        p = decisions.site_falls(rebels + turned, deters + guard_people / 1000.0, RATIO, EXPONENT)
        fell += rng.random() < p
    return fell / DRAWS


def test_a_fraction_of_one_armed_person_seldom_takes_an_unguarded_site() -> None:
    """The site window (9 reference cells, 9,000 residents) holds 0.37 armed people in
    expectation (session 23's median at seizures after order) and no unit: the site falls on the
    days the window holds at least one whole person, 1 - exp(-0.37) = 0.31 of them (before:
    every day, the 0.37 of a person counting as a positive force)."""
    crowd = full_city(625, 0.37 / 9.0)
    share = falls(crowd, 0.0)
    expected = 1.0 - math.exp(-0.37)
    assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / DRAWS), share
    assert share < 0.5


def test_the_contests_odds_are_the_same_at_two_resolutions_for_the_same_people() -> None:
    """The same residents with the same armed share at 2,500 and 625 people per agent (blocks
    of four times the people): the window's armed people and the site's chance of falling
    agree within sampling noise."""
    shares = {ppa: falls(full_city(ppa, 1.2 / 9.0), 0.0) for ppa in (2500, 625)}
    expected = 1.0 - math.exp(-1.2)
    noise = 4 * math.sqrt(expected * (1 - expected) / DRAWS)
    for share in shares.values():
        assert abs(share - expected) < noise, shares
    means = {}
    for ppa in (2500, 625):
        crowd = full_city(ppa, 1.2 / 9.0)
        cell = (crowd.side // 2) * crowd.side + crowd.side // 2
        draws = [crowd.site_people(cell, 1, np.zeros(1, dtype=np.bool_))[0] for _ in range(DRAWS)]
        assert all(d * 1000.0 == round(d * 1000.0) for d in draws)  # whole people
        means[ppa] = np.mean(draws) * 1000.0
    for mean in means.values():
        assert mean == pytest.approx(1.2, abs=0.15), means


def test_a_standing_guard_defends_against_a_few_armed_people_not_a_crowd() -> None:
    """A guard of 20 people: 1.2 armed people in expectation almost never take the site (without
    it: 0.70 of days); 300 armed people take it nearly every day (the guard is no garrison)."""
    few = full_city(625, 1.2 / 9.0)
    assert falls(few, 0.0) > 0.6
    assert falls(few, 20.0) < 0.01
    assert falls(full_city(625, 300.0 / 9.0), 20.0) > 0.95


def contest_model(guard: float) -> TransitionModel:
    """The test's city of blocks at 1,000 people per agent with the standing guard `guard`; its
    units do not deter (none defends a site) and its first site is held by the state."""
    data = city_of_blocks(1000).model_dump()
    data["violence"]["site_guard"] = guard
    model = TransitionModel(Scenario.model_validate(data), 3)
    crowd = model.crowds[0]
    crowd.unit_deters[:] = False
    crowd.active[:] = 0.0
    crowd.active[:, CRIME] = 0.5 / 1000.0  # half a person per block: several in a window
    return model


@pytest.mark.parametrize("guard, low, high", [(0.0, 0.9, 1.0), (30.0, 0.0, 0.05)])
def test_the_model_counts_the_standing_guard_with_the_sites_defenders(
    guard: float, low: float, high: float
) -> None:
    """`_contest_sites` on the city: with no deterring unit near, the site window's few armed
    people (about 12 in expectation) take a held site almost every day without a guard, and
    hardly ever against a guard of 30 people (odds (12 / (2 x 30))^4 / (1 + ...) = 0.002)."""
    model = contest_model(guard)
    stats = np.zeros((1, N_STATS))
    stats[0, STAT_ACTIVE + CRIME] = 1.0
    totals = stats.sum(axis=0).tolist()
    site = model.sites[0]
    fell = 0
    for _ in range(200):
        site.seized = False
        model._contest_sites(stats, totals)
        fell += site.seized
    assert low <= fell / 200 <= high, fell


@pytest.mark.parametrize("bad", ["-1", "1001", "lots"])
def test_a_bad_site_guard_exits_2_with_its_line(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path / "x.yaml", f"name: x\ndays: 1\nviolence:\n  site_guard: {bad}\n")
    err = load_error(path)
    assert (err.line, err.field) == (4, "violence.site_guard")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path}:4: violence.site_guard" in result.output


def test_the_model_contests_whole_people_with_blocks() -> None:
    """`_contest_sites` on the city of blocks with no guard and no deterring unit, the site's
    window holding 0.37 armed people in expectation: the site falls on about 1 - exp(-0.37) =
    0.31 of days (with the expected value fighting, as before session 24: every day)."""
    model = contest_model(0.0)
    crowd, site = model.crowds[0], model.sites[0]
    none = np.zeros(len(model.factions) + 1, dtype=np.bool_)
    expected = crowd.site_forces(site.cell, model.params.violence.site_radius, none)[0] * 1000.0
    crowd.active[:, CRIME] *= 0.37 / expected
    stats = np.zeros((1, N_STATS))
    stats[0, STAT_ACTIVE + CRIME] = 1.0
    totals = stats.sum(axis=0).tolist()
    fell = 0
    for _ in range(2000):
        site.seized = False
        model._contest_sites(stats, totals)
        fell += site.seized
    share, p = fell / 2000, 1.0 - math.exp(-0.37)
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / 2000), share
