"""The blocks representation of the crowd (``crowd.representation: blocks``, core/blocks.py):
a block's share of active people is Epstein's rule applied to its people, a block equals the
population in expectation however people are grouped, units in sight do not depend on the
resolution, and a bad value is refused like any other."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.core.blocks import BlockCrowd, crime_share, rule_share
from transition_sim.core.crowd import CrowdRules
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from test_resolution import BASELINE, RESOLUTIONS, city_of_blocks

# (lo, hi, rlo, rhi, p, t, 1 - L, extra): clipping at 0 and 1, negative relief, P = 0, ...
CONDITIONS = [
    (0.0, 0.74, 0.0, 1.0, 0.9, 0.1, 0.5, 0.0),
    (0.0, 0.74, 0.0, 1.0, 0.0, 0.2, 0.5, 0.05),
    (-0.2, 0.9, 0.0, 1.0, 0.2, -0.05, 0.7, -0.25),
    (0.3, 1.3, 0.1, 0.6, 0.5, 0.6, 0.9, 0.4),
    (0.0, 0.74, 0.0, 1.0, 0.05, 0.1, 0.35, 0.1),
]


def people_rule(rng: np.random.Generator, n: int, c: tuple[float, ...]) -> float:
    """The share of `n` people with the population's traits who are active by Epstein's rule,
    as the agents crowd computes it (crowd.py: hardship drawn, shifted and clipped, then
    grievance clip(H + extra) (1 - L))."""
    lo, hi, rlo, rhi, p, t, nl, extra = c
    h = np.clip(rng.uniform(lo, hi, n), 0.0, 1.0)
    r = rng.uniform(rlo, rhi, n)
    return float(np.mean(np.clip(h + extra, 0.0, 1.0) * nl - r * p > t))


@pytest.mark.parametrize("c", CONDITIONS)
def test_a_block_is_its_people_under_epsteins_rule(c: tuple[float, ...]) -> None:
    lo, hi, rlo, rhi, p, t, nl, extra = c
    block = rule_share(lo, hi, rlo, rhi, 0.0, 0.0, p, t, nl, extra)
    people = people_rule(np.random.default_rng(3), 400_000, c)
    assert abs(block - people) < 0.004  # four standard errors of the people's share


def test_organized_crime_in_a_block_is_its_people() -> None:
    rng = np.random.default_rng(4)
    r = rng.uniform(0.0, 1.0, 400_000)
    for p, t, drive in [(0.9, 0.1, 0.5), (0.3, 0.0, 0.05), (0.0, 0.1, 0.2)]:
        assert abs(crime_share(0.0, 1.0, 0.0, p, t, drive) - np.mean(drive - r * p > t)) < 0.004


RESIDENTS = 400_000


def block_shares(people_per_agent: int, blocks: int, c: tuple[float, ...]) -> np.ndarray:
    """Each block's share of active people (all kinds) under the conditions `c`, for blocks
    of `people_per_agent` people drawn as the model draws them."""
    lo, hi, rlo, rhi, p, t, nl, extra = c
    rng = np.random.default_rng(people_per_agent)
    crowd = BlockCrowd.build(
        rng, int(np.sqrt(blocks)) + 1, blocks, np.zeros(0, dtype=np.int64), (0.8, 0.15, 0.05),
        (lo, hi), (rlo, rhi), 10.0, "von_neumann", people_per_agent, 1000.0, 1,
    )  # fmt: skip
    tr, kinds = crowd.traits, crowd.people
    upset = np.array([rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, extra)
                      for eh, er in tr[:, 4:]])  # fmt: skip
    crime = np.array([crime_share(rlo, rhi, er, p, t, 0.3) for er in tr[:, 5]])
    return kinds[:, 0] * upset + kinds[:, 1] * upset + kinds[:, 2] * crime


@pytest.mark.parametrize("c", [CONDITIONS[0], CONDITIONS[2], CONDITIONS[4]])
def test_grouping_does_not_change_the_expected_active_people(c: tuple[float, ...]) -> None:
    """The same 400,000 residents as 200 blocks of 2,000, 800 of 500 or 400,000 of one: the
    expected active people are the same, and the noise of their sum too."""
    lo, hi, rlo, rhi, p, t, nl, extra = c
    population = 0.95 * rule_share(lo, hi, rlo, rhi, 0.0, 0.0, p, t, nl, extra)
    population += 0.05 * crime_share(rlo, rhi, 0.0, p, t, 0.3)
    sums = {}
    for ppa in (2000, 500, 1):
        shares = block_shares(ppa, RESIDENTS // ppa, c)
        active = shares.sum() * ppa  # people
        sd = shares.std() * ppa * np.sqrt(len(shares))  # of the sum over the residents
        assert abs(active / RESIDENTS - population) < 4 * sd / RESIDENTS + 1e-12, ppa
        sums[ppa] = sd
    # the noise of the residents' active count, whatever the grouping
    assert max(sums[2000], sums[500]) / min(sums[2000], sums[500]) < 1.25


def test_units_in_sight_do_not_depend_on_the_resolution() -> None:
    """A resident sees the same number of units, on average and in spread, at any people per
    agent (units of fixed size at points; vision in residents)."""
    seen = {}
    for ppa in RESOLUTIONS:
        counts = []
        for seed in range(40):
            model = TransitionModel(city_of_blocks(ppa), seed)
            crowd = model.crowds[0]
            counts.append(crowd.cops_seen[crowd.pos[: crowd.n]])
        seen[ppa] = np.concatenate(counts)
    means = [s.mean() for s in seen.values()]
    assert max(means) / min(means) < 1.03, means
    low = [(s <= 1.5).mean() for s in seen.values()]  # the tail that ignites a neighbourhood
    assert max(low) - min(low) < 0.01, low


def baseline_of_blocks(people_per_agent: int) -> Scenario:
    """The baseline with blocks and vision in residents, as bench_resolution.py runs it."""
    data = load_scenario(BASELINE).model_dump()
    data["crowd"].update(representation="blocks", vision=None, vision_people=78_400)
    data["scale"]["people_per_agent"] = people_per_agent
    return Scenario.model_validate(data)


def test_every_region_holds_its_residents_at_any_resolution() -> None:
    """In every region of the baseline, the residents the model counts and the units a resident
    sees are the same at any resolution, though the grid's side is rounded (Mangystau, where
    the crisis starts, held 2.3% more people than its own at 2,000 and 500 people per agent and
    3.1% fewer at 1,000: 5.6% more units per resident; docs/ODD.md §8, "Resolution")."""
    sc = baseline_of_blocks(1000)
    seen = {}
    for ppa in RESOLUTIONS:
        rows = []
        for seed in range(10):
            model = TransitionModel(baseline_of_blocks(ppa), seed)
            people = model._citizens * ppa
            assert people == pytest.approx([r.urban_population for r in sc.regions], rel=1e-9)
            rows.append([c.cops_seen[c.pos[: c.n]].mean() for c in model.crowds])
        seen[ppa] = np.mean(rows, axis=0)
    ratios = np.max(list(seen.values()), axis=0) / np.min(list(seen.values()), axis=0)
    assert ratios.max() < 1.03, dict(zip([r.name for r in sc.regions], ratios, strict=True))


def test_a_unit_detains_unit_people_a_day_and_they_come_back() -> None:
    """With every block's people active and one unit, a day's arrests are one unit's worth of
    people; with a jail term of 0 days they are free again the next day."""
    rng = np.random.default_rng(0)
    crowd = BlockCrowd.build(
        rng, 30, 600, np.zeros(1, dtype=np.int64), (1.0, 0.0, 0.0), (1.0, 1.0), (0.0, 0.0),
        60.0, "von_neumann", 250, 1000.0, 5,
    )  # fmt: skip
    rules = CrowdRules(0.0, 0.0, 2.3, 0, True, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1)
    crowd.unit_deters[:] = False  # nobody deters on the first day: all turn active
    first = crowd.step(rules)
    assert first[0] == pytest.approx(600.0)
    crowd.unit_deters[:] = True
    second = crowd.step(rules)
    assert second[5] * 250 == pytest.approx(1000.0)  # detained people: unit_people
    crowd.unit_deters[:] = False
    third = crowd.step(rules)
    assert third[0] == pytest.approx(600.0) and third[4] == pytest.approx(0.0)


def test_agents_remain_the_default() -> None:
    scenario = city_of_blocks(1000).model_dump()
    scenario["crowd"].pop("representation")
    model = TransitionModel(Scenario.model_validate(scenario), 0)
    assert type(model.crowds[0]).__name__ == "RegionCrowd"


def test_a_bad_representation_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ndays: 1\ncrowd: {representation: people}\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "crowd.representation")
    for args in (["validate", str(path)], ["run", "-n", "1", str(path)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "crowd.representation" in result.output
