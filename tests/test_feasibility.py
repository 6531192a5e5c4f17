"""Feasibility: the grids the checks compute are the model's, and the memory estimate is close to
what real runs allocate."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transition_sim.core.crowd import neighborhood_offsets
from transition_sim.core.model import TransitionModel
from transition_sim.scenario import Scenario, ScenarioError, feasibility, load_scenario
from transition_sim.scenario.feasibility import (
    FIXED_BYTES,
    MARGIN,
    MAX_REPLICATION_BYTES,
    check_feasible,
    estimate_memory,
    grids,
    vision_offsets,
)
from transition_sim.simulate import simulate

SCENARIOS = Path(__file__).parent.parent / "scenarios"
GiB = 2**30


def scenario(**fields: object) -> Scenario:
    return Scenario.model_validate({"name": "x", "days": 1, **fields})


SPREAD = scenario(
    regions=[
        {"name": "a", "urban_population": 3000, "sites": [{"name": "s", "weight": 3}]},
        {"name": "b", "urban_population": 1700},
        {"name": "c", "urban_population": 900, "sites": [{"name": "t"}, {"name": "u"}]},
    ],
    factions={
        "police": {"units": 101, "loyalty": {"incumbent": 1}},
        "army": {"units": 50, "loyalty": {"incumbent": 1}, "deployment": {"b": 0.3, "c": 0.7}},
    },
    patron={"enabled": True, "units": 37},
    crowd={"vision": 3, "neighborhood": "moore"},
)


def test_grids_are_the_models_grids() -> None:
    model = TransitionModel(SPREAD, seed=1)
    computed = grids(SPREAD)
    assert [g.side for g in computed] == [c.side for c in model.crowds]
    assert [g.citizens for g in computed] == [c.n for c in model.crowds]
    assert [sum(g.units.values()) for g in computed] == [c.m for c in model.crowds]
    assert [g.units["army"] for g in computed] == [0, 15, 35]
    assert [g.offsets for g in computed] == [len(c.offsets) for c in model.crowds]
    before = [c.m for c in model.crowds]
    model.deploy_patron_units(SPREAD.patron.units)
    added = [c.m - b for c, b in zip(model.crowds, before, strict=True)]
    assert [g.patron_units for g in computed] == added
    assert added[1] == 0 and sum(added) == 37  # by site weight: region b has no site


@settings(max_examples=200, deadline=None)
@given(
    radius=st.integers(1, 20),
    shape=st.sampled_from(["von_neumann", "moore"]),
    side=st.integers(3, 60),
)
def test_vision_offsets_count_the_crowds_offsets(radius: int, shape: str, side: int) -> None:
    assert vision_offsets(radius, shape, side) == len(neighborhood_offsets(radius, shape, side))


def crowded(units: int) -> Scenario:
    """One region of 100 people at density 0.5: a 14x14 grid (196 cells), 98 citizens."""
    return scenario(
        crowd={"citizen_density": 0.5},
        regions=[{"name": "a", "urban_population": 100}],
        factions={"police": {"units": units, "loyalty": {"incumbent": 1}}},
    )


def test_a_full_grid_fits_and_one_more_unit_does_not() -> None:
    assert (grids(crowded(98))[0].cells, grids(crowded(98))[0].citizens) == (196, 98)
    assert check_feasible(crowded(98)) == []
    TransitionModel(crowded(98), seed=0)  # builds
    problems = check_feasible(crowded(99))
    assert [field for field, _ in problems] == ["factions.police.units"]
    with pytest.raises(ValueError, match="197 agents do not fit on a 14x14 grid"):
        TransitionModel(crowded(99), seed=0)  # what the check saves the user from


def blocks_of(sc: Scenario) -> Scenario:
    """``sc`` with a crowd of blocks, vision in residents (78,400, the baseline's 7 cells)."""
    data = sc.model_dump()
    data["crowd"] |= {
        "representation": "blocks", "vision": None, "vision_people": 78_400,
        "neighborhood": "von_neumann",
    }  # fmt: skip
    return Scenario.model_validate(data)


def test_blocks_units_stand_at_points_so_any_number_fits() -> None:
    """With a crowd of blocks a unit stands at a point, not on a cell: the grid that 99 units
    overfill with agents takes them (and the model builds and runs it)."""
    blocks = crowded(99).model_dump()
    blocks["crowd"] |= {"representation": "blocks", "vision": None, "vision_people": 300}
    sc = Scenario.model_validate(blocks)
    assert check_feasible(sc) == []
    model = TransitionModel(sc, seed=0)
    model.step()
    assert model.crowds[0].m == 99


def test_patron_units_must_fit_once_deployed() -> None:
    full = crowded(90).model_copy(
        update={"patron": scenario(patron={"enabled": True, "units": 9}).patron}
    )
    assert [field for field, _ in check_feasible(full)] == ["factions.police.units"]
    many = crowded(10).model_copy(
        update={"patron": scenario(patron={"enabled": True, "units": 89}).patron}
    )
    ((field, message),) = check_feasible(many)
    assert field == "patron.units"
    assert "98 citizens and 10 police, 89 patron units" in message
    disabled = crowded(10).model_copy(
        update={"patron": scenario(patron={"enabled": False, "units": 89}).patron}
    )
    assert check_feasible(disabled) == []


def test_memory_is_refused_above_what_is_available(monkeypatch: pytest.MonkeyPatch) -> None:
    need = estimate_memory(SPREAD).total
    assert check_feasible(SPREAD, available=need) == []
    ((field, message),) = check_feasible(SPREAD, available=need - 1)
    assert field == "regions.0.urban_population"  # the costliest region
    gib = f"{need / 2**20:.1f} MiB"
    assert message.startswith(f"one replication needs about {gib} of memory, more than the ")
    assert "this machine has available" in message
    assert check_feasible(SPREAD, available=2 * need, workers=2) == []
    ((_, message),) = check_feasible(SPREAD, available=2 * need, workers=3)
    assert "available for 3 workers" in message

    class Memory:
        available = need - 1

    monkeypatch.setattr(feasibility.psutil, "virtual_memory", lambda: Memory)
    assert check_feasible(SPREAD)  # the default is the machine's available memory


def test_memory_limit_holds_whatever_the_machine(tmp_path: Path) -> None:
    big = scenario(regions=[{"name": "city", "urban_population": 10_000_000}])
    assert estimate_memory(big).total > MAX_REPLICATION_BYTES
    ((field, message),) = check_feasible(big, available=2**60)
    assert field == "regions.0.urban_population"
    assert "more than the limit of 32.0 GiB per replication" in message


def test_density_is_blamed_when_it_makes_the_grid_huge(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ncrowd:\n  citizen_density: 1.0e-6\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.field) == (3, "crowd.citizen_density")
    assert "TiB of memory" in info.value.message


def peak_bytes(sc: Scenario) -> int:
    """The peak memory one replication allocates (tracemalloc sees numpy's arrays too)."""
    simulate(sc, 1)  # once first: imports, caches and lazy module state are not the run's
    from transition_sim.core import crowd

    crowd.neighbor_table.cache_clear()  # the tables are the run's: build them again
    tracemalloc.start()
    try:
        result = simulate(sc, 2)
        # a run's tables are built on first use; a kept run builds them, and they are the run's
        _ = (result.timeseries_table, result.events_table)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("sc", "slack"),
    [
        # one large grid: its neighbour table dominates (85,849 cells x 48 offsets)
        (
            scenario(
                crowd={"neighborhood": "moore", "vision": 3},
                regions=[{"name": "a", "urban_population": 60_000}],
            ),
            0,
        ),
        # the baseline: eleven small regions, 60 days; the fixed allowance dominates
        (load_scenario(SCENARIOS / "kazakhstan_2022.yaml"), FIXED_BYTES),
        # the baseline with a crowd of blocks (session 23's trial): the blocks' own arrays, their
        # jail rings above all, on top of the agents' terms (estimated without them: 11.7 MB
        # against 15.2 MB measured)
        (blocks_of(load_scenario(SCENARIOS / "kazakhstan_2022.yaml")), FIXED_BYTES),
        # the default vision (von Neumann, 7) on a mid-size grid, with many units
        (
            scenario(
                crowd={"citizen_density": 0.35},
                regions=[{"name": "a", "urban_population": 10_000}],
                factions={"police": {"units": 8000, "loyalty": {"incumbent": 1}}},
            ),
            0,
        ),
    ],
    ids=["large-grid", "baseline", "baseline-blocks", "many-units"],
)
def test_estimate_is_close_to_measured_peak(sc: Scenario, slack: int) -> None:
    """Never below the measured peak, and at most 30% above it (plus, for small runs, the fixed
    allowance for the model's own objects)."""
    measured = peak_bytes(sc)
    estimate = estimate_memory(sc).total
    assert measured <= estimate <= 1.3 * measured + MARGIN * slack, (measured, estimate)


@pytest.mark.parametrize(("regions", "days"), [(1, 3000), (12, 1000), (300, 60)])
def test_time_series_estimate_is_close_to_measured(regions: int, days: int) -> None:
    """The records of `days` days and the time series built from them, measured on the model's
    own code (a day's record repeated: simulating thousands of days would be slow)."""
    sc = scenario(
        days=days,
        regions=[{"name": f"r{i}", "urban_population": 50} for i in range(regions)],
        factions={"police": {"units": regions, "loyalty": {"incumbent": 1}}},
    )
    model = TransitionModel(sc, seed=0)
    model.step()
    _, stats, deaths, national = model.rows[0]
    model.timeseries()  # once first: pandas' lazy imports and caches are not the run's
    tracemalloc.start()
    try:
        model.rows = [(d, stats.copy(), deaths.copy(), tuple(list(national))) for d in range(days)]
        model.timeseries()
        measured = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = sc.days * (feasibility.ROW_BYTES * (regions + 1) + feasibility.DAY_BYTES)
    assert measured <= estimate <= 1.3 * measured, (measured, estimate)


@pytest.mark.parametrize(
    ("regions", "days", "field", "part"),
    [(400, 3650, "days", "time series"), (3000, 1, "regions", "region network")],
)
def test_memory_problem_points_at_what_costs_most(
    regions: int, days: int, field: str, part: str
) -> None:
    sc = scenario(
        days=days,
        regions=[{"name": f"r{i}", "urban_population": 10} for i in range(regions)],
        factions={"police": {"units": 0, "loyalty": {"incumbent": 1}}},
    )
    need = estimate_memory(sc)
    assert max(need.parts, key=need.parts.__getitem__) == part
    ((where, message),) = check_feasible(sc, available=need.total // 2)
    assert where == field
    assert f"(mostly for the {part})" in message
