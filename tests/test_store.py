"""Result folders and the chunk store: contents, manifest, parts, atomic publication."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import transition_sim
from transition_sim.core.results import RunResult
from transition_sim.ensemble import store
from transition_sim.ensemble.lock import LockedError, hold_lock
from transition_sim.ensemble.runner import Ensemble, run_ensemble
from transition_sim.ensemble.store import (
    RESULT_FILES,
    OutputError,
    OutputExistsError,
    check_output_dir,
    verify_manifest,
    write_results,
)
from transition_sim.ensemble.summary import summarize
from transition_sim.scenario.loader import load_scenario, scenario_hash
from transition_sim.scenario.schema import Scenario


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


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "results"


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


def test_writes_every_file_and_nothing_else(tmp_path: Path, ensemble: Ensemble) -> None:
    out = tmp_path / "new" / "results"
    assert write_results(out, ensemble, ensemble.scenario) == out
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    assert _siblings(out) == ["results"]  # no staging folder, no lock file left


def test_tables_round_trip(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario)
    runs = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(runs, ensemble.runs, check_dtype=False)
    assert runs["seed"].tolist() == ensemble.seeds
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert list(timeseries.columns) == ["replication", "day", "region", "active"]
    assert len(timeseries) == len(ensemble.timeseries)
    events = pd.read_parquet(out / "events.parquet")
    assert events["replication"].tolist() == list(range(6))


def test_summary_and_resolved_scenario(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario)
    assert json.loads((out / "summary.json").read_text()) == summarize(ensemble)
    assert load_scenario(out / "scenario.resolved.yaml") == ensemble.scenario


def test_manifest_lists_every_file_with_its_checksum(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario, command=["transition-sim", "run", "x"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["transition_sim"] == transition_sim.__version__
    assert manifest["numpy"] == np.__version__
    assert manifest["mesa"] and manifest["python"]
    assert manifest["scenario"] == "stored"
    assert manifest["scenario_hash"] == scenario_hash(ensemble.scenario)
    assert (manifest["seed"], manifest["replications"], manifest["keep"]) == (4, 6, "all")
    assert manifest["command"] == ["transition-sim", "run", "x"]
    assert manifest["created"].endswith("+00:00")
    assert sorted(manifest["files"]) == sorted(set(RESULT_FILES) - {"manifest.json"})
    for name, entry in manifest["files"].items():
        assert entry["bytes"] == (out / name).stat().st_size
    assert verify_manifest(out) == []


def test_verify_manifest_finds_tampering(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario)
    summary = out / "summary.json"
    summary.write_text(summary.read_text().replace('"seed": 4', '"seed": 5'))
    (out / "stray.txt").write_text("")
    (out / "events.parquet").unlink()
    problems = verify_manifest(out)
    assert "summary.json: differs from the manifest" in problems
    assert "stray.txt: not in the manifest" in problems
    assert "events.parquet: missing" in problems
    (out / "manifest.json").unlink()
    assert verify_manifest(out)[0].startswith("no readable manifest")


def test_keep_summary_writes_runs_only(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario, keep="summary")
    assert sorted(p.name for p in out.iterdir()) == sorted(store.result_files("summary"))
    assert "timeseries.parquet" not in store.result_files("summary")
    assert verify_manifest(out) == []


def test_refuses_non_empty_directory(out: Path, ensemble: Ensemble) -> None:
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputExistsError) as info:
        write_results(out, ensemble, ensemble.scenario)
    assert info.value.path == out
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_accepts_existing_empty_directory(out: Path, ensemble: Ensemble) -> None:
    out.mkdir()
    write_results(out, ensemble, ensemble.scenario)
    assert verify_manifest(out) == []


def test_force_replaces_a_result_directory_whole(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario)
    other = run_ensemble(ensemble.scenario, replications=3, seed=99, simulate_fn=fake_simulate)
    with pytest.raises(OutputExistsError):
        write_results(out, other, other.scenario)
    write_results(out, other, other.scenario, force=True, keep="summary")
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["seed"], manifest["replications"]) == (99, 3)
    assert len(pd.read_parquet(out / "runs.parquet")) == 3
    # the old run's timeseries does not linger beside the new run's files
    assert sorted(p.name for p in out.iterdir()) == sorted(store.result_files("summary"))
    assert _siblings(out) == ["results"]


def test_force_never_deletes_other_files(out: Path, ensemble: Ensemble) -> None:
    write_results(out, ensemble, ensemble.scenario)
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match=r"notes\.txt"):
        write_results(out, ensemble, ensemble.scenario, force=True)
    assert (out / "notes.txt").read_text() == "keep me"


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(OutputError, match="not a directory"):
        check_output_dir(target, force=True)


def test_output_under_a_file_is_an_output_error(tmp_path: Path, ensemble: Ensemble) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        write_results(tmp_path / "file" / "results", ensemble, ensemble.scenario)


def test_locked_output_is_refused(out: Path, ensemble: Ensemble) -> None:
    with hold_lock(out), pytest.raises(LockedError):
        write_results(out, ensemble, ensemble.scenario)
    assert not out.exists()


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half of the new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_failed_replacement_leaves_the_old_results_complete(
    out: Path, ensemble: Ensemble, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_results(out, ensemble, ensemble.scenario)
    before = (out / "manifest.json").read_text()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "assemble", broken)
    other = run_ensemble(ensemble.scenario, replications=3, seed=99, simulate_fn=fake_simulate)
    with pytest.raises(OSError):
        write_results(out, other, other.scenario, force=True)
    assert (out / "manifest.json").read_text() == before
    assert verify_manifest(out) == []
    assert _siblings(out) == ["results"]


def test_files_get_the_usual_permissions(out: Path, ensemble: Ensemble) -> None:
    umask = os.umask(0o022)
    try:
        write_results(out, ensemble, ensemble.scenario)
    finally:
        os.umask(umask)
    for name in RESULT_FILES:
        assert (out / name).stat().st_mode & 0o777 == 0o644


def test_real_model_results_are_storable(out: Path) -> None:
    ensemble = run_ensemble(Scenario(name="epstein", days=5), replications=2, seed=1)
    write_results(out, ensemble, ensemble.scenario)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "timeseries.parquet"), ensemble.timeseries, check_dtype=False
    )
    assert len(pd.read_parquet(out / "events.parquet")) == len(ensemble.events)


# -- the chunk store ----------------------------------------------------------------------------


def _table(first: int, n: int, **extra: list[float]) -> pa.Table:
    return pa.table({"replication": list(range(first, first + n)), **extra})


def test_a_part_is_finished_only_once_its_commit_file_exists(tmp_path: Path) -> None:
    store.write_part(tmp_path, 0, {"runs": _table(0, 2), "timeseries": _table(0, 4)})
    store.write_part(tmp_path, 1, {"runs": _table(2, 2), "timeseries": _table(2, 4)})
    # an interrupted writer: part 2 got its timeseries but not its runs, and a temp file
    store.write_part(tmp_path, 2, {"timeseries": _table(4, 4)})
    (tmp_path / "runs" / ".part-000000002.parquet.abc.tmp").write_bytes(b"half")
    assert store.finished_parts(tmp_path) == {0, 1}
    store.clean_unfinished(tmp_path, ["runs", "timeseries"])
    assert sorted(p.name for p in (tmp_path / "timeseries").iterdir()) == [
        "part-000000000.parquet",
        "part-000000001.parquet",
    ]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "part-000000000.parquet",
        "part-000000001.parquet",
    ]


def test_write_part_writes_the_commit_table_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    real = pq.write_table

    def recording(table: pa.Table, where: Path) -> None:
        written.append(Path(where).parent.name)
        real(table, where)

    monkeypatch.setattr(pq, "write_table", recording)
    store.write_part(tmp_path, 0, {"runs": _table(0, 1), "events": _table(0, 1), "x": _table(0, 1)})
    assert written[-1] == "runs" and sorted(written) == ["events", "runs", "x"]


def test_assemble_unifies_columns_in_first_seen_order(tmp_path: Path) -> None:
    store.write_part(tmp_path, 0, {"runs": _table(0, 2, a=[1.0, 2.0])})
    store.write_part(tmp_path, 1, {"runs": _table(2, 2, b=[3.0, 4.0], a=[5.0, 6.0])})
    dest = tmp_path / "runs.parquet"
    store.assemble(tmp_path, "runs", dest, [0, 1])
    table = pd.read_parquet(dest)
    assert list(table.columns) == ["replication", "a", "b"]
    assert table["replication"].tolist() == [0, 1, 2, 3]
    assert table["a"].tolist() == [1.0, 2.0, 5.0, 6.0]
    assert table["b"].isna().tolist() == [True, True, False, False]
    assert pq.ParquetFile(dest).metadata.num_row_groups == 2  # a row group per part


def test_open_staging_resumes_only_the_same_run(out: Path) -> None:
    scenario = Scenario(name="x", replications=10, seed=1)
    identity = store.run_identity(scenario, "all", 5)
    staging, finished = store.open_staging(out, identity)
    assert finished == set() and staging == store.staging_path(out)
    store.write_part(staging, 0, {"runs": _table(0, 5)})
    store.record_part(staging, 0, ["runs"])
    store.write_part(staging, 1, {"runs": _table(5, 5)})  # written, never recorded: redone
    assert store.open_staging(out, identity, resume=True) == (staging, {0})
    assert not store.part_path(staging, "runs", 1).exists()
    assert store.saved_replications(out) == 5
    other = store.run_identity(scenario.model_copy(update={"seed": 2}), "all", 5)
    with pytest.raises(OutputError, match="seed: 1 then, 2 now"):
        store.open_staging(out, other, resume=True)
    assert store.open_staging(out, other) == (staging, set())  # not resuming: start afresh


def test_an_interrupted_run_needs_resume_or_force(out: Path) -> None:
    store.staging_path(out).mkdir(parents=True)
    with pytest.raises(OutputError, match="--resume"):
        check_output_dir(out)
    check_output_dir(out, resume=True)
    check_output_dir(out, force=True)


@pytest.mark.parametrize("platform", ["linux", "other"])
def test_exchange_swaps_two_folders(
    tmp_path: Path, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if platform == "other":
        monkeypatch.setattr(sys, "platform", "darwin")  # the three-rename fallback
    elif not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux-only")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "new").write_text("")
    (b / "old").write_text("")
    store._exchange(a, b)
    assert [p.name for p in b.iterdir()] == ["new"]
    assert [p.name for p in a.iterdir()] == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
