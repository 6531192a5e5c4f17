"""Hostile checks of session 16's changes (crowd.arrest_ratio, the kernel's move, calibrate's
--fix): what broke, kept as tests."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_files import BASELINE, write
from test_arrest_ratio import one_day
from typer.testing import CliRunner

from transition_sim.claims import load_priors
from transition_sim.cli import app
from transition_sim.core.crowd import ACTIVE, QUIET
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario
from transition_sim.scenario import ScenarioError, load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.studies.spec import load_spec
from transition_sim.studies.sweep import prepare

ROOT = Path(__file__).resolve().parents[1]
CALIBRATE = ROOT / "experiments" / "calibration" / "calibrate_kazakhstan.py"
BENCH_RESOLUTION = ROOT / "benchmarks" / "bench_resolution.py"
DELIMITER = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")


def cells(line: str) -> int:
    """The cells of a Markdown table row (escaped pipes are text)."""
    return len(line.strip().replace("\\|", "").strip("|").split("|"))


def table_errors(path: Path) -> list[str]:
    """Tables of `path` whose delimiter row or body rows have another number of cells than the
    header (GitHub then does not render the table at all, or cuts the rows)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = []
    for i in range(len(lines) - 1):
        if not (lines[i].lstrip().startswith("|") and DELIMITER.match(lines[i + 1])):
            continue
        header = cells(lines[i])
        j = i + 1
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            if cells(lines[j]) != header:
                errors.append(f"{path.name}:{j + 1}: {cells(lines[j])} cells, header {header}")
            j += 1
    return errors


def test_every_markdown_table_has_as_many_cells_as_its_header() -> None:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert [e for path in docs for e in table_errors(path)] == []


def sweep_fixing_the_rule(tmp_path: Path, value: str) -> Path:
    """A one-point sweep spec whose `fixed:` gives crowd.arrest_ratio ``value`` (YAML)."""
    return write(
        tmp_path / "spec.yaml",
        f"""
        name: t
        scenario: {BASELINE}
        design: grid
        replications: 1
        seed: 1
        fixed: {{crowd.arrest_ratio: {value}}}
        parameters:
          - {{path: crowd.arrest_constant, values: [2.3]}}
        """,
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1", "is 'rounded' (text), cannot set 1 (a number)"),
        ("true", "is 'rounded' (text), cannot set True (a flag)"),
    ],
)
def test_a_sweep_fixing_the_rule_to_a_non_name_says_what_it_is(
    tmp_path: Path, value: str, says: str
) -> None:
    """A spec's `fixed:` that gives crowd.arrest_ratio (a name) a number or a flag is
    refused at its line, saying what the field holds and what was given (it said "is
    'rounded', not a number", as if the field were the number)."""
    spec = sweep_fixing_the_rule(tmp_path, value)
    with pytest.raises(ScenarioError) as info:
        prepare(load_spec(spec))
    err = info.value
    assert (err.line, err.field) == (6, "fixed.crowd.arrest_ratio")
    assert says in err.message


@pytest.mark.parametrize(
    ("stage", "table"), [("--reuse-global", "global"), ("--confirm-only", "finalists")]
)
def test_a_calibration_stage_reused_under_other_fixes_is_refused(
    tmp_path: Path, stage: str, table: str
) -> None:
    """A results folder computed with --fix crowd.arrest_ratio=exact, continued without it:
    the stored stage is not mixed with rounded points, and its record of the fixes is kept (it
    was overwritten with the new --fix before the stored stage was read)."""
    results = tmp_path / "r"
    record = write(results / "fixed.json", '{"crowd.arrest_ratio": "exact"}\n')
    write(results / f"{table}.csv", "point,total,peak_crowd\n")
    done = subprocess.run(
        [sys.executable, str(CALIBRATE), stage, "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "fixed.json" in done.stderr
    assert record.read_text() == '{"crowd.arrest_ratio": "exact"}\n'


def test_two_actives_per_unit_are_not_deterred_by_the_rounded_ratio() -> None:
    """C/A = 1/2 exactly (one unit, one other active and herself) rounds half to even, to 0:
    the rounded rule does not deter there (docs/ODD.md §7.1 says C/A <= 0.5, not < 0.5); the
    exact one does (P = 0.68 at k = 2.3)."""
    assert one_day(units=1, actives=1, hardship=0.5, exact=False) == ACTIVE
    assert one_day(units=1, actives=1, hardship=0.5, exact=True) == QUIET


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("crowd.arrest_ratio=Exact", "--set: crowd.arrest_ratio: input should be 'rounded'"),
        ("crowd.arrest_ration=exact", "--set: crowd.arrest_ration: unknown key"),
        ("crowd.arrest_ratio", "--set crowd.arrest_ratio: expected PATH=VALUE"),
    ],
)
def test_a_bad_resolution_setting_exits_2_without_a_traceback(
    tmp_path: Path, setting: str, says: str
) -> None:
    """bench_resolution.py --set (which docs/ODD.md §8 uses for the exact rule): a refused
    value, a mistyped key or a missing '=' is a usage error naming it, before anything runs."""
    done = subprocess.run(
        [sys.executable, str(BENCH_RESOLUTION), "--smoke", "--set", setting],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert says in done.stderr


def test_a_resolution_setting_takes_a_bare_name() -> None:
    """`--set crowd.arrest_ratio=exact` (no JSON quotes) sets the rule, as calibrate's --fix."""
    sys.path.insert(0, str(BENCH_RESOLUTION.parent))
    try:
        spec = importlib.util.spec_from_file_location("bench_resolution", BENCH_RESOLUTION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH_RESOLUTION.parent))
    scenario = module.with_values(load_scenario(BASELINE), ["crowd.arrest_ratio=exact"])
    assert scenario.crowd.arrest_ratio == "exact"


def test_a_claim_counterfactual_with_a_bad_rule_says_so_plainly(tmp_path: Path) -> None:
    """An `expects:` entry that sets crowd.arrest_ratio: Exact: exit 2 at its line, with the
    loader's message (it was pydantic's raw text: '... [type=literal_error, input_value=...]')."""
    text = (ROOT / "seeds" / "claims.yaml").read_text(encoding="utf-8")
    old = "        set: {shocks.0.magnitude: 0.0}\n"
    assert old in text
    registry = tmp_path / "claims.yaml"
    bad = "        set: {shocks.0.magnitude: 0.0, crowd.arrest_ratio: Exact}\n"
    registry.write_text(text.replace(old, bad, 1), encoding="utf-8")
    args = ["check-claims", "--claims", str(registry), "--only", "C-domestic-crisis", "-n", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    said = "invalid counterfactual: crowd.arrest_ratio: input should be 'rounded' or 'exact'"
    assert said in result.output
    assert "type=" not in result.output


def test_prior_draws_leave_blocks_their_uniform_hardship() -> None:
    """`run` on a blocks scenario without a posterior draws the priors (the default, auto):
    the priors of the crowd rules blocks refuse (schema.BLOCKS_REFUSE: hardship skew,
    gathering) must not be drawn there. The skew was drawn, and every such run died
    with an internal error (exit 1). Guarding, which blocks implement since session 24, is
    drawn, as it is for agents."""
    data = load_scenario(BASELINE).model_dump(mode="json")
    data["from_posterior"] = None
    data["crowd"].update(representation="blocks", vision=None, vision_people=78_400)
    scenario = Scenario.model_validate(data)
    registry = load_priors()
    uncertainty = Uncertainty(registry.priors, registry.coupled, 1, "seeds/claims.yaml")
    assert any(p.path == "crowd.hardship_skew" for p in registry.priors)
    drawn = [drawn_scenario(scenario, seed, uncertainty) for seed in range(3)]
    assert all((s.crowd.hardship_skew, s.crowd.gathering) == (1.0, 0.0) for s in drawn)
    assert len({s.crowd.guarding for s in drawn}) == 3
    assert len({s.crowd.arrest_constant for s in drawn}) == 3  # the other priors still drawn


@pytest.mark.parametrize("value", ["null", "[exact]", "{a: 1}"])
def test_a_sweep_fixing_the_rule_to_null_or_a_list_is_one_error(tmp_path: Path, value: str):
    """`fixed: {crowd.arrest_ratio: null}` (or a list, a mapping) is one error at the field's
    own path; it was four, one per allowed type, at 'fixed.crowd.arrest_ratio.float', '.int',
    '.bool' and '.str'."""
    spec = sweep_fixing_the_rule(tmp_path, value)
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert f"{spec}:6: fixed.crowd.arrest_ratio: " in errors[0]
    assert "a single number, flag or name" in errors[0]
