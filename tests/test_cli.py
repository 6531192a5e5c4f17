"""The command line: output streams, JSON shape, exit codes, error messages."""

from __future__ import annotations

import json
import math
import os
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import transition_sim
from transition_sim.cli import app
from transition_sim.core.results import RunResult
from transition_sim.ensemble import runner
from transition_sim.ensemble.lock import hold_lock
from transition_sim.ensemble.store import (
    REPORT_FILE,
    RESULT_FILES,
    result_files,
    verify_manifest,
)
from transition_sim.ensemble.summary import OUTCOMES
from transition_sim.scenario.schema import Scenario

try:
    import transition_sim.scenario.loader

    HAVE_LOADER = True
except ImportError:
    HAVE_LOADER = False

needs_loader = pytest.mark.skipif(
    not HAVE_LOADER, reason="transition_sim.scenario.loader cannot be imported yet"
)

cli = CliRunner()

GOOD = "name: demo\ndays: 5\nreplications: 6\nseed: 3\n"
BAD = "name: demo\ndays: 5\ncrowd:\n  visoin: 3\n"


def fake_simulate(scenario: Scenario, seed: int) -> RunResult:
    """A deterministic stand-in for the model (module level, so pool workers can unpickle it)."""
    rng = np.random.default_rng(seed)
    metrics = {
        "peak_active": float(rng.random()),
        "invitation_day": math.nan if rng.random() < 0.5 else 3.0,
    }
    timeseries = pd.DataFrame({"day": [0], "region": ["all"], "active": [int(rng.integers(9))]})
    events = pd.DataFrame(
        {"day": [0], "date": ["2022-01-01"], "actor": ["a"], "action": ["b"], "details": ["c"]}
    )
    return RunResult(str(rng.choice(["unresolved", "power_sharing"])), metrics, timeseries, events)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "simulate", fake_simulate)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


def test_version() -> None:
    result = cli.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"transition-sim {transition_sim.__version__}"


def test_usage_error_exits_2() -> None:
    result = cli.invoke(app, ["run"])
    assert result.exit_code == 2


@needs_loader
def test_schema_is_json() -> None:
    result = cli.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "name" in schema["properties"]


@needs_loader
@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("mode", ["point", "prior"])
def test_run_json_prints_only_the_summary(good: Path, mode: str) -> None:
    # The default draws the parameters (priors here: no posterior); --point does not.
    point = ["--point"] if mode == "point" else []
    result = cli.invoke(app, ["run", str(good), "--json", "-w", "2", *point])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # nothing but JSON on stdout
    drawn = set() if point else {"uncertainty"}
    assert set(summary) == {"scenario", "replications", "seed", "outcomes", "metrics"} | drawn
    assert summary.get("uncertainty", {"mode": "point"})["mode"] == mode
    assert (summary["scenario"], summary["replications"], summary["seed"]) == ("demo", 6, 3)
    assert list(summary["outcomes"]) == list(OUTCOMES)
    assert set(summary["metrics"]) == {"peak_active", "invitation_day"}
    assert sum(o["share"] for o in summary["outcomes"].values()) == pytest.approx(1.0)


@needs_loader
@pytest.mark.usefixtures("fake")
def test_run_overrides_and_worker_independence(good: Path) -> None:
    args = ["run", str(good), "--json", "-n", "11", "--seed", "8"]
    one = cli.invoke(app, [*args, "-w", "1"])
    two = cli.invoke(app, [*args, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    summary = json.loads(one.stdout)
    assert (summary["replications"], summary["seed"]) == (11, 8)


@needs_loader
@pytest.mark.usefixtures("fake")
def test_run_renders_tables(good: Path) -> None:
    result = cli.invoke(app, ["run", str(good), "-w", "1"])
    assert result.exit_code == 0, result.output
    assert "unresolved" in result.stdout
    assert "95% CI" in result.stdout
    assert "invitation_day" in result.stdout


@needs_loader
def test_run_bad_scenario_exits_2_without_traceback(bad: Path) -> None:
    result = cli.invoke(app, ["run", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert f"{bad}:4: crowd.visoin" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@needs_loader
def test_run_missing_file_exits_2(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "error:" in result.stderr


@needs_loader
@pytest.mark.usefixtures("fake")
def test_run_out_writes_results_and_refuses_to_clobber(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = cli.invoke(app, ["run", str(good), "--json", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert set(RESULT_FILES) <= {p.name for p in out.iterdir()}
    assert json.loads((out / "summary.json").read_text()) == json.loads(first.stdout)

    again = cli.invoke(app, ["run", str(good), "--out", str(out)])
    assert again.exit_code == 2
    assert str(out) in again.stderr and "--force" in again.stderr
    assert again.stdout == ""  # refused before running

    forced = cli.invoke(app, ["run", str(good), "--out", str(out), "--force", "-n", "2"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "manifest.json").read_text())["replications"] == 2


@needs_loader
def test_validate(good: Path, bad: Path, tmp_path: Path) -> None:
    ok = cli.invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0
    assert ok.stdout == f"ok  {good}\n"
    assert ok.stderr == ""

    mixed = cli.invoke(app, ["validate", str(good), str(bad), str(tmp_path / "nope.yaml")])
    assert mixed.exit_code == 2
    assert mixed.stdout == f"ok  {good}\n"  # results on stdout, every error on stderr
    errors = mixed.stderr.splitlines()
    assert errors[0].startswith(f"error: {bad}:4: crowd.visoin: unknown key")
    assert str(tmp_path / "nope.yaml") in errors[1]
    assert "Traceback" not in mixed.output


@needs_loader
def test_validate_json(good: Path, bad: Path) -> None:
    ok = cli.invoke(app, ["validate", str(good), "--json"])
    assert ok.exit_code == 0
    assert json.loads(ok.stdout) == {"valid": [str(good)]}
    mixed = cli.invoke(app, ["validate", str(good), str(bad), "--json"])
    assert mixed.exit_code == 2
    error = json.loads(mixed.stdout)["error"]
    assert (error["code"], error["file"], error["line"]) == (2, str(bad), 4)
    assert error["field"] == "crowd.visoin"
    assert error["valid"] == [str(good)]
    assert error["problems"][0]["field"] == "crowd.visoin"
    assert mixed.stderr.startswith("error: ")


def test_claims_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transition_sim.claims", None)  # makes the import fail
    result = cli.invoke(app, ["claims"])
    assert result.exit_code == 1
    assert "claims registry not available" in result.stderr


def test_claims_prints_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("transition_sim.claims")
    module.print_claims = lambda console: console.print("C1 protests spread")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "transition_sim.claims", module)
    monkeypatch.setattr(transition_sim, "claims", module, raising=False)
    result = cli.invoke(app, ["claims"])
    assert result.exit_code == 0
    assert "C1 protests spread" in result.stdout


@needs_loader
def test_run_with_the_real_model(tmp_path: Path) -> None:
    path = tmp_path / "epstein.yaml"
    path.write_text("name: epstein\ndays: 5\nreplications: 3\n")
    result = cli.invoke(app, ["run", str(path), "--json", "-w", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["replications"] == 3
    assert sum(o["share"] for o in summary["outcomes"].values()) == pytest.approx(1.0)


@needs_loader
@pytest.mark.usefixtures("fake")
def test_run_out_that_is_a_file_exits_2(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("")
    result = cli.invoke(app, ["run", str(good), "--out", str(target), "--json"])
    assert result.exit_code == 2
    assert "not a directory" in result.stderr
    assert json.loads(result.stdout)["error"]["field"] == "--out"
    assert "Traceback" not in result.output


# -- the error contract -------------------------------------------------------------------------


@needs_loader
def test_run_json_error_object_for_a_bad_scenario(bad: Path) -> None:
    result = cli.invoke(app, ["run", str(bad), "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]  # stdout: the error object and nothing else
    assert error["code"] == 2
    assert (error["file"], error["line"], error["field"]) == (str(bad), 4, "crowd.visoin")
    assert "unknown key" in error["message"]
    assert result.stderr.startswith(f"error: {bad}:4: crowd.visoin")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["run", "x.yaml", "-n", "0"], "--replications"),
        (["run", "x.yaml", "--keep", "some"], "--keep"),
        (["run", "x.yaml", "--no-such-option"], "--no-such-option"),
        (["run"], "file"),
        (["no-such-command"], None),
    ],
)
def test_usage_errors_exit_2_with_json(args: list[str], field: str | None) -> None:
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    error = json.loads(result.stdout)["error"]
    assert error["code"] == 2 and error["field"] == field and error["message"]


def test_usage_error_without_json_leaves_stdout_empty() -> None:
    result = cli.invoke(app, ["run", "x.yaml", "-n", "0"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--help" in result.stderr


@needs_loader
def test_internal_error_exits_1_with_a_short_message(
    good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(scenario: Scenario, seed: int) -> RunResult:
        raise ZeroDivisionError("a bug in the model")

    monkeypatch.setattr(runner, "simulate", broken)
    monkeypatch.delenv("TRANSITION_SIM_TRACEBACK", raising=False)
    result = cli.invoke(app, ["run", str(good), "-w", "1", "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-2] == "error: internal error: ZeroDivisionError: a bug in the model"
    error = json.loads(result.stdout)["error"]
    assert error["code"] == 1
    traceback_file = Path(error["traceback"])
    assert str(traceback_file) in lines[-1]
    assert "ZeroDivisionError" in traceback_file.read_text()
    traceback_file.unlink()


@needs_loader
def test_unwritable_out_is_refused_before_simulating(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting(scenario: Scenario, seed: int) -> RunResult:
        calls.append(seed)
        return fake_simulate(scenario, seed)

    monkeypatch.setattr(runner, "simulate", counting)
    if os.geteuid() == 0 or sys.platform != "linux":
        target = Path("/sys/transition-sim-test/results")  # no one may create files in /sys
        if sys.platform != "linux":
            pytest.skip("needs a location no one can write to")
    else:
        locked = tmp_path / "read-only"
        locked.mkdir(mode=0o555)
        target = locked / "results"
    result = cli.invoke(app, ["run", str(good), "--out", str(target)])
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.output
    assert calls == []
    assert result.stdout == ""


@needs_loader
@pytest.mark.usefixtures("fake")
def test_locked_out_is_refused_naming_the_holder(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    with hold_lock(out):
        result = cli.invoke(app, ["run", str(good), "--out", str(out)])
    assert result.exit_code == 2
    assert f"pid {os.getpid()}" in result.stderr
    assert not out.exists()


@needs_loader
def test_resume_needs_out(good: Path) -> None:
    result = cli.invoke(app, ["run", str(good), "--resume", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "--resume"


@needs_loader
@pytest.mark.usefixtures("fake")
def test_run_keep_summary(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = cli.invoke(app, ["run", str(good), "--out", str(out), "--keep", "summary"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*result_files("summary"), REPORT_FILE])
    assert verify_manifest(out) == []


@needs_loader
def test_run_out_writes_its_report_into_the_manifest(good: Path, tmp_path: Path) -> None:
    """The real model (the report's figures need its tables), two replications."""
    out = tmp_path / "results"
    first = cli.invoke(app, ["run", str(good), "-n", "2", "-w", "1", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert f"report written to {out / REPORT_FILE}" in first.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*RESULT_FILES, REPORT_FILE])
    assert verify_manifest(out) == []  # listed with its checksum
    assert "plotly" in (out / REPORT_FILE).read_text(encoding="utf-8")
    again = cli.invoke(app, ["run", str(good), "-n", "2", "-w", "1", "--out", str(out), "--force"])
    assert again.exit_code == 0, again.output  # --force replaces a folder holding its report
    assert verify_manifest(out) == []
    rewritten = cli.invoke(app, ["report", str(out)])  # `report` keeps the manifest true too
    assert rewritten.exit_code == 0, rewritten.output
    assert verify_manifest(out) == []


@needs_loader
@pytest.mark.usefixtures("fake")
def test_a_failed_report_keeps_the_results(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise ValueError("no figures today")

    monkeypatch.setattr("transition_sim.viz.report.write_report", broken)
    out = tmp_path / "results"
    result = cli.invoke(app, ["run", str(good), "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: no report written (ValueError: no figures today)" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    assert verify_manifest(out) == []
    assert json.loads((out / "summary.json").read_text()) == json.loads(result.stdout)
