"""The command line: output streams, JSON shape, exit codes, error messages."""

from __future__ import annotations

import json
import math
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import transition_sim
from transition_sim.cli import app
from transition_sim.experiment import runner
from transition_sim.experiment.store import RESULT_FILES
from transition_sim.experiment.summary import OUTCOMES
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import RunResult

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
def test_run_json_prints_only_the_summary(good: Path) -> None:
    result = cli.invoke(app, ["run", str(good), "--json", "-w", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # nothing but JSON on stdout
    assert set(summary) == {"scenario", "replications", "seed", "outcomes", "metrics"}
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
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
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

    mixed = cli.invoke(app, ["validate", str(good), str(bad), str(tmp_path / "nope.yaml")])
    assert mixed.exit_code == 2
    lines = mixed.stdout.splitlines()
    assert lines[0] == f"ok  {good}"
    assert lines[1].startswith(f"{bad}:4: crowd.visoin: unknown key")
    assert str(tmp_path / "nope.yaml") in lines[2]


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
def test_run_out_that_is_a_file_exits_1(good: Path, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("")
    result = cli.invoke(app, ["run", str(good), "--out", str(target)])
    assert result.exit_code == 1
    assert "not a directory" in result.stderr
    assert "Traceback" not in result.output
