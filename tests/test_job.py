"""Runs streamed into a result folder: same files whatever the workers, resumable, checked first."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transition_sim.core.results import RunResult
from transition_sim.ensemble import job, store
from transition_sim.ensemble.executors import Interrupted
from transition_sim.ensemble.job import part_size, run_to_folder
from transition_sim.ensemble.lock import LockedError, hold_lock
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.ensemble.summary import summarize
from transition_sim.scenario.schema import Scenario

SCENARIO = Scenario(name="job", days=3, replications=50, seed=5)


def fake_simulate(scenario: Scenario, seed: int) -> RunResult:
    """A deterministic stand-in for the model (module level: pool workers unpickle it)."""
    rng = np.random.default_rng(seed)
    days = scenario.days
    metrics = {"peak": float(rng.random()), "day": math.nan if rng.random() < 0.3 else 1.0}
    timeseries = pd.DataFrame(
        {"day": np.arange(days), "region": ["all"] * days, "active": rng.integers(0, 9, days)}
    )
    events = pd.DataFrame(
        {
            "day": [0] * int(rng.integers(0, 3)),
            "actor": "crowd",
            "action": "protest",
            "details": "x",
        }
    )
    return RunResult(
        str(rng.choice(["unresolved", "tandem_persists"])), metrics, timeseries, events
    )


class Stop:
    """simulate that records every seed it runs and interrupts at one replication."""

    def __init__(self, at: int | None = None) -> None:
        self.seeds: list[int] = []
        self.stop_seed = None if at is None else replication_seed(SCENARIO.seed, at)

    def __call__(self, scenario: Scenario, seed: int) -> RunResult:
        if seed == self.stop_seed:
            raise Interrupted(2)
        self.seeds.append(seed)
        return fake_simulate(scenario, seed)


def _checksums(out: Path) -> dict[str, str]:
    files = json.loads((out / "manifest.json").read_text())["files"]
    return {name: entry["sha256"] for name, entry in files.items()}


def test_the_folder_holds_what_run_ensemble_computes(tmp_path: Path) -> None:
    out = tmp_path / "results"
    summary = run_to_folder(SCENARIO, out, simulate_fn=fake_simulate)
    ensemble = run_ensemble(SCENARIO, simulate_fn=fake_simulate)
    assert summary == summarize(ensemble)
    assert json.loads((out / "summary.json").read_text()) == summary
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), ensemble.runs)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "timeseries.parquet"), ensemble.timeseries, check_dtype=False
    )
    assert len(pd.read_parquet(out / "events.parquet")) == len(ensemble.events)
    assert store.verify_manifest(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_files_are_identical_whatever_the_workers(tmp_path: Path) -> None:
    run_to_folder(SCENARIO, tmp_path / "one", workers=1, simulate_fn=fake_simulate)
    run_to_folder(SCENARIO, tmp_path / "two", workers=2, simulate_fn=fake_simulate)
    assert _checksums(tmp_path / "one") == _checksums(tmp_path / "two")


def test_a_part_holds_a_bounded_number_of_rows() -> None:
    baseline_like = Scenario(name="big", days=60, replications=1_000_000)
    size = part_size(baseline_like, "all")
    assert size * 61 <= job.ROWS_PER_PART  # one region: 61 rows a replication
    assert part_size(baseline_like, "summary") > size
    assert part_size(SCENARIO, "all") == math.ceil(50 / job.MIN_PARTS)


def test_resume_runs_only_what_is_missing_and_ends_identical(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = Stop(at=37)
    with pytest.raises(Interrupted):
        run_to_folder(SCENARIO, out, simulate_fn=first)
    assert not out.exists()  # nothing that claims to be complete
    size = part_size(SCENARIO, "all")
    saved = store.saved_replications(out)
    assert saved == (37 // size) * size > 0
    second = Stop()
    run_to_folder(SCENARIO, out, resume=True, simulate_fn=second)
    redone = {replication_seed(SCENARIO.seed, r) for r in range(saved, 50)}
    assert set(second.seeds) == redone  # saved parts are not run again
    run_to_folder(SCENARIO, tmp_path / "uninterrupted", simulate_fn=fake_simulate)
    assert _checksums(out) == _checksums(tmp_path / "uninterrupted")


def test_resume_of_something_else_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results"
    with pytest.raises(Interrupted):
        run_to_folder(SCENARIO, out, simulate_fn=Stop(at=30))
    other = SCENARIO.model_copy(update={"seed": 6})
    calls = Stop()
    with pytest.raises(store.OutputError, match="seed"):
        run_to_folder(other, out, resume=True, simulate_fn=calls)
    with pytest.raises(store.OutputError, match="--resume"):
        run_to_folder(SCENARIO, out, simulate_fn=calls)  # neither resumed nor forced
    assert calls.seeds == []
    run_to_folder(other, out, force=True, simulate_fn=calls)  # forced: starts over
    assert len(calls.seeds) == 50


def test_bad_output_is_refused_before_anything_runs(tmp_path: Path) -> None:
    calls = Stop()
    (tmp_path / "file").write_text("")
    with pytest.raises(store.OutputError, match="not a directory"):
        run_to_folder(SCENARIO, tmp_path / "file", simulate_fn=calls)
    with pytest.raises(store.OutputError, match="cannot write"):
        run_to_folder(SCENARIO, tmp_path / "file" / "results", simulate_fn=calls)
    with hold_lock(tmp_path / "busy"), pytest.raises(LockedError):
        run_to_folder(SCENARIO, tmp_path / "busy", simulate_fn=calls)
    assert calls.seeds == []


def test_keep_summary(tmp_path: Path) -> None:
    out = tmp_path / "results"
    run_to_folder(SCENARIO, out, keep="summary", simulate_fn=fake_simulate)
    assert sorted(p.name for p in out.iterdir()) == sorted(store.result_files("summary"))
    assert len(pd.read_parquet(out / "runs.parquet")) == 50


def test_progress_counts_saved_replications_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "results"
    with pytest.raises(Interrupted):
        run_to_folder(SCENARIO, out, simulate_fn=Stop(at=40))
    saved = store.saved_replications(out)
    calls: list[tuple[int, int]] = []
    run_to_folder(
        SCENARIO, out, resume=True, simulate_fn=fake_simulate, progress=lambda *a: calls.append(a)
    )
    assert calls[0] == (saved, 50)
    assert calls[-1] == (50, 50)


def test_tasks_cover_each_part_in_order_and_shrink_at_the_end() -> None:
    """`job._tasks`: every replication once, in order, no task across a part's end, none
    above the chunk, and the last tasks of a multi-worker run small."""
    from transition_sim.ensemble.job import _tasks

    for n, size, chunk, workers in [
        (1000, 63, 31, 2),
        (17, 5, 4, 3),
        (64, 64, 32, 1),
        (7, 1, 1, 2),
    ]:
        parts = [range(i * size, min((i + 1) * size, n)) for i in range(-(-n // size))]
        tasks = list(_tasks(iter(parts), chunk, workers, n))
        assert [r for t in tasks for r in t] == list(range(n))
        assert all(0 < len(t) <= chunk for t in tasks)
        assert all(t.start // size == (t.stop - 1) // size for t in tasks)
        if workers > 1 and n > 4 * workers:
            assert len(tasks[-1]) == 1
        if workers == 1:
            assert len({len(t) for t in tasks}) <= 2  # equal pieces (and a part's remainder)
