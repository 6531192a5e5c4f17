"""Experiment specs, parameter paths, coupled sets and designs: everything checked before a run."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from textwrap import dedent

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_files import write

from transition_sim.scenario import ScenarioError, load_scenario
from transition_sim.scenario.address import (
    PathError,
    apply_values,
    base_value,
    coupled_values,
    scenario_values,
)
from transition_sim.studies.design import make_design
from transition_sim.studies.spec import load_spec
from transition_sim.studies.sweep import prepare

ROOT = Path(__file__).resolve().parents[1]
# The spec machinery's base: the crowd of agents at its point (tests/agents_baseline.yaml), whose
# vision is an integer number of cells (7); since session 26 the shipped baseline is blocks.
BASELINE = ROOT / "tests" / "agents_baseline.yaml"
KNB = [f"factions.KNB.loyalty.{k}" for k in ("successor", "family", "self_interest")]


def spec_error(path: Path, allow_code: bool = False) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        prepare(load_spec(path), allow_code=allow_code)
    return info.value


def grid_spec(tmp_path: Path, body: str, design: str = "grid") -> Path:
    head = f"""
    name: t
    scenario: {BASELINE}
    design: {design}
    replications: 2
    seed: 1
    """
    return write(tmp_path / "spec.yaml", dedent(head) + dedent(body))


@pytest.fixture(scope="module")
def baseline_data() -> dict:
    return scenario_values(load_scenario(BASELINE))


# --- reading a spec -----------------------------------------------------------------------------


def test_unknown_key_names_file_line_and_field(tmp_path: Path) -> None:
    path = grid_spec(
        tmp_path,
        """
        parameters:
          - path: patron.cost
            valuse: [0.1]
        """,
    )
    err = spec_error(path)
    assert err.file == path
    assert err.field == "parameters.0.valuse"
    assert err.line == 9
    assert "did you mean 'values'" in err.message
    assert str(err).startswith(f"{path}:9: parameters.0.valuse: unknown key")


def test_missing_design_and_bad_sobol_size(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "name: t\nscenario: x.yaml\nreplications: 1\nseed: 0\n")
    with pytest.raises(ScenarioError) as info:
        load_spec(path)
    fields = {field for _, field, _ in info.value.problems}
    assert {"design", "parameters"} <= fields
    bad = grid_spec(
        tmp_path, "parameters:\n  - {path: patron.cost, bounds: [0, 1]}\n",
        design="{method: sobol, samples: 24}",
    )  # fmt: skip
    err = spec_error(bad)
    assert err.field == "design.samples"
    assert "power of two" in err.message


def test_a_grid_needs_levels_and_sampling_needs_bounds(tmp_path: Path) -> None:
    err = spec_error(grid_spec(tmp_path, "parameters:\n  - {path: crowd.vision, bounds: [3, 9]}\n"))
    assert err.field == "parameters.0.bounds"
    assert err.line == 7
    err = spec_error(
        grid_spec(
            tmp_path, "parameters:\n  - {path: crowd.vision, values: [3, 9]}\n",
            design="{method: lhs, samples: 4}",
        )
    )  # fmt: skip
    assert err.field == "parameters.0.values"


def test_a_path_that_does_not_exist_is_reported_with_what_is_there(tmp_path: Path) -> None:
    path = grid_spec(tmp_path, "parameters:\n  - {path: factions.KGB.units, values: [10]}\n")
    err = spec_error(path)
    assert err.field == "parameters.0.path"
    assert err.line == 7
    assert "no 'KGB' in factions" in err.message and "KNB" in err.message


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("violence.protester_lethality", "list of 4 numbers"),
        ("factions.KNB.loyalty", "section"),
        ("crowd.movement", "flag"),
        ("crowd.activation", "not a number"),
        ("crowd.vision.low", "single value"),
    ],
)
def test_only_single_numbers_can_vary(baseline_data: dict, path: str, says: str) -> None:
    with pytest.raises(PathError, match=says):
        base_value(baseline_data, path)


def test_paths_name_list_items_by_name_or_index(baseline_data: dict) -> None:
    scenario = load_scenario(BASELINE)
    almaty = next(r for r in scenario.regions if r.name == "Almaty")
    knb_site = next(site for site in almaty.sites if site.name == "KNB building")
    assert base_value(baseline_data, "regions.Almaty.violent_share") == almaty.violent_share
    assert base_value(baseline_data, "regions.Almaty.sites.KNB building.weight") == knb_site.weight
    assert base_value(baseline_data, "shocks.0.hardship") == scenario.shocks[0].hardship
    lethality = scenario.violence.protester_lethality[3]
    assert base_value(baseline_data, "violence.protester_lethality.3") == lethality
    assert base_value(baseline_data, "patron.delay_days.1") == scenario.patron.delay_days[1]


def test_an_invalid_point_is_reported_before_anything_runs(tmp_path: Path) -> None:
    """Varying one loyalty alone breaks the sum: the error names the point, the parameter's line,
    and suggests `coupled:`."""
    path = grid_spec(
        tmp_path, "parameters:\n  - {path: factions.KNB.loyalty.successor, values: [0.25, 0.5]}\n"
    )
    err = spec_error(path)
    assert err.field == "parameters.0.path"
    assert err.line == 7
    assert "point 1 (factions.KNB.loyalty.successor=0.5) is invalid" in err.message
    assert "coupled" in err.message
    assert len(err.problems) == 1  # point 0 sets the base value, which is valid


def test_a_point_that_cannot_run_is_reported_before_anything_runs(tmp_path: Path) -> None:
    """Valid values whose scenario cannot run (citizens and units overflow the grids) are
    caught by the loader's feasibility check, for every point."""
    path = grid_spec(
        tmp_path, "parameters:\n  - {path: crowd.citizen_density, values: [0.7, 0.99]}\n"
    )
    err = spec_error(path)
    assert err.field == "parameters"
    assert "point 1 (crowd.citizen_density=0.99) is invalid" in err.message
    assert "do not fit" in err.message and "cannot run" in err.message


def test_out_of_range_points_are_all_counted(tmp_path: Path) -> None:
    values = ", ".join(str(v) for v in range(2, 12))
    path = grid_spec(tmp_path, f"parameters:\n  - {{path: patron.cost, values: [0.5, {values}]}}\n")
    err = spec_error(path)
    assert len(err.problems) == 6  # five listed, then "... and 5 more"
    assert "and 5 more invalid points" in err.problems[-1][2]


def test_fixed_values_are_set_and_checked(tmp_path: Path) -> None:
    ok = grid_spec(
        tmp_path, "fixed: {days: 9}\nparameters:\n  - {path: crowd.vision, values: [3]}\n"
    )
    exp = prepare(load_spec(ok))
    assert exp.model.base.days == 9
    bad = grid_spec(
        tmp_path, "fixed: {dayz: 9}\nparameters:\n  - {path: crowd.vision, values: [3]}\n"
    )
    err = spec_error(bad)
    assert err.field == "fixed.dayz"
    assert err.line == 6


def test_missing_scenario_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        "name: t\nscenario: nope.yaml\ndesign: grid\nreplications: 1\nseed: 0\n"
        "parameters:\n  - {path: crowd.vision, values: [3]}\n",
    )
    err = spec_error(path)
    assert (err.field, err.line) == ("scenario", 2)


def test_a_function_model_must_declare_its_inputs(tmp_path: Path) -> None:
    head = "name: t\ndesign: grid\nreplications: 1\nseed: 0\n"
    head += "parameters:\n  - {path: x1, values: [0]}\n"
    err = spec_error(write(tmp_path / "a.yaml", head + "model: math:sin\n"), allow_code=True)
    assert err.field == "model" and "declare the function's inputs" in err.message
    err = spec_error(write(tmp_path / "b.yaml", head + "model: no_such_module_xyz:f\n"), True)
    assert "cannot import" in err.message
    exp = prepare(
        load_spec(
            write(tmp_path / "c.yaml", head + "model: transition_sim.studies.models:ishigami\n")
        )
    )
    assert exp.model.base["a"] == 7.0


# --- coupled sets -------------------------------------------------------------------------------


def test_coupled_unvaried_members_share_the_rest_in_proportion(baseline_data: dict) -> None:
    values = coupled_values({KNB[0]: 0.5}, baseline_data, [KNB])
    # family 0.6 and self_interest 0.15 (4:1) share 0.5
    assert values == pytest.approx({KNB[0]: 0.5, KNB[1]: 0.4, KNB[2]: 0.1})


def test_coupled_set_varied_in_full_is_renormalised(baseline_data: dict) -> None:
    values = coupled_values({KNB[0]: 1.0, KNB[1]: 1.0, KNB[2]: 2.0}, baseline_data, [KNB])
    assert values == pytest.approx({KNB[0]: 0.25, KNB[1]: 0.25, KNB[2]: 0.5})


def test_coupled_set_overflowing_is_an_error(baseline_data: dict) -> None:
    with pytest.raises(ValueError, match="exceeds the coupled set's sum 1"):
        coupled_values({KNB[0]: 0.7, KNB[1]: 0.6}, baseline_data, [KNB])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
    st.sampled_from([(0,), (1,), (0, 2), (0, 1, 2)]),
)
def test_coupled_sets_keep_their_sum(baseline_data: dict, draws: list[float], which: tuple) -> None:
    """Whatever is varied, a valid completion adds up to the base sum and validates."""
    varied = {KNB[i]: draws[j % len(draws)] for j, i in enumerate(which)}
    if len(which) == 3 and sum(varied.values()) == 0:
        return
    try:
        data, applied = apply_values(baseline_data, varied, [KNB])
    except ValueError:
        assert len(which) < 3 and sum(varied.values()) > 1.0
        return
    assert math.isclose(sum(applied[k] for k in KNB), 1.0, abs_tol=1e-9)
    assert min(applied.values()) >= 0
    load_scenario(BASELINE).model_validate(data)


def test_integers_stay_integers(baseline_data: dict) -> None:
    data, applied = apply_values(baseline_data, {"crowd.vision": 4.6})
    assert data["crowd"]["vision"] == 5 and applied == {"crowd.vision": 5.0}


# --- designs ------------------------------------------------------------------------------------


def spec_with(tmp_path: Path, design: str, params: str) -> Path:
    return grid_spec(tmp_path, "parameters:\n" + dedent(params), design=design)


def test_grid_is_every_combination(tmp_path: Path, baseline_data: dict) -> None:
    spec = load_spec(
        spec_with(tmp_path, "grid", """\
          - {path: crowd.vision, values: [3, 5]}
          - {path: patron.cost, range: {low: 0, high: 1, steps: 3}}
        """)
    ).spec  # fmt: skip
    points = make_design(spec, baseline_data)
    assert points.values.tolist() == [[3, 0], [3, 0.5], [3, 1], [5, 0], [5, 0.5], [5, 1]]


def test_oat_starts_at_the_base_and_moves_one_parameter(
    tmp_path: Path, baseline_data: dict
) -> None:
    spec = load_spec(
        spec_with(tmp_path, "oat", """\
          - {path: crowd.vision, values: [3, 7, 9]}
          - {path: patron.cost, values: [0.5]}
        """)
    ).spec  # fmt: skip
    points = make_design(spec, baseline_data).values.tolist()
    assert points == [[7, 0.1], [3, 0.1], [9, 0.1], [7, 0.5]]  # the base: vision 7, cost 0.1


@pytest.mark.parametrize(
    ("design", "rows"),
    [("{method: lhs, samples: 10}", 10), ("{method: morris, samples: 4}", 4 * 3),
     ("{method: sobol, samples: 8}", 8 * 4),
     ("{method: sobol, samples: 8, second_order: true}", 8 * 6)],
)  # fmt: skip
def test_sampling_designs_stay_in_bounds(
    tmp_path: Path, baseline_data: dict, design: str, rows: int
) -> None:
    spec = load_spec(
        spec_with(tmp_path, design, """\
          - {path: crowd.contagion, bounds: [0.5, 1.5]}
          - path: patron.cost
            distribution: {name: triangular, low: 0.2, mode: 0.9, high: 1}
        """)
    ).spec  # fmt: skip
    points = make_design(spec, baseline_data)
    assert points.values.shape == (rows, 2)
    assert points.unit is not None and ((points.unit >= 0) & (points.unit <= 1)).all()
    assert ((points.values[:, 0] >= 0.5) & (points.values[:, 0] <= 1.5)).all()
    assert ((points.values[:, 1] >= 0.2) & (points.values[:, 1] <= 1)).all()
    again = make_design(spec, baseline_data)
    assert np.array_equal(points.values, again.values)  # a pure function of the spec


def test_morris_refuses_an_unbounded_distribution(tmp_path: Path) -> None:
    path = spec_with(
        tmp_path, "{method: morris, samples: 4}",
        "  - {path: crowd.contagion, distribution: {name: normal, mean: 1, sd: 0.1}}\n",
    )  # fmt: skip
    with pytest.raises(ScenarioError, match="bounded distribution"):
        load_spec(path)


def test_the_shipped_specs_are_valid() -> None:
    """Every experiments/*.yaml loads and every one of its points makes a valid scenario."""
    specs = sorted((ROOT / "experiments").glob("*.yaml"))
    assert {p.name for p in specs} >= {
        "kz_security_loyalty.yaml",
        "kz_morris.yaml",
        "kz_sobol.yaml",
    }
    for path in specs:
        exp = prepare(load_spec(path))
        assert len(exp.points) > 0


def test_the_screening_is_what_its_script_writes() -> None:
    """kz_morris.yaml varies every number the registry's A- entries name (the script reads the
    registry and the baseline): it must be rewritten when either changes."""
    spec = importlib.util.spec_from_file_location(
        "kz_morris_spec", ROOT / "experiments" / "kz_morris_spec.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "experiments" / "kz_morris.yaml").read_text(
        encoding="utf-8"
    ) == module.spec_text()
    paths = load_spec(ROOT / "experiments" / "kz_morris.yaml").spec.paths
    assert "factions.KNB.loyalty.successor" in paths and "links.3.weight" in paths
    assert not {"days", "replications", "seed"} & set(paths)
