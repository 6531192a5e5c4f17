"""The ensemble runner: seed derivation, ordering, and independence from the worker count."""

from __future__ import annotations

import itertools
import math
import os
import pickle
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transition_sim.core.results import RunResult
from transition_sim.ensemble import runner
from transition_sim.ensemble.runner import (
    Ensemble,
    replication_seed,
    run_ensemble,
    run_one,
    split,
    stream,
)
from transition_sim.scenario.schema import Scenario

FAKE_OUTCOMES = ("incumbent_holds", "power_sharing", "unresolved")


def fake_simulate(scenario: Scenario, seed: int) -> RunResult:
    """A deterministic stand-in for the model: everything is a function of the seed."""
    rng = np.random.default_rng(seed)
    days = min(scenario.days, 3)
    invited = bool(rng.random() < 0.5)
    metrics = {
        "peak_active": float(rng.random()),
        "invitation_day": float(rng.integers(1, 5)) if invited else math.nan,
    }
    timeseries = pd.DataFrame(
        {
            "day": np.repeat(np.arange(days), 2),
            "region": ["all", "city"] * days,
            "active": rng.integers(0, 100, 2 * days),
        }
    )
    events = pd.DataFrame(
        {
            "day": [0],
            "date": [scenario.start_date],
            "actor": ["crowd"],
            "action": ["protest"],
            "details": [f"seed {seed}"],
        }
    )
    return RunResult(str(rng.choice(FAKE_OUTCOMES)), metrics, timeseries, events)


def _metric_dependent_on_replication(scenario: Scenario, seed: int) -> RunResult:
    """Runs that disagree on which metrics exist, to check the union of metric columns."""
    result = fake_simulate(scenario, seed)
    metrics = dict(result.metrics)
    if seed % 2:
        metrics["only_odd"] = 1.0
    return RunResult(result.outcome, metrics, result.timeseries, result.events)


def _pid_simulate(scenario: Scenario, seed: int) -> RunResult:
    result = fake_simulate(scenario, seed)
    return RunResult(result.outcome, {"pid": float(os.getpid())}, result.timeseries, result.events)


class ModelBroke(Exception):
    pass


def _failing_simulate(scenario: Scenario, seed: int) -> RunResult:
    if seed == replication_seed(scenario.seed, 5):
        raise ModelBroke(f"seed {seed}")
    return fake_simulate(scenario, seed)


SCENARIO = Scenario(name="fake", days=5, replications=12, seed=3)


def test_replication_seed_is_pinned() -> None:
    # Changing the derivation silently would change every published result; pin it.
    assert replication_seed(0, 0) == 7896617691693857887
    assert replication_seed(0, 1) == 2918264622725855778
    assert replication_seed(42, 0) == 5732826375231505755


def test_replication_seeds_are_distinct() -> None:
    seeds = [replication_seed(b, r) for b in range(5) for r in range(1000)]
    assert len(set(seeds)) == len(seeds)


@given(st.integers(0, 2**40), st.integers(0, 10**6))
def test_replication_seed_is_a_stable_int63(base: int, replication: int) -> None:
    seed = replication_seed(base, replication)
    assert seed == replication_seed(base, replication)
    assert isinstance(seed, int)
    assert 0 <= seed < 2**63


def test_replication_seed_rejects_negative() -> None:
    with pytest.raises(ValueError):
        replication_seed(-1, 0)


def test_run_one_uses_derived_seed() -> None:
    replication, seed, result = run_one(SCENARIO, 4, 3, fake_simulate)
    assert (replication, seed) == (4, replication_seed(3, 4))
    assert result.outcome == fake_simulate(SCENARIO, seed).outcome


def test_ensemble_tables() -> None:
    ensemble = run_ensemble(SCENARIO, simulate_fn=fake_simulate)
    assert isinstance(ensemble, Ensemble)
    assert ensemble.base_seed == 3
    assert ensemble.replications == 12
    assert ensemble.seeds == [replication_seed(3, r) for r in range(12)]
    runs = ensemble.runs
    assert list(runs.columns) == ["replication", "seed", "outcome", "peak_active", "invitation_day"]
    assert runs["replication"].tolist() == list(range(12))
    assert runs["seed"].tolist() == ensemble.seeds
    assert set(runs["outcome"]) <= set(FAKE_OUTCOMES)
    assert runs["invitation_day"].isna().any()  # NaN kept where a metric does not apply
    assert list(ensemble.timeseries.columns) == ["replication", "day", "region", "active"]
    assert len(ensemble.timeseries) == 12 * 6
    assert ensemble.events.columns[0] == "replication"
    assert ensemble.events["replication"].tolist() == list(range(12))


def test_each_run_matches_its_single_replication() -> None:
    ensemble = run_ensemble(SCENARIO, simulate_fn=fake_simulate)
    for replication in (0, 7):
        expected = fake_simulate(SCENARIO, replication_seed(3, replication))
        row = ensemble.runs.iloc[replication]
        assert row["outcome"] == expected.outcome
        assert row["peak_active"] == expected.metrics["peak_active"]
        ts = ensemble.timeseries[ensemble.timeseries["replication"] == replication]
        assert ts["active"].tolist() == expected.timeseries["active"].tolist()


def test_workers_do_not_change_results() -> None:
    serial = run_ensemble(SCENARIO, replications=40, seed=11, workers=1, simulate_fn=fake_simulate)
    pooled = run_ensemble(SCENARIO, replications=40, seed=11, workers=2, simulate_fn=fake_simulate)
    assert serial.seeds == pooled.seeds
    assert serial.runs.equals(pooled.runs)
    assert serial.timeseries.equals(pooled.timeseries)
    assert serial.events.equals(pooled.events)
    assert serial.scenario == pooled.scenario


def test_pool_uses_other_processes() -> None:
    ensemble = run_ensemble(SCENARIO, replications=20, workers=2, simulate_fn=_pid_simulate)
    pids = set(ensemble.runs["pid"])
    assert len(pids) >= 2
    assert ensemble.runs["pid"].iloc[0] == os.getpid()  # replication 0 warms up the parent


@pytest.mark.parametrize("workers", [1, 2])
def test_model_errors_propagate(workers: int) -> None:
    with pytest.raises(ModelBroke):
        run_ensemble(SCENARIO, workers=workers, simulate_fn=_failing_simulate)


def test_workers_do_not_change_results_with_uneven_metrics() -> None:
    fn = _metric_dependent_on_replication
    serial = run_ensemble(SCENARIO, replications=9, workers=1, simulate_fn=fn)
    pooled = run_ensemble(SCENARIO, replications=9, workers=3, simulate_fn=fn)
    assert "only_odd" in serial.runs.columns
    assert serial.runs.equals(pooled.runs)


def test_same_seed_same_ensemble_other_seed_other_ensemble() -> None:
    a = run_ensemble(SCENARIO, seed=5, simulate_fn=fake_simulate)
    b = run_ensemble(SCENARIO, seed=5, simulate_fn=fake_simulate)
    c = run_ensemble(SCENARIO, seed=6, simulate_fn=fake_simulate)
    assert a.runs.equals(b.runs)
    assert not a.runs.equals(c.runs)


def test_overrides_are_recorded_in_the_scenario() -> None:
    ensemble = run_ensemble(SCENARIO, replications=4, seed=9, simulate_fn=fake_simulate)
    assert len(ensemble.runs) == 4
    assert (ensemble.scenario.replications, ensemble.scenario.seed) == (4, 9)
    assert ensemble.scenario.name == SCENARIO.name
    same = run_ensemble(SCENARIO, simulate_fn=fake_simulate)
    assert same.scenario is SCENARIO


@pytest.mark.parametrize("workers", [1, 3])
def test_progress_reaches_total(workers: int) -> None:
    calls: list[tuple[int, int]] = []
    run_ensemble(
        SCENARIO,
        replications=20,
        workers=workers,
        progress=lambda done, total: calls.append((done, total)),
        simulate_fn=fake_simulate,
    )
    assert calls[-1] == (20, 20)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert all(total == 20 for _, total in calls)


def test_default_simulate_is_looked_up_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "simulate", fake_simulate)
    ensemble = run_ensemble(SCENARIO, replications=3, workers=2)
    assert set(ensemble.runs["outcome"]) <= set(FAKE_OUTCOMES)


def test_more_workers_than_replications() -> None:
    ensemble = run_ensemble(SCENARIO, replications=2, workers=8, simulate_fn=fake_simulate)
    assert ensemble.runs["replication"].tolist() == [0, 1]


@pytest.mark.parametrize("kwargs", [{"replications": 0}, {"seed": -1}])
def test_invalid_arguments(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        run_ensemble(SCENARIO, simulate_fn=fake_simulate, **kwargs)


def test_empty_event_logs_keep_columns() -> None:
    def quiet(scenario: Scenario, seed: int) -> RunResult:
        result = fake_simulate(scenario, seed)
        return RunResult(result.outcome, result.metrics, result.timeseries, result.events.iloc[:0])

    ensemble = run_ensemble(SCENARIO, replications=3, simulate_fn=quiet)
    assert len(ensemble.events) == 0
    assert list(ensemble.events.columns) == [
        "replication",
        "day",
        "date",
        "actor",
        "action",
        "details",
    ]


def test_real_model_same_results_whatever_the_workers() -> None:
    scenario = Scenario(name="epstein", days=10)
    serial = run_ensemble(scenario, replications=4, seed=1, workers=1)
    pooled = run_ensemble(scenario, replications=4, seed=1, workers=2)
    assert serial.runs.equals(pooled.runs)
    assert serial.timeseries.equals(pooled.timeseries)
    assert serial.events.equals(pooled.events)
    assert serial.timeseries["replication"].unique().tolist() == [0, 1, 2, 3]


# -- streaming: lazy, bounded, in order ---------------------------------------------------------


class RecordingExecutor:
    """Runs each task at submit time and counts submissions (an executor under the interface)."""

    workers = 2

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass

    def terminate(self) -> None:
        pass


def test_tasks_for_workers_shrink_at_the_end_and_cover_every_replication() -> None:
    """With several workers the last tasks are small, so the workers finish together."""
    tasks = list(split(range(7, 1007), 31, workers=2))
    assert [r for t in tasks for r in t] == list(range(7, 1007))
    assert max(len(t) for t in tasks) == 31
    assert [len(t) for t in tasks[-3:]] == [1, 1, 1]
    assert all(len(t) == 10 for t in split(range(100), 10, workers=1))


@pytest.mark.timeout(120)
def test_tasks_are_submitted_lazily_with_a_bounded_number_in_flight() -> None:
    # A trillion one-replication tasks: planning them eagerly would never finish.
    executor = RecordingExecutor()
    tasks = split(range(10**12), 1)
    with stream(SCENARIO, 3, tasks, executor=executor, simulate_fn=fake_simulate) as batches:
        for consumed, batch in enumerate(itertools.islice(batches, 200), start=1):
            assert batch.replications == range(consumed - 1, consumed)
            in_flight = executor.submitted - (consumed - 1)  # the first ran here, unsubmitted
            assert in_flight <= 3 * executor.workers
    assert executor.submitted < 200 + 3 * executor.workers


class ThreadExecutor(ThreadPoolExecutor):
    """Tasks that finish out of order (threads, random durations)."""

    workers = 4

    def __init__(self) -> None:
        super().__init__(max_workers=4)

    def terminate(self) -> None:
        self.shutdown(wait=False, cancel_futures=True)


def _jittery_simulate(scenario: Scenario, seed: int) -> RunResult:
    time.sleep((seed % 7) / 500)
    return fake_simulate(scenario, seed)


def test_batches_come_back_in_order_whatever_order_tasks_finish() -> None:
    with ThreadExecutor() as executor:
        jittery = run_ensemble(
            SCENARIO, replications=60, executor=executor, simulate_fn=_jittery_simulate
        )
    serial = run_ensemble(SCENARIO, replications=60, simulate_fn=fake_simulate)
    assert jittery.runs["replication"].tolist() == list(range(60))
    assert jittery.runs.equals(serial.runs)
    assert jittery.timeseries.equals(serial.timeseries)
    assert jittery.events.equals(serial.events)


def test_keep_summary_keeps_runs_only() -> None:
    full = run_ensemble(SCENARIO, simulate_fn=fake_simulate)
    summary = run_ensemble(SCENARIO, simulate_fn=fake_simulate, keep="summary")
    assert summary.runs.equals(full.runs)
    assert len(summary.timeseries) == 0 and len(summary.events) == 0


def test_a_failing_task_stops_the_stream() -> None:
    calls: list[int] = []

    def counting(scenario: Scenario, seed: int) -> RunResult:
        calls.append(seed)
        return _failing_simulate(scenario, seed)

    executor = RecordingExecutor()
    tasks = split(range(10**6), 1)
    with (
        pytest.raises(ModelBroke),
        stream(SCENARIO, SCENARIO.seed, tasks, executor=executor, simulate_fn=counting) as batches,
    ):
        for _ in batches:
            pass
    assert len(calls) <= 6 + 3 * executor.workers  # replication 5 fails; nothing much after


# -- RunResult: columns, DataFrames on demand ---------------------------------------------------


def test_run_result_takes_dataframes_or_arrow_tables() -> None:
    result = fake_simulate(SCENARIO, 1)
    as_arrow = RunResult(
        result.outcome,
        result.metrics,
        pa.Table.from_pandas(result.timeseries, preserve_index=False),
        result.events_table,
    )
    pd.testing.assert_frame_equal(as_arrow.timeseries, result.timeseries)
    pd.testing.assert_frame_equal(as_arrow.events, result.events)
    assert result.timeseries_table.schema.metadata is None  # no pandas index metadata stored


def test_run_result_pickles_columns_not_dataframes() -> None:
    result = fake_simulate(SCENARIO, 1)
    bare = len(pickle.dumps(result))
    _ = result.timeseries, result.events  # build (and cache) the DataFrames
    assert len(pickle.dumps(result)) == bare
    restored = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(restored.timeseries, result.timeseries)
    assert pd.Series(restored.metrics).equals(pd.Series(result.metrics))  # NaN included
    assert restored.outcome == result.outcome


BUILT: list[int] = []  # seeds whose tables `lazy_simulate` built


def lazy_simulate(scenario: Scenario, seed: int) -> RunResult:
    """`fake_simulate` with tables built on first use, noting each build."""
    result = fake_simulate(scenario, seed)

    def built(table: pd.DataFrame) -> Callable[[], pa.Table]:
        def build() -> pa.Table:
            BUILT.append(seed)
            return pa.Table.from_pandas(table, preserve_index=False)

        return build

    return RunResult(result.outcome, result.metrics, built(result.timeseries), built(result.events))


def test_tables_built_on_first_use_only_when_kept() -> None:
    BUILT.clear()
    summary = run_ensemble(SCENARIO, 4, 9, simulate_fn=lazy_simulate, keep="summary")
    assert BUILT == [] and len(summary.runs) == 4
    full = run_ensemble(SCENARIO, 4, 9, simulate_fn=lazy_simulate)
    eager = run_ensemble(SCENARIO, 4, 9, simulate_fn=fake_simulate)
    pd.testing.assert_frame_equal(full.timeseries, eager.timeseries)
    pd.testing.assert_frame_equal(full.events, eager.events)
    sent = pickle.loads(pickle.dumps(lazy_simulate(SCENARIO, 3)))  # as a worker sends it
    assert sent.timeseries_table.equals(fake_simulate(SCENARIO, 3).timeseries_table)
