"""The registry's priors for a scenario whose crowd is blocks (session 24): the checks that
guard a prior run know what blocks settle, vision is drawn in the unit the scenario gives it in,
and the watch view draws a blocks run. Four of the six fail on main d3e0114 (prior_problems'
four refusals, no vision_people prior, the watch view's AttributeError); the run under the
priors and the settled rules held there already (`scenario.schema.settled_paths`) and are kept
here beside them (they fail if the settled rules are drawn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from transition_sim.claims import (
    BASELINE_PATH,
    Prior,
    Priors,
    load_priors,
    prior_problems,
)
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, drawn_values
from transition_sim.scenario import load_scenario
from transition_sim.scenario.schema import BLOCKS_REFUSE
from transition_sim.viz import watch

ROOT = Path(__file__).resolve().parents[1]
# The baseline with a crowd of blocks and vision in residents (its agents' 7 cells at 700
# residents a cell: docs/ODD.md §7.13); its other values are the baseline's, inside every prior.
BLOCKS = "crowd: {representation: blocks, vision: null, vision_people: 78400}\n"
# The baseline with the crowd of agents and vision in cells (Epstein's 7), pinned explicitly:
# since session 26 the baseline itself is blocks.
AGENTS = "crowd: {representation: agents, vision: 7, vision_people: null}\n"


def _scenario(folder: Path, name: str, extra: str = "", days: int = 60) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        f"extends: {BASELINE_PATH}\nname: {name}\ndays: {days}\nreplications: 4\nseed: 11\n"
        + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def blocks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _scenario(tmp_path_factory.mktemp("blocks"), "blocks", BLOCKS)


@pytest.fixture(scope="module")
def agents_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _scenario(tmp_path_factory.mktemp("agents"), "agents", AGENTS)


@pytest.fixture(scope="module")
def registry() -> Priors:
    return load_priors()


def _uncertainty(registry: Priors) -> Uncertainty:
    return Uncertainty(registry.priors, registry.coupled, 1, str(registry.file))


def test_the_registry_has_no_problem_with_a_blocks_scenario(
    registry: Priors, blocks_file: Path
) -> None:
    """The checks a prior run of the baseline makes (`prior_problems`), on a blocks baseline:
    the vision prior in cells of a scenario that gives residents, and the rules blocks settle
    (whose priors reach values blocks refuse: not drawn), are no problem. Before: four."""
    scenario = load_scenario(blocks_file)
    assert scenario.crowd.representation == "blocks"
    assert [str(p) for p in prior_problems(registry, blocks_file, scenario)] == []


def test_a_null_value_other_than_the_unused_vision_is_still_a_problem(
    registry: Priors, blocks_file: Path
) -> None:
    """Only the vision the scenario leaves null while it gives the other is skipped: a
    scenario that gives neither has 7 cells (`Crowd._default_vision`), so its cells prior is
    checked and drawn like a given one, and a prior of another null value is refused."""
    extra = "crowd: {representation: blocks, vision: null, vision_people: null}\n"
    novision = _scenario(blocks_file.parent, "novision", extra)
    assert load_scenario(novision).crowd.vision == 7
    assert prior_problems(registry, novision, load_scenario(novision)) == []
    other = Priors(registry.file, (Prior("patron.units", "uniform", 1, 9, "A-x", 4),), (), ())
    (problem,) = prior_problems(other, blocks_file, load_scenario(blocks_file))
    assert "not a single number" in problem.message


def test_a_blocks_scenario_runs_under_the_priors_with_no_refused_draw(
    registry: Priors, blocks_file: Path
) -> None:
    """Every one of 100 draws is a valid scenario, and a short run under the priors ends."""
    scenario = load_scenario(blocks_file)
    unc = _uncertainty(registry)
    for r in range(100):
        drawn_scenario(scenario, replication_seed(11, r), unc)  # raises if refused
    short = load_scenario(_scenario(blocks_file.parent, "short", BLOCKS, days=6))
    ensemble = run_ensemble(short, 3, 5, workers=1, uncertainty=unc)
    assert len(ensemble.runs) == 3


def test_the_vision_prior_is_drawn_in_residents_for_blocks_and_in_cells_for_agents(
    registry: Priors, blocks_file: Path, agents_file: Path
) -> None:
    blocks = load_scenario(blocks_file)
    agents = load_scenario(agents_file)
    assert agents.crowd.vision is not None and agents.crowd.vision_people is None
    unc = _uncertainty(registry)
    people, cells = [], []
    for r in range(200):
        seed = replication_seed(3, r)
        data, _ = drawn_values(blocks, seed, unc)
        assert data["crowd"]["vision"] is None
        people.append(data["crowd"]["vision_people"])
        data, _ = drawn_values(agents, seed, unc)
        assert data["crowd"]["vision_people"] is None
        cells.append(data["crowd"]["vision"])
    (prior,) = [p for p in registry.priors if p.path == "crowd.vision_people"]
    assert prior.distribution == "triangular"
    assert min(people) >= prior.low and max(people) <= prior.high
    # Drawn, around the scenario's 78,400 (the triangle's mode): both sides, a real spread.
    assert min(people) < 60_000 < 100_000 < max(people)
    assert abs(np.median(people) - 78_400) < 10_000
    assert len(set(cells)) >= 3  # agents still draw vision in cells


def test_a_prior_blocks_settle_is_not_drawn(
    registry: Priors, blocks_file: Path, agents_file: Path
) -> None:
    """hardship_skew, gathering and guarding have priors, which agents draw; blocks keep the
    only values they implement, in every draw."""
    blocks = load_scenario(blocks_file)
    agents = load_scenario(agents_file)
    unc = _uncertainty(registry)
    paths = {f"crowd.{name}" for name in BLOCKS_REFUSE}
    assert paths <= {p.path for p in registry.priors}
    seen_agents: dict[str, set[float]] = {name: set() for name in BLOCKS_REFUSE}
    for r in range(50):
        seed = replication_seed(7, r)
        data, _ = drawn_values(blocks, seed, unc)
        for name, (value, _) in BLOCKS_REFUSE.items():
            assert data["crowd"][name] == value, name
        data, _ = drawn_values(agents, seed, unc)
        for name in BLOCKS_REFUSE:
            seen_agents[name].add(data["crowd"][name])
    assert all(len(v) > 1 for v in seen_agents.values()), seen_agents


def test_the_watch_view_draws_a_blocks_run(blocks_file: Path) -> None:
    """A blocks run is watched: the replication run again is the ensemble's, its blocks are
    drawn active only as far as their region has active people (each its largest group, so a
    block drawn active holds at least a fifth of its people active), and the figure renders."""
    scenario = load_scenario(_scenario(blocks_file.parent, "watched", BLOCKS, days=8))
    ensemble = run_ensemble(scenario, 2, 11, workers=1)
    ts = ensemble.timeseries
    saw_active = False
    for row in ensemble.runs.itertuples():
        snaps = watch.watch_replication(scenario, int(row.replication))
        assert snaps.outcome == row.outcome
        for r, region in enumerate(snaps.regions):
            rows = ts[(ts["replication"] == row.replication) & (ts["region"] == region)]
            for k, day in enumerate(snaps.days):
                grid = snaps.grids[r][k]
                active = rows.loc[rows["day"] == day, "active"].iloc[0]
                drawn = int(((grid >= watch.FIRST_ACTIVE) & (grid < watch.FIRST_UNIT)).sum())
                assert drawn <= 5 * (active + 3), (region, day, drawn, active)
                saw_active |= drawn > 0
    assert saw_active  # the crowd does rise somewhere
    figure = watch.grid_figure(snaps, snaps.days[-1], "blocks")
    assert len(figure.data) >= len(snaps.regions)
