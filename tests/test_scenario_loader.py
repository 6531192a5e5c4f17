"""The scenario loader: every error names file, line and field; extends merges predictably."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_files import load_error, write
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.scenario import (
    Scenario,
    ScenarioError,
    json_schema,
    load_scenario,
    scenario_hash,
    scenario_to_yaml,
)
from transition_sim.scenario.geometry import grid_side
from transition_sim.scenario.schema import Shock


def assert_human(err: ScenarioError) -> None:
    """Short lines, no pydantic boilerplate, no traceback."""
    text = str(err)
    for junk in ("pydantic", "https://", "For further information", "Traceback", "Value error"):
        assert junk not in text
    assert all(len(line) < 200 for line in text.splitlines())
    assert len(text.splitlines()) == len(err.problems)


# --- plain loading ----------------------------------------------------------------------------


def test_minimal_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path / "x.yaml", "name: x\n"))
    assert scenario == Scenario(name="x")


def test_accepts_str_path(tmp_path: Path) -> None:
    write(tmp_path / "x.yaml", "name: x\n")
    assert load_scenario(str(tmp_path / "x.yaml")).name == "x"


def test_file_not_found(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nope.yaml")
    assert (err.file, err.line, err.field) == (tmp_path / "nope.yaml", None, None)
    assert str(err) == f"{tmp_path / 'nope.yaml'}: file not found"


def test_directory_is_not_a_scenario(tmp_path: Path) -> None:
    err = load_error(tmp_path)
    assert err.line is None
    assert "directory" in err.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\n")
    path.chmod(0)
    err = load_error(path)
    assert err.line is None
    assert err.message.startswith("cannot read")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    err = load_error(path)
    assert err.line is None
    assert "UTF-8" in err.message


def test_broken_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        crowd:
          vision: 3
         movement: true
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, None)
    assert err.message.startswith("invalid YAML:")
    assert "column" in err.message
    assert str(err).startswith(f"{path}:4: invalid YAML:")
    assert_human(err)


def test_unclosed_bracket(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\ndays: [1, 2\nseed: 3\n"))
    assert err.line is not None
    assert err.message.startswith("invalid YAML:")


def test_duplicate_key(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\ndays: 3\nseed: 1\ndays: 4\n"))
    assert err.line == 4
    assert "duplicate key 'days' (first at line 2)" in err.message


def test_empty_file(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "# only a comment\n"))
    assert (err.line, err.field) == (None, None)
    assert "empty" in err.message


@pytest.mark.parametrize(
    ("text", "kind"), [("- name: x\n", "a list"), ("just a string\n", "a single value")]
)
def test_top_level_not_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    err = load_error(write(tmp_path / "x.yaml", text))
    assert err.line == 1
    assert "mapping" in err.message
    assert kind in err.message


# --- validation errors ------------------------------------------------------------------------


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        crowd:
          vision: 3
          visoin: 4
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "crowd.visoin")
    assert str(err) == f"{path}:4: crowd.visoin: unknown key (did you mean 'vision'?)"


def test_unknown_key_inside_dict_section(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        factions:
          KNB:
            units: 3
            loyalty: {successor: 1}
            cohesoin: 0.5
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (6, "factions.KNB.cohesoin")
    assert err.message == "unknown key (did you mean 'cohesion'?)"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\nfoo: 1\n"))
    assert (err.line, err.field, err.message) == (2, "foo", "unknown key")


def test_wrong_type(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 30
        crowd:
          movement: maybe
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "crowd.movement")
    assert err.message.startswith("input should be a valid boolean")
    assert '(got "maybe")' in err.message
    assert_human(err)


def test_section_of_wrong_type(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\ncrowd:\n"))
    assert (err.line, err.field) == (2, "crowd")
    assert err.message == "should be a mapping of keys to values (got null)"


def test_out_of_range(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        regions:
          - name: a
            urban_population: 10
          - name: b
            urban_population: 0
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (6, "regions.1.urban_population")
    assert str(err) == (
        f"{path}:6: regions.1.urban_population: input should be greater than or equal to 1 (got 0)"
    )


def test_missing_field_reported_at_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        regions:
          - name: a
            urban_population: 10
          - name: b
            hardship_shift: 0.1
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (5, "regions.1.urban_population")
    assert err.message == "required field is missing"


def test_missing_top_level_field(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "# no name\n\ndays: 3\n"))
    assert (err.line, err.field, err.message) == (3, "name", "required field is missing")


def test_loyalty_must_add_up(tmp_path: Path) -> None:
    path = write(
        tmp_path / "scenarios" / "x.yaml",
        """
        name: x
        factions:
          KNB:
            units: 10
            loyalty:
              successor: 0.5
              family: 0.6
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (5, "factions.KNB.loyalty")
    assert str(err) == (
        f"{path}:5: factions.KNB.loyalty: successor + family must add up to 1 (they add up to 1.1)"
    )
    assert_human(err)


def test_power_must_add_up(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\npower:\n  security: 0.5\n"))
    assert (err.line, err.field) == (2, "power")
    assert err.message == (
        "the camps' power plus security and opposition must add up to 1 (they add up to 1.5)"
    )


def test_cross_reference_error_located_by_its_path(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        regions:
          - {name: a, urban_population: 10}
          - {name: b, urban_population: 10}
        links:
          - a: a
            b: b
          - a: b
            b: nowhere
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (9, "links.1.b")
    assert err.message == "region 'nowhere' is not defined (regions: a, b)"
    assert_human(err)


def test_cross_reference_in_faction_deployment(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        factions:
          KNB:
            units: 10
            loyalty: {successor: 1}
            deployment:
              city: 0.5
              elsewhere: 0.5
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (6, "factions.KNB.deployment")
    assert err.message.startswith("region 'elsewhere' is not defined")


def test_shock_past_horizon(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 10
        shocks:
          - day: 2
            label: fuel price
          - label: late
            day: 12
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (7, "shocks.1.day")
    assert err.message == "day 12 is past the horizon (10)"


def test_all_problems_reported_first_one_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        days: 0
        crowd:
          vision: 99
        power: {successor: 2}
        """,
    )
    err = load_error(path)
    assert [(line, field) for line, field, _ in err.problems] == [
        (2, "days"),
        (4, "crowd.vision"),
        (5, "power.successor"),
    ]
    assert (err.line, err.field, err.message) == err.problems[0]
    lines = str(err).splitlines()
    assert lines[0].startswith(f"{path}:2: days: ")
    assert lines[2].startswith(f"{path}:5: power.successor: ")
    assert_human(err)


# --- extends ----------------------------------------------------------------------------------

BASE = """
name: base
days: 30
crowd:
  vision: 5
  active_threshold: 0.2
  hardship: {low: 0.1, high: 0.9}
regions:
  - {name: city, urban_population: 1000}
  - {name: town, urban_population: 200}
factions:
  KNB:
    units: 10
    loyalty: {successor: 0.5, family: 0.5}
  police:
    units: 100
    loyalty: {successor: 1}
camps:
  - {name: successor, incumbent: true, power: 0.5}
  - {name: family, power: 0.5}
"""


def test_extends_overrides_and_merges(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    child = write(
        tmp_path / "child.yaml",
        """
        extends: base.yaml
        name: child
        crowd:
          vision: 3
          hardship: {high: 0.5}
        regions:
          - {name: capital, urban_population: 500}  # room for its 125 units
        factions:
          KNB:
            units: 20
          guard:
            units: 5
            loyalty: {successor: 1}
        """,
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.days == 30
    assert (scenario.crowd.vision, scenario.crowd.active_threshold) == (3, 0.2)
    assert (scenario.crowd.hardship.low, scenario.crowd.hardship.high) == (0.1, 0.5)
    assert [r.name for r in scenario.regions] == ["capital"]  # lists are replaced
    assert set(scenario.factions) == {"KNB", "police", "guard"}  # dict sections merge per key
    assert scenario.factions["KNB"].units == 20
    assert scenario.factions["KNB"].loyalty["family"] == 0.5
    assert "extends" not in scenario.model_dump()


def test_chained_extends_in_other_directories(tmp_path: Path) -> None:
    write(tmp_path / "common" / "base.yaml", BASE)
    write(
        tmp_path / "kz" / "mid.yaml",
        """
        extends: ../common/base.yaml
        name: mid
        days: 40
        crowd: {vision: 4}
        """,
    )
    leaf = write(tmp_path / "kz" / "runs" / "leaf.yaml", "extends: ../mid.yaml\nseed: 7\n")
    scenario = load_scenario(leaf)
    assert (scenario.name, scenario.days, scenario.seed) == ("mid", 40, 7)
    assert (scenario.crowd.vision, scenario.crowd.active_threshold) == (4, 0.2)


def test_extends_missing_parent(tmp_path: Path) -> None:
    child = write(tmp_path / "child.yaml", "name: c\n\nextends: gone.yaml\n")
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 3, "extends")
    assert str(err) == f"{child}:3: extends: file to extend not found: {tmp_path / 'gone.yaml'}"


def test_extends_must_be_a_string(tmp_path: Path) -> None:
    err = load_error(write(tmp_path / "x.yaml", "name: x\nextends: [a.yaml]\n"))
    assert (err.line, err.field) == (2, "extends")


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path / "b.yaml", "name: b\nextends: a.yaml\n")
    err = load_error(a)
    assert (err.file, err.line, err.field) == (b, 2, "extends")
    assert err.message == f"extends cycle: {a} -> {b} -> {a}"


def test_extends_itself(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "name: a\nextends: a.yaml\n")
    err = load_error(a)
    assert (err.file, err.line) == (a, 2)
    assert err.message == f"extends cycle: {a} -> {a}"


def test_error_in_parent_names_parent_file(tmp_path: Path) -> None:
    parent = write(
        tmp_path / "base" / "parent.yaml",
        """
        name: p
        crowd:
          vision: 50
        """,
    )
    child = write(tmp_path / "child.yaml", "extends: base/parent.yaml\ndays: 0\n")
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 2, "days")
    assert err.files == [child, parent]
    assert err.problems[1][:2] == (3, "crowd.vision")
    assert str(err).splitlines()[1].startswith(f"{parent}:3: crowd.vision: ")


def test_broken_yaml_in_parent_names_parent_file(tmp_path: Path) -> None:
    parent = write(tmp_path / "parent.yaml", "name: p\ncrowd: [\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\n")
    err = load_error(child)
    assert err.file == parent
    assert err.message.startswith("invalid YAML")


def test_error_located_where_the_final_value_came_from(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    child = write(
        tmp_path / "child.yaml",
        """
        extends: base.yaml
        factions:
          KNB:
            loyalty:
              family: 0.6
        """,
    )
    err = load_error(child)
    # successor (base) + family (child) no longer add up; the merged loyalty was last set here.
    assert (err.file, err.line, err.field) == (child, 4, "factions.KNB.loyalty")
    assert "they add up to 1.1" in err.message


# --- cross-field checks -----------------------------------------------------------------------


def test_duplicate_region_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        regions:
          - {name: a, urban_population: 10}
          - {name: b, urban_population: 10}
          - urban_population: 10
            name: a
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (6, "regions.2.name")
    assert str(err) == f"{path}:6: regions.2.name: region 'a' is already defined (regions.0.name)"
    assert_human(err)


def test_region_shares_combine_with_section_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        protesters: {violent_share: 0.6, crime_share: 0.1}
        regions:
          - {name: a, urban_population: 10, violent_share: 0.2}
          - name: b
            urban_population: 10
            crime_share: 0.5
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (5, "regions.1")
    assert str(err).startswith(
        f"{path}:5: regions.1: violent_share + crime_share must not exceed 1 (0.6 + 0.5;"
    )


def test_region_shares_overriding_both_ignore_section(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        protesters: {violent_share: 0.9}
        regions:
          - {name: a, urban_population: 1000, violent_share: 0.3, crime_share: 0.7}
        """,
    )
    assert load_scenario(path).regions[0].crime_share == 0.7


def test_escalation_thresholds_must_ascend(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        government:
          enabled: true
          escalation_thresholds: [0.05, 0.02, 0.1]
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "government.escalation_thresholds")
    assert str(err) == (
        f"{path}:4: government.escalation_thresholds: thresholds must be in ascending order"
        " (got [0.05, 0.02, 0.1])"
    )


def test_escalation_thresholds_may_repeat(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ngovernment: {escalation_thresholds: [0, 0, 1]}\n")
    assert load_scenario(path).government.escalation_thresholds == [0, 0, 1]


def test_site_cell_must_be_on_the_grid(tmp_path: Path) -> None:
    side = grid_side(100, 2, 0.5)
    assert side == 10
    path = write(
        tmp_path / "x.yaml",
        f"""
        name: x
        scale: {{people_per_agent: 2}}
        crowd: {{citizen_density: 0.5}}
        regions:
          - name: a
            urban_population: 100
            sites:
              - {{name: akimat, cell: [{side - 1}, {side - 1}]}}
              - name: tv
                cell: [3, {side}]
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (10, "regions.0.sites.1.cell")
    assert str(err) == (
        f"{path}:10: regions.0.sites.1.cell: [3, 10] is off the region's 10x10 grid"
        " (row and column must be below 10)"
    )


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("crowd:\n  arrest_constant: .inf\n", 3, "crowd.arrest_constant"),
        ("crowd:\n  active_threshold: .nan\n", 3, "crowd.active_threshold"),
        ("crowd:\n  active_threshold: nan\n", 3, "crowd.active_threshold"),
        (
            "regions:\n  - {name: a, urban_population: 1, hardship_shift: -.inf}\n",
            3,
            "regions.0.hardship_shift",
        ),
        (
            "violence:\n  protester_lethality:\n    - 0\n    - .inf\n    - 0\n    - 0\n",
            5,
            "violence.protester_lethality.1",
        ),
        (
            "factions:\n  KNB:\n    units: 1\n    loyalty: {successor: 1}\n    sympathy: .Inf\n",
            6,
            "factions.KNB.sympathy",
        ),
    ],
)
def test_non_finite_numbers_rejected(tmp_path: Path, text: str, line: int, field: str) -> None:
    path = write(tmp_path / "x.yaml", "name: x\n" + text)
    err = load_error(path)
    assert (err.line, err.field) == (line, field)
    assert str(err).startswith(f"{path}:{line}: {field}: input should be a finite number")


def test_extends_removes_an_inherited_faction(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    write(
        tmp_path / "mid.yaml",
        "extends: base.yaml\nfactions:\n  guard:\n    units: 1\n    loyalty: {successor: 1}\n",
    )
    leaf = write(tmp_path / "leaf.yaml", "extends: mid.yaml\nfactions:\n  KNB: null\n  guard:\n")
    scenario = load_scenario(leaf)
    assert list(scenario.factions) == ["police"]


def test_removing_every_faction_is_located_in_the_child(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    child = write(tmp_path / "child.yaml", "extends: base.yaml\nfactions: {KNB: ~, police: ~}\n")
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 2, "factions")
    assert err.message == "at least one security faction is needed"


def test_null_faction_not_inherited(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    child = write(
        tmp_path / "child.yaml",
        """
        extends: base.yaml
        factions:
          KNB: null
          army: null
        """,
    )
    err = load_error(child)
    assert (err.file, err.line, err.field) == (child, 4, "factions.army")
    assert str(err) == (
        f"{child}:4: factions.army: null removes an inherited faction, but no extended file"
        " defines it"
    )


def test_null_faction_without_extends(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\nfactions:\n  police:\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "factions.police")
    assert err.message == "null removes an inherited faction, but this file extends none"


def test_shock_legitimacy(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml", "name: x\nshocks:\n  - {day: 1, label: vote, legitimacy: -0.3}\n"
    )
    shock = load_scenario(path).shocks[0]
    assert (shock.legitimacy, shock.hardship, shock.performance) == (-0.3, 0.0, 0.0)
    assert Shock(day=0, label="x").legitimacy == 0.0
    assert "stolen election" in Shock.model_fields["legitimacy"].description


def test_shock_legitimacy_out_of_range(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        """
        name: x
        shocks:
          - day: 1
            label: vote
            legitimacy: -1.5
        """,
    )
    err = load_error(path)
    assert (err.line, err.field) == (5, "shocks.0.legitimacy")
    assert err.message == "input should be greater than or equal to -1 (got -1.5)"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "regions:\n  - {name: a, urban_population: 9}\n  - {name: a, urban_population: 9}\n",
            ":4: regions.1.name: ",
        ),
        (
            "government: {escalation_thresholds: [0.2, 0.1, 0.3]}\n",
            ":2: government.escalation_thresholds: ",
        ),
        ("factions: {KNB: null}\n", ":2: factions.KNB: "),
    ],
)
def test_cli_validate_exits_2(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path / "x.yaml", "name: x\n" + text)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}{where}")  # messages go to stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


# --- output -----------------------------------------------------------------------------------


def test_round_trip(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", BASE)
    child = write(
        tmp_path / "child.yaml",
        """
        extends: base.yaml
        name: Январь 2022
        description: |
          Two lines,
          with "quotes": and colons.
        start_date: 2022-01-02
        links: [{a: city, b: town, weight: 0.5}]
        patron: {enabled: true, delay_days: [1, 3]}
        regions:
          - name: city
            urban_population: 1000
            sites: [{name: akimat, cell: [3, 4]}]
          - {name: town, urban_population: 200}
        shocks:
          - {day: 1, label: fuel, region: town, hardship: 0.2}
        """,
    )
    scenario = load_scenario(child)
    text = scenario_to_yaml(scenario)
    assert "extends" not in text
    again = load_scenario(write(tmp_path / "out" / "resolved.yaml", text))
    assert again == scenario
    assert scenario_to_yaml(again) == text
    assert scenario_hash(again) == scenario_hash(scenario)


def test_yaml_is_in_schema_order_with_every_default(tmp_path: Path) -> None:
    data = yaml.safe_load(scenario_to_yaml(Scenario(name="x")))
    # left out when unset (regime: with no coup on record), so that hashes and files stay as before
    unset = {"from_posterior", "regime"}
    assert list(data) == [f for f in Scenario.model_fields if f not in unset]
    assert list(data["crowd"]) == list(Scenario.model_fields["crowd"].annotation.model_fields)


def test_hash_is_stable_and_ignores_spelling(tmp_path: Path) -> None:
    a = load_scenario(write(tmp_path / "a.yaml", "name: x\ndays: 30\ncrowd: {vision: 3}\n"))
    b = load_scenario(
        write(tmp_path / "b.yaml", "# same\ncrowd:\n  vision: 3\ndays: 30\nname: x\n")
    )
    c = load_scenario(write(tmp_path / "c.yaml", "name: x\ndays: 31\ncrowd: {vision: 3}\n"))
    assert scenario_hash(a) == scenario_hash(b) != scenario_hash(c)
    assert len(scenario_hash(a)) == 64


def test_hash_is_the_same_in_another_process(tmp_path: Path) -> None:
    """Nothing process-specific (str hash seed, dict order) may leak into the hash."""
    path = write(tmp_path / "base.yaml", BASE)
    code = (
        "import sys; from transition_sim.scenario import load_scenario, scenario_hash;"
        "print(scenario_hash(load_scenario(sys.argv[1])))"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert hashes == {scenario_hash(load_scenario(path))}


def test_json_schema_allows_extends() -> None:
    schema = json_schema()
    assert schema["properties"]["extends"]["type"] == "string"
    assert schema["additionalProperties"] is False
    assert "crowd" in schema["properties"]
    assert schema["required"] == ["name"]


# --- property ---------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    vision=st.integers(1, 20),
    active_threshold=st.floats(0, 10, allow_nan=False, allow_infinity=False),
    arrest_constant=st.floats(1e-6, 100, allow_nan=False, allow_infinity=False),
    days=st.integers(1, 3650),
)
def test_overrides_are_carried_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    vision: int,
    active_threshold: float,
    arrest_constant: float,
    days: int,
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    write(folder / "base.yaml", BASE)
    override = {
        "extends": "base.yaml",
        "days": days,
        "crowd": {
            "vision": vision,
            "active_threshold": active_threshold,
            "arrest_constant": arrest_constant,
        },
    }
    (folder / "child.yaml").write_text(yaml.safe_dump(override), encoding="utf-8")
    scenario = load_scenario(folder / "child.yaml")
    assert scenario.days == days
    assert scenario.crowd.vision == vision
    assert scenario.crowd.active_threshold == active_threshold
    assert scenario.crowd.arrest_constant == arrest_constant
    assert scenario.crowd.hardship.low == 0.1  # untouched base values survive


# --- names that parameter paths cannot address, and events that contradict themselves ----------

TWO_CAMPS = """
name: x
factions:
  police: {units: 10, loyalty: {a: 1}}
camps:
  - {name: a, incumbent: true, power: 0.6}
  - {name: b, power: 0.4}
"""


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (
            "name: x\nregions:\n  - {name: St. Petersburg, urban_population: 500}\n",
            3,
            "regions.0.name",
        ),
        (
            "name: x\nregions:\n  - name: city\n    urban_population: 500\n"
            "    sites: [{name: H.Q.}]\n",
            5,
            "regions.0.sites.0.name",
        ),
        (
            "name: x\nfactions:\n  police: {units: 10, loyalty: {a.b: 1}}\n"
            "camps: [{name: a.b, incumbent: true, power: 1}]\n",
            4,
            "camps.0.name",
        ),
        ("name: x\nfactions:\n  p.q: {units: 10, loyalty: {incumbent: 1}}\n", 3, "factions.p.q"),
    ],
)
def test_a_name_cannot_hold_a_dot(tmp_path: Path, text: str, line: int, field: str) -> None:
    """Names are the parts of dotted parameter paths (sweeps, claims, the dashboard's controls):
    `regions.St. Petersburg.weight` would address nothing."""
    err = load_error(write(tmp_path / "x.yaml", text))
    assert (err.line, err.field) == (line, field)
    assert "cannot contain '.'" in err.message
    assert_human(err)


def test_a_camp_needs_a_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        'name: x\nfactions:\n  police: {units: 10, loyalty: {"": 1}}\n'
        'camps: [{name: "", incumbent: true, power: 1}]\n',
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "camps.0.name")
    assert_human(err)


def test_a_dying_leader_cannot_succeed_itself(tmp_path: Path) -> None:
    """`death` with `to` naming the dying camp gave the office to a camp the event removed."""
    path = write(
        tmp_path / "x.yaml",
        TWO_CAMPS + "shocks: [{day: 0, label: x, event: death, camp: a, to: a}]\n",
    )
    err = load_error(path)
    assert (err.line, err.field) == (7, "shocks.0.to")
    assert "cannot succeed itself" in err.message
    assert_human(err)


def test_a_leaders_death_may_name_another_successor(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        TWO_CAMPS + "shocks: [{day: 0, label: x, event: death, camp: a, to: b}]\n",
    )
    assert load_scenario(path).shocks[0].to == "b"
