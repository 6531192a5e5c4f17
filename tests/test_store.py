"""Result directories: contents, manifest, atomic writes, refusing to clobber."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import transition_sim
from transition_sim.experiment import store
from transition_sim.experiment.runner import Ensemble, run_ensemble
from transition_sim.experiment.store import (
    RESULT_FILES,
    OutputExistsError,
    check_output_dir,
    write_results,
)
from transition_sim.experiment.summary import summarize
from transition_sim.scenario.loader import load_scenario, scenario_hash
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import RunResult


def fake_simulate(scenario: Scenario, seed: int) -> RunResult:
    """A deterministic stand-in for the model."""
    rng = np.random.default_rng(seed)
    metrics = {
        "peak_active": float(rng.random()),
        "invitation_day": math.nan if rng.random() < 0.5 else 2.0,
    }
    timeseries = pd.DataFrame({"day": [0, 1], "region": ["all", "all"], "active": [1, 2]})
    events = pd.DataFrame(
        {
            "day": [1],
            "date": [scenario.start_date],
            "actor": ["crowd"],
            "action": ["protest"],
            "details": ["x"],
        }
    )
    outcome = str(rng.choice(["unresolved", "power_sharing"]))
    return RunResult(outcome, metrics, timeseries, events)


@pytest.fixture
def ensemble() -> Ensemble:
    scenario = Scenario(name="stored", days=5, replications=6, seed=4)
    return run_ensemble(scenario, simulate_fn=fake_simulate)


def test_writes_every_file_and_nothing_else(tmp_path: Path, ensemble: Ensemble) -> None:
    out = tmp_path / "new" / "results"
    assert write_results(out, ensemble, ensemble.scenario) == out
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)  # no temp files left


def test_tables_round_trip(tmp_path: Path, ensemble: Ensemble) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario)
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    pd.testing.assert_frame_equal(runs, ensemble.runs, check_dtype=False)
    assert runs["seed"].tolist() == ensemble.seeds
    timeseries = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert list(timeseries.columns) == ["replication", "day", "region", "active"]
    assert len(timeseries) == len(ensemble.timeseries)
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert events["replication"].tolist() == list(range(6))


def test_summary_and_resolved_scenario(tmp_path: Path, ensemble: Ensemble) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario)
    assert json.loads((tmp_path / "summary.json").read_text()) == summarize(ensemble)
    assert load_scenario(tmp_path / "scenario.resolved.yaml") == ensemble.scenario


def test_manifest(tmp_path: Path, ensemble: Ensemble) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario, command=["transition-sim", "run", "x"])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["transition_sim"] == transition_sim.__version__
    assert manifest["numpy"] == np.__version__
    assert manifest["mesa"] and manifest["python"]
    assert manifest["scenario"] == "stored"
    assert manifest["scenario_hash"] == scenario_hash(ensemble.scenario)
    assert manifest["seed"] == 4
    assert manifest["replications"] == 6
    assert manifest["replication_seeds"] == ensemble.seeds
    assert manifest["command"] == ["transition-sim", "run", "x"]
    assert manifest["created"].endswith("+00:00")


def test_refuses_non_empty_directory(tmp_path: Path, ensemble: Ensemble) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(OutputExistsError) as info:
        write_results(tmp_path, ensemble, ensemble.scenario)
    assert info.value.path == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_accepts_existing_empty_directory(tmp_path: Path, ensemble: Ensemble) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario)
    assert (tmp_path / "manifest.json").exists()


def test_force_overwrites_and_keeps_other_files(tmp_path: Path, ensemble: Ensemble) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario)
    (tmp_path / "notes.txt").write_text("keep me")
    other = run_ensemble(ensemble.scenario, replications=3, seed=99, simulate_fn=fake_simulate)
    with pytest.raises(OutputExistsError):
        write_results(tmp_path, other, other.scenario)
    write_results(tmp_path, other, other.scenario, force=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (manifest["seed"], manifest["replications"]) == (99, 3)
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 3
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*RESULT_FILES, "notes.txt"])


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(NotADirectoryError):
        check_output_dir(target, force=True)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half of the new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store._atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_failed_run_write_leaves_no_manifest(
    tmp_path: Path, ensemble: Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_results(tmp_path, ensemble, ensemble.scenario)

    def broken(path: Path, table: pd.DataFrame) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_parquet", broken)
    with pytest.raises(OSError):
        write_results(tmp_path, ensemble, ensemble.scenario, force=True)
    # Without a manifest the directory reads as incomplete, not as the old, complete run.
    assert not (tmp_path / "manifest.json").exists()


def test_real_model_results_are_storable(tmp_path: Path) -> None:
    ensemble = run_ensemble(Scenario(name="epstein", days=5), replications=2, seed=1)
    write_results(tmp_path, ensemble, ensemble.scenario)
    assert len(pd.read_parquet(tmp_path / "timeseries.parquet")) == len(ensemble.timeseries)
    assert len(pd.read_parquet(tmp_path / "events.parquet")) == len(ensemble.events)


def test_files_get_the_usual_permissions(tmp_path: Path, ensemble: Ensemble) -> None:
    umask = os.umask(0o022)
    try:
        write_results(tmp_path, ensemble, ensemble.scenario)
    finally:
        os.umask(umask)
    for name in RESULT_FILES:
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
