"""The engine: run points × replications of ``fn(inputs, seed)`` on an executor, into chunks.

- Work goes to any `concurrent.futures.Executor` (in-process, a local process pool, or Dask's
  ``Client.get_executor()``) in batches of runs, at most a few per worker in flight, built
  lazily: memory does not grow with the size of the experiment.
- Each run's seed comes from the plan (from the run's identity), never from the worker.
- Finished runs are appended to a `RunStore` in atomic chunks, every few seconds; a run that
  raises is stored with its error. ``resume`` skips the runs already stored, so a job killed at
  any moment (even ``kill -9``) continues without redoing or duplicating a run.

TODO(runtime): `open_executor` and `RunStore` are stand-ins for the runtime branch's executor
interface (`experiment/executors.py`) and chunk store; swap them when it lands.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from transition_sim.experiment.models import RunFn
from transition_sim.experiment.runner import _fork_warning_filtered, _pool_context
from transition_sim.experiment.store import _fsync_dir

# One run as it comes back from a worker: point, replication, seed, outcome, metrics, error.
Row = tuple[int, int, int, str | None, dict[str, float] | None, str | None]
# What a task runs: for each point, its inputs and its (replication, seed) pairs.
Payload = list[tuple[int, Any, list[tuple[int, int]]]]
ProgressFn = Callable[[int, int], None]

KEYS = ("point", "replication", "seed")
TASK_SECONDS = 2.0  # aim for tasks this long: long enough to amortise the overhead of a task
FLUSH_SECONDS = 2.0  # write finished runs at least this often (what a kill -9 can lose)
FLUSH_ROWS = 20_000  # ... or once this many are waiting

__all__ = ["Plan", "RunStore", "open_executor", "run_batch", "run_plan"]


@dataclass(frozen=True)
class Plan:
    """What to run: ``points`` rows of stored columns (one per point: the parameters' values as
    set, or the scenario's name), ``replications`` runs of each, ``build(point)`` the inputs of
    a point, ``seed(point, replication)`` its runs' seeds."""

    fn: RunFn
    build: Callable[[int], Any]
    columns: Mapping[str, np.ndarray]  # name -> one value per point
    points: int
    replications: int
    seed: Callable[[int, int], int]

    @property
    def total(self) -> int:
        return self.points * self.replications


def run_batch(fn: RunFn, payload: Payload) -> list[Row]:
    """Run a task's runs; an exception becomes the run's error, never a lost row."""
    rows: list[Row] = []
    for point, inputs, runs in payload:
        for replication, seed in runs:
            try:
                outcome, metrics = fn(inputs, seed)
                values = {str(k): float(v) for k, v in metrics.items()}
            except Exception as err:  # stored with the run, reported at the end
                rows.append((point, replication, seed, None, None, f"{type(err).__name__}: {err}"))
            else:
                rows.append((point, replication, seed, str(outcome), values, None))
    return rows


class _Inline(Executor):
    """The simplest executor: runs each task at once, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
            if not isinstance(err, Exception):
                raise
        return future


@contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[tuple[Executor, int]]:
    """An executor and how many runs it can do at once: Dask at ``scheduler`` (an address, or
    ``DASK_SCHEDULER_ADDRESS``), else ``workers`` local processes, else this process."""
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if scheduler:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            slots = sum(client.nthreads().values()) or 1
            yield client.get_executor(pure=False), slots
    elif workers > 1:
        context: multiprocessing.context.BaseContext = _pool_context()
        with (
            _fork_warning_filtered(),
            ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
        ):
            yield pool, workers
    else:
        yield _Inline(), 1


class RunStore:
    """A directory of parquet chunks, one row per finished run, that together form one dataset
    (``pandas.read_parquet(directory)``). Each chunk is written to a hidden temporary file and
    renamed, so a reader (or a resumed job) sees whole chunks only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def chunks(self) -> list[Path]:
        return sorted(self.directory.glob("chunk-*.parquet"))

    def clean(self) -> None:
        """Remove temporary files a killed job left behind."""
        for tmp in self.directory.glob(".chunk-*.tmp"):
            tmp.unlink(missing_ok=True)

    def schema(self) -> pa.Schema | None:
        chunks = self.chunks()
        return pq.read_schema(chunks[0]) if chunks else None

    def done(self, points: int, replications: int) -> np.ndarray:
        """A (points, replications) mask of the runs already stored."""
        mask = np.zeros((points, replications), dtype=bool)
        for chunk in self.chunks():
            keys = pq.read_table(chunk, columns=["point", "replication"])
            mask[keys["point"].to_numpy(), keys["replication"].to_numpy()] = True
        return mask

    def write(self, table: pa.Table) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.stem.split("-")[1]) for p in self.chunks()]
        path = self.directory / f"chunk-{max(numbers, default=-1) + 1:06d}.parquet"
        tmp = self.directory / f".{path.stem}.{secrets.token_hex(4)}.tmp"
        try:
            pq.write_table(table, tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.directory)
        return path


class _Writer:
    """Collects finished runs and writes them as chunks with one fixed schema: the stored
    columns, then one float column per metric. The metrics are those of the first run that
    succeeds (or of the chunks already stored); a later run with other metrics gets NaN for the
    missing ones and an error naming the unexpected ones."""

    def __init__(self, store: RunStore, plan: Plan) -> None:
        self.store = store
        self.plan = plan
        self.rows: list[Row] = []
        self.last = time.monotonic()
        schema = store.schema()
        self.metrics: list[str] | None = None
        if schema is not None:
            fixed = {*KEYS, *plan.columns, "outcome", "error"}
            self.metrics = [name for name in schema.names if name not in fixed]

    def add(self, rows: Sequence[Row]) -> None:
        self.rows.extend(rows)
        if self.metrics is None:
            first = next((r[4] for r in rows if r[4] is not None), None)
            if first is not None:
                self.metrics = list(first)
        full = len(self.rows) >= FLUSH_ROWS
        if self.rows and (full or time.monotonic() - self.last >= FLUSH_SECONDS):
            self.flush()

    def flush(self, final: bool = False) -> None:
        """Write the waiting runs (before any run succeeded, only at the end: the metrics are
        not known yet)."""
        if not self.rows or (self.metrics is None and not final):
            return
        self.store.write(self._table(self.rows, self.metrics or []))
        self.rows = []
        self.last = time.monotonic()

    def _table(self, rows: list[Row], metrics: list[str]) -> pa.Table:
        point = np.array([r[0] for r in rows], dtype=np.int64)
        columns: dict[str, Any] = {
            "point": point,
            "replication": np.array([r[1] for r in rows], dtype=np.int64),
            "seed": np.array([r[2] for r in rows], dtype=np.int64),
        }
        for name, values in self.plan.columns.items():
            columns[name] = np.asarray(values)[point]
        errors = [r[5] for r in rows]
        known = set(metrics)
        for i, row in enumerate(rows):
            extra = sorted(set(row[4] or ()) - known)
            if extra and errors[i] is None:
                errors[i] = f"unexpected metrics {', '.join(extra)} (the sweep stores {metrics})"
        columns["outcome"] = pa.array([r[3] for r in rows], type=pa.string())
        columns["error"] = pa.array(errors, type=pa.string())
        for name in metrics:
            columns[name] = np.array(
                [math.nan if r[4] is None else r[4].get(name, math.nan) for r in rows],
                dtype=np.float64,
            )
        return pa.table(columns)


def _batches(plan: Plan, todo: np.ndarray, size: int) -> Iterator[Payload]:
    """The runs still to do, ``size`` at a time, grouped by point; built lazily."""
    payload: Payload = []
    count = 0
    for point in np.flatnonzero(todo.any(axis=1)).tolist():
        reps = np.flatnonzero(todo[point]).tolist()
        while reps:
            take, reps = reps[: size - count], reps[size - count :]
            runs = [(r, plan.seed(point, r)) for r in take]
            payload.append((point, plan.build(point), runs))
            count += len(take)
            if count == size:
                yield payload
                payload, count = [], 0
    if payload:
        yield payload


def _bounded(
    executor: Executor, fn: RunFn, payloads: Iterator[Payload], in_flight: int
) -> Iterator[list[Row]]:
    """Submit tasks lazily, never more than ``in_flight`` at once; yield results as they come."""
    pending: set[Future[list[Row]]] = set()
    try:
        for payload in payloads:
            pending.add(executor.submit(run_batch, fn, payload))
            while len(pending) >= in_flight:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


def run_plan(
    plan: Plan,
    store: RunStore,
    executor: Executor,
    slots: int = 1,
    progress: ProgressFn | None = None,
    batch_size: int | None = None,
) -> int:
    """Run every run of ``plan`` not yet in ``store``; return how many were run now.

    The first run is made here, to fail fast and to time a run: batches are sized to take about
    `TASK_SECONDS` each, unless ``batch_size`` is given.
    """
    store.clean()
    todo = ~store.done(plan.points, plan.replications)
    remaining = int(todo.sum())
    done = plan.total - remaining
    if progress is not None:
        progress(done, plan.total)
    if not remaining:
        return 0
    writer = _Writer(store, plan)
    finished = False
    try:
        point, replication = (int(i[0]) for i in np.nonzero(todo))
        start = time.perf_counter()
        first = run_batch(
            plan.fn, [(point, plan.build(point), [(replication, plan.seed(point, replication))])]
        )
        seconds = max(time.perf_counter() - start, 1e-6)
        todo[point, replication] = False
        writer.add(first)
        done += 1
        if progress is not None:
            progress(done, plan.total)
        size = batch_size or _batch_size(seconds, remaining - 1, slots)
        for rows in _bounded(executor, plan.fn, _batches(plan, todo, size), in_flight=2 * slots):
            writer.add(rows)
            done += len(rows)
            if progress is not None:
                progress(done, plan.total)
        finished = True
    finally:
        writer.flush(final=finished)  # finished runs are kept, even on Ctrl-C
    return remaining


def _batch_size(seconds_per_run: float, runs: int, slots: int) -> int:
    """Runs per task: about `TASK_SECONDS` of work, but at least four tasks per slot (so no
    worker idles long at the end) and at most 10,000 runs (so a task stays small to send)."""
    by_time = int(TASK_SECONDS / seconds_per_run)
    by_balance = math.ceil(runs / (4 * slots)) if runs else 1
    return max(1, min(by_time, by_balance, 10_000))
