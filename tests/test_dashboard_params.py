"""The dashboard without a browser: controls generated from the schema and the registry, edited
values written as a scenario that extends the original, uploads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_files import copy_baseline

from transition_sim import claims
from transition_sim.dashboard.callbacks import Pace, field_errors
from transition_sim.dashboard.compare import compare_view
from transition_sim.dashboard.edits import (
    apply_values,
    coupled_sets,
    edited_yaml,
    error_text,
    overrides,
    rebalance,
)
from transition_sim.dashboard.params import RUN_SETTINGS, parameters, plain
from transition_sim.dashboard.workspace import UploadError, Workspace
from transition_sim.scenario import Scenario, ScenarioError, check_feasible, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every number and switch in a scenario dump, named as the registry names paths (an
    independent walk: no schema, just the data)."""
    if isinstance(value, bool | int | float) and path:
        return {path: value}
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, child in value.items():
            out |= _leaves(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            name = child.get("name") if isinstance(child, dict) else None
            out |= _leaves(child, f"{path}.{name if isinstance(name, str) else i}")
    return out


def _params(scenario: Scenario) -> dict[str, Any]:
    return {p.path: p for g in parameters(scenario) for p in g.params}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_number_and_switch_of_a_scenario_gets_a_control(path: Path) -> None:
    scenario = load_scenario(path)
    params = _params(scenario)
    expected = {
        p: v for p, v in _leaves(scenario.model_dump(mode="json")).items() if p not in RUN_SETTINGS
    }
    numeric = {
        p: q.value
        for p, q in params.items()
        if q.kind in ("number", "integer", "boolean") and q.value is not None
    }
    assert numeric == expected
    unset = [q for q in params.values() if q.value is None]
    assert all(q.nullable for q in unset)  # e.g. a region's share that inherits the national one
    choices = {p: q for p, q in params.items() if q.kind == "choice"}
    assert all(q.value in q.options for q in choices.values())


def test_controls_follow_names_in_the_scenario_not_in_the_code(tmp_path: Path) -> None:
    text = (
        "name: elsewhere\nregions: [{name: Capital, urban_population: 5000}]\n"
        "factions:\n  palace_guard:\n    units: 10\n    loyalty: {incumbent: 1.0}\n"
    )
    (tmp_path / "s.yaml").write_text(text)
    groups = parameters(load_scenario(tmp_path / "s.yaml"))
    keys = [g.key for g in groups]
    assert "factions.palace_guard" in keys and "regions.Capital" in keys
    guard = next(g for g in groups if g.key == "factions.palace_guard")
    assert "factions.palace_guard.loyalty.incumbent" in [p.path for p in guard.params]
    assert guard.title == "factions › palace_guard"
    assert guard.description == plain(
        Scenario.model_json_schema()["$defs"]["Faction"]["description"]
    )


def test_bounds_and_kinds_come_from_the_schema() -> None:
    params = _params(load_scenario(BASELINE))
    assert params["crowd.vision"].kind == "integer"
    assert params["crowd.vision"].bounds == "1 to 20"
    assert params["crowd.citizen_density"].bounds == "above 0 to 1 (excluded)"
    assert params["crowd.arrest_constant"].bounds == "above 0"
    # (A faction's initial stance names a camp of the scenario, so it has no schema enum.)
    assert params["crowd.neighborhood"].options == tuple(
        Scenario.model_json_schema()["$defs"]["Crowd"]["properties"]["neighborhood"]["enum"]
    )
    assert params["regions.Aktobe.violent_share"].nullable
    assert params["regions.Aktobe.violent_share"].value is None
    assert params["patron.enabled"].kind == "boolean"
    assert params["shocks.0.legitimacy"].description.startswith("A one-off change")


def test_help_text_is_the_registry_entry_for_the_path() -> None:
    registry = claims.load_registry()
    params = _params(load_scenario(BASELINE))
    by_id = {s.id: s for s in params["factions.KNB.loyalty.family"].sources}
    claim = next(c for c in registry.claims if c.id == "C-knb-disloyal")
    assert by_id[claim.id].kind == "claim"
    assert (by_id[claim.id].text, by_id[claim.id].by) == (claim.quote, claim.speaker)
    for path, p in params.items():
        ids = claims.coverage(registry, [path])[path]
        assert [s.id for s in p.sources] == ids, path
    # a section-level entry ("links") covers every value inside it
    assert "F-protests-spread" in [s.id for s in params["links.3.weight"].sources]
    fact = next(s for s in params["shocks.0.day"].sources if s.kind == "fact")
    assert fact.by == next(f.source for f in registry.facts if f.id == fact.id)


# -- edits ---------------------------------------------------------------------------------------
def _write_edit(tmp_path: Path, values: dict[str, Any]) -> tuple[Path, str]:
    copy_baseline(tmp_path)
    base = load_scenario(BASELINE).model_dump(mode="json")
    text = edited_yaml(BASELINE.name, overrides(base, apply_values(base, values)))
    path = tmp_path / "kazakhstan_2022.edited.yaml"
    path.write_text(text)
    return path, text


def test_an_edit_becomes_a_file_extending_the_original(tmp_path: Path) -> None:
    values = {
        "factions.KNB.loyalty.successor": 0.85,
        "factions.KNB.loyalty.family": 0.0,
        "regions.Almaty.violent_share": 0.1,
        "violence.protester_lethality.2": 0.003,
    }
    path, text = _write_edit(tmp_path, values)
    data = yaml.safe_load(text)
    assert data["extends"] == "kazakhstan_2022.yaml"
    assert data["factions"] == {"KNB": {"loyalty": {"successor": 0.85, "family": 0.0}}}
    assert "crowd" not in data  # unchanged sections are inherited
    assert len(data["regions"]) == 7  # a list is replaced whole, so all of it is written
    loaded = load_scenario(path).model_dump(mode="json")
    expected = apply_values(load_scenario(BASELINE).model_dump(mode="json"), values)
    assert loaded == expected


def test_an_impossible_combination_is_reported_at_its_file_line_and_field(tmp_path: Path) -> None:
    path, text = _write_edit(tmp_path, {"factions.KNB.loyalty.successor": 0.9})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = error_text(caught.value)
    match = re.match(r"kazakhstan_2022\.edited\.yaml:(\d+): factions\.KNB\.loyalty: (.*)", message)
    assert match, message
    assert "add up to 1" in match[2]
    assert "loyalty" in text.splitlines()[int(match[1]) - 1]


def test_errors_name_files_as_the_reader_knows_them() -> None:
    err = ScenarioError(Path("/tmp/a b/uploads/0f/bad.yaml"), 4, "extends", "not found: /x/c.yaml")
    assert error_text(err) == "bad.yaml:4: extends: not found: /x/c.yaml"
    assert error_text(ScenarioError(Path("bad.yaml"), None, None, "file is empty")) == (
        "bad.yaml: file is empty"
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_extending_file_is_the_direct_edit(tmp_path: Path, data: st.DataObject) -> None:
    """Either both the written file and the edited data validate, to the same scenario, or
    neither does."""
    params = [
        p
        for p in _params(load_scenario(BASELINE)).values()
        if p.kind in ("number", "integer") and not p.nullable
    ]
    chosen = data.draw(
        st.lists(st.sampled_from(params), min_size=1, max_size=3, unique_by=lambda p: p.path)
    )
    values = {}
    for p in chosen:
        lo = p.minimum if p.minimum is not None else -10
        hi = p.maximum if p.maximum is not None else lo + 10
        if p.kind == "integer":
            values[p.path] = data.draw(st.integers(int(lo), int(hi)))
        else:
            values[p.path] = data.draw(st.floats(lo, hi, allow_nan=False))
    direct = apply_values(load_scenario(BASELINE).model_dump(mode="json"), values)
    path, _ = _write_edit(tmp_path, values)
    try:
        scenario = Scenario.model_validate(direct)
        feasible = not check_feasible(scenario)  # e.g. units that no longer fit a shrunk region
    except ValueError:
        feasible = False
    if not feasible:
        with pytest.raises(ScenarioError):
            load_scenario(path)
    else:
        assert load_scenario(path).model_dump(mode="json") == scenario.model_dump(mode="json")


# -- workspace -----------------------------------------------------------------------------------
@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    copy_baseline(scenarios)
    return Workspace(tmp_path / "work", scenarios)


def test_an_upload_may_extend_a_scenario_of_the_folder(workspace: Workspace) -> None:
    text = b"extends: kazakhstan_2022.yaml\nname: uploaded\ndays: 9\n"
    key = workspace.upload("mine.yaml", text)
    assert workspace.scenario_label(key) == "mine.yaml (uploaded)"
    assert workspace.load(key).days == 9
    assert workspace.upload("mine.yaml", text) == key  # the same file again: the same entry


def test_an_invalid_upload_is_reported_and_not_kept(workspace: Workspace) -> None:
    before = workspace.scenario_files()
    with pytest.raises(ScenarioError) as caught:
        workspace.upload("bad.yaml", b"name: bad\ncrowd:\n  vision: 50\n")
    assert error_text(caught.value).startswith("bad.yaml:3: crowd.vision: ")
    with pytest.raises(UploadError, match="not a scenario file"):
        workspace.upload("notes.txt", b"name: x\n")
    with pytest.raises(UploadError, match="not UTF-8"):
        workspace.upload("x.yaml", b"\xff\xfe")
    assert workspace.scenario_files() == before


def test_an_unedited_scenario_downloads_as_a_bare_extends(workspace: Workspace) -> None:
    key = "scenarios/kazakhstan_2022.yaml"
    path, download = workspace.edit(key, {})
    assert yaml.safe_load(download) == {"extends": "kazakhstan_2022.yaml"}
    assert load_scenario(path) == workspace.load(key)
    path, download = workspace.edit(key, {}, {"replications": 7, "seed": 3})
    # Replications and seed are how a scenario is run, not edits of it: the name stays.
    assert "name" not in yaml.safe_load(download)
    assert load_scenario(path).name == workspace.load(key).name
    assert (load_scenario(path).replications, load_scenario(path).seed) == (7, 3)
    with pytest.raises(KeyError):
        workspace.edit("../../etc/passwd", {})


def test_a_run_is_named_by_what_changed_or_as_the_reader_says(workspace: Workspace) -> None:
    key = "scenarios/kazakhstan_2022.yaml"
    base = workspace.load(key)
    path = "factions.KNB.loyalty.successor"
    old = base.factions["KNB"].loyalty["successor"]
    sets = coupled_sets(base.model_dump(mode="json"))
    values, errors = rebalance(base.model_dump(mode="json"), {path: 0.7}, sets)
    assert errors == {}
    edited, _ = workspace.edit(key, values, {"replications": 5}, order=[path])
    assert load_scenario(edited).name == f"KNB loyalty successor {old:g}→0.7"
    named, _ = workspace.edit(key, values, name="  strong KNB  ", order=[path])
    assert load_scenario(named).name == "strong KNB"


def test_a_changed_loyalty_is_rebalanced_as_sweeps_do(workspace: Workspace) -> None:
    """The dashboard completes a coupled set with the engine's rule (the same function), so a
    changed loyalty gives a valid scenario whose other parts keep their proportions."""
    key = "scenarios/kazakhstan_2022.yaml"
    data = workspace.load(key).model_dump(mode="json")
    members = [f"factions.KNB.loyalty.{k}" for k in data["factions"]["KNB"]["loyalty"]]
    assert members in coupled_sets(data)
    changed, rest = members[0], members[1:]
    values, errors = rebalance(data, {changed: 0.9}, coupled_sets(data))
    assert errors == {}
    loaded = load_scenario(workspace.edit(key, values)[0])
    loyalty = loaded.factions["KNB"].loyalty
    assert sum(loyalty.values()) == pytest.approx(1)
    before = [data["factions"]["KNB"]["loyalty"][m.rsplit(".", 1)[1]] for m in rest]
    after = [loyalty[m.rsplit(".", 1)[1]] for m in rest]
    assert after[0] * before[1] == pytest.approx(after[1] * before[0])  # proportions kept
    # Two members that alone exceed the sum cannot be completed: both are marked.
    _, errors = rebalance(data, {members[0]: 0.8, members[1]: 0.8}, coupled_sets(data))
    assert set(errors) == {members[0], members[1]}
    assert "exceeds" in errors[members[0]]


# -- views without data, and the commands' errors ---------------------------------------------
def test_views_say_what_is_missing(tmp_path: Path) -> None:
    from transition_sim.dashboard import views
    from transition_sim.viz.results import load_results

    assert "No sweep or sensitivity results open" in str(views.sweeps_view({}))
    folder = tmp_path / "summary-only"
    folder.mkdir()
    summary = {"scenario": "s", "replications": 1, "seed": 0, "outcomes": {}, "metrics": {}}
    (folder / "summary.json").write_text(json.dumps(summary))
    results = load_results(folder)
    for view in (views.time_view, views.regions_view, views.replication_view):
        assert "empty" in str(view(results)), view.__name__
    assert "Choose a second set of results" in str(compare_view(results, None))


def test_dashboard_command_refuses_a_folder_that_is_no_output(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from transition_sim.cli import app

    result = CliRunner().invoke(app, ["dashboard", "--results", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "not an output folder" in result.output
    result = CliRunner().invoke(app, ["dashboard", "--scenarios", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_help_text_shows_docstring_literals_as_plain_words() -> None:
    groups = {g.key: g for g in parameters(load_scenario(BASELINE))}
    assert "loyalty" in groups["factions.KNB"].description
    assert all("``" not in g.description for g in groups.values())


def test_the_time_left_ignores_the_time_before_the_first_replication() -> None:
    """Loading the compiled kernel takes seconds before replication 1 is done; the estimate is
    paced on the replications after it, not on that wait."""
    pace = Pace()
    assert pace.text(1, 21, now=100.0) == "1 of 21 replications"  # 100 s of kernel loading
    assert pace.text(11, 21, now=110.0) == "11 of 21 replications, about 10 s left"


def test_loader_errors_are_placed_by_field() -> None:
    message = (
        "kz.edited.yaml:12: crowd.vision: input should be less than or equal to 20\n"
        "kz.edited.yaml:20: factions.KNB.loyalty: successor + family must add up to 1"
    )
    assert field_errors(message) == {
        "crowd.vision": "input should be less than or equal to 20",
        "factions.KNB.loyalty": "successor + family must add up to 1",
    }
