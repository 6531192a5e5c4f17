"""The engine: run points × replications of ``fn(inputs, seed)`` on an executor, into parts.

- Work goes to any `concurrent.futures.Executor` (in-process, a local process pool, or Dask's
  ``Client.get_executor()``) in batches of runs, at most a few per worker in flight, built
  lazily: memory does not grow with the size of the experiment.
- Each run's seed comes from the plan (from the run's identity), never from the worker.
- Finished runs are stored in a `RunStore` in parts (fixed ranges of runs), each written
  atomically once complete; a run that raises is stored with its error. Running a plan again
  skips the parts already stored, so a job killed at any moment (even ``kill -9``) continues
  without duplicating a run, redoing at most the parts it had not finished.

TODO(runtime): `open_executor` and `RunStore` are stand-ins for the runtime branch's executor
interface (`experiment/executors.py`) and part store (`store.write_part`, `finished_parts`,
`clean_unfinished`, same file names); swap them when it lands.
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
PARTS = 64  # a plan is stored in about this many parts ...
PART_MAX = 2_000  # ... of at most this many runs

__all__ = [
    "EngineError",
    "Plan",
    "RunStore",
    "open_executor",
    "part_size",
    "run_batch",
    "run_plan",
]


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


class EngineError(Exception):
    """A model that breaks the engine's contract (e.g. a metric named like a column)."""


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
    """A partitioned parquet dataset of runs: ``DIR/part-INDEX.parquet``, where part ``i`` holds
    the runs ``i * size`` to ``(i + 1) * size - 1`` of the plan (see `run_plan`), so the files
    do not depend on the workers. Each part is written to a hidden temporary file and renamed:
    it exists whole or not at all, and ``pandas.read_parquet(DIR)`` reads the finished ones."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, index: int) -> Path:
        return self.directory / f"part-{index:09d}.parquet"

    def parts(self) -> list[Path]:
        return sorted(self.directory.glob("part-*.parquet"))

    def finished(self) -> set[int]:
        return {int(p.stem.removeprefix("part-")) for p in self.parts()}

    def clean(self) -> None:
        """Remove temporary files a killed job left behind."""
        for tmp in self.directory.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def schema(self) -> pa.Schema | None:
        parts = self.parts()
        return pq.read_schema(parts[0]) if parts else None

    def write(self, index: int, table: pa.Table) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(index)
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


def part_size(total: int) -> int:
    """Runs per part: about `PARTS` parts (what a kill can lose is one part per task in
    flight), at most `PART_MAX` runs; a function of the plan only."""
    return max(1, min(PART_MAX, math.ceil(total / PARTS)))


class _Parts:
    """Collects finished runs by part and writes each part once all its runs are in, with one
    fixed schema: the stored columns, then one float column per metric. The metrics are those
    of the first run that succeeds (or of the parts already stored); a later run with other
    metrics gets NaN for missing ones and an error naming unexpected ones. A part in which every
    run failed waits until the metrics are known (or the end)."""

    def __init__(self, store: RunStore, plan: Plan, size: int) -> None:
        self.store = store
        self.plan = plan
        self.size = size
        self.rows: dict[int, list[Row]] = {}
        self.waiting: list[int] = []  # complete parts held until the metrics are known
        schema = store.schema()
        self.metrics: list[str] | None = None
        if schema is not None:
            fixed = {*KEYS, *plan.columns, "outcome", "error"}
            self.metrics = [name for name in schema.names if name not in fixed]

    def _check(self, metrics: list[str]) -> list[str]:
        taken = sorted(set(metrics) & {*KEYS, *self.plan.columns, "outcome", "error"})
        if taken:
            raise EngineError(
                f"the model returns metrics named like columns of the results ({', '.join(taken)});"
                " rename them or the parameters"
            )
        return metrics

    def length(self, index: int) -> int:
        return min(self.size, self.plan.total - index * self.size)

    def add(self, rows: Sequence[Row]) -> None:
        for row in rows:
            index = (row[0] * self.plan.replications + row[1]) // self.size
            self.rows.setdefault(index, []).append(row)
            if self.metrics is None and row[4] is not None:
                self.metrics = self._check(list(row[4]))
            if len(self.rows[index]) == self.length(index):
                self.waiting.append(index)
        self.write(final=False)

    def write(self, final: bool) -> None:
        if self.metrics is None and not final:
            return
        for index in self.waiting:
            self.store.write(index, self._table(self.rows.pop(index), self.metrics or []))
        self.waiting = []

    def _table(self, rows: list[Row], metrics: list[str]) -> pa.Table:
        rows = sorted(rows, key=lambda r: (r[0], r[1]))
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


def _payload(plan: Plan, runs: range) -> Payload:
    """The runs ``runs`` (flat indices: point * replications + replication), by point."""
    payload: Payload = []
    for k in runs:
        point, replication = divmod(k, plan.replications)
        if not payload or payload[-1][0] != point:
            payload.append((point, plan.build(point), []))
        payload[-1][2].append((replication, plan.seed(point, replication)))
    return payload


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
    """Run every part of ``plan`` not yet in ``store``; return how many runs were made now.

    Runs are numbered ``point * replications + replication`` and stored in parts of
    `part_size` consecutive runs. The first run is made here, to fail fast and to time a run:
    tasks take about `TASK_SECONDS` each unless ``batch_size`` is given (they never straddle
    parts). A part is written once all its runs are in; an interrupted job loses only the parts
    it had not finished.
    """
    size = part_size(plan.total)
    store.clean()
    finished = store.finished()
    todo = [
        range(i * size, min((i + 1) * size, plan.total))
        for i in range(math.ceil(plan.total / size))
        if i not in finished
    ]
    remaining = sum(len(r) for r in todo)
    done = plan.total - remaining
    if progress is not None:
        progress(done, plan.total)
    if not todo:
        return 0
    parts = _Parts(store, plan, size)
    start = time.perf_counter()
    parts.add(run_batch(plan.fn, _payload(plan, todo[0][:1])))
    seconds = max(time.perf_counter() - start, 1e-6)
    done += 1
    if progress is not None:
        progress(done, plan.total)
    task = min(size, batch_size or _batch_size(seconds, remaining - 1, slots))
    ranges = [todo[0][1:], *todo[1:]]
    payloads = (_payload(plan, r[i : i + task]) for r in ranges for i in range(0, len(r), task))
    for rows in _bounded(executor, plan.fn, payloads, in_flight=2 * slots):
        parts.add(rows)
        done += len(rows)
        if progress is not None:
            progress(done, plan.total)
    parts.write(final=True)
    return remaining


def _batch_size(seconds_per_run: float, runs: int, slots: int) -> int:
    """Runs per task: about `TASK_SECONDS` of work, but at least four tasks per slot (so no
    worker idles long at the end)."""
    by_time = int(TASK_SECONDS / seconds_per_run)
    by_balance = math.ceil(runs / (4 * slots)) if runs else 1
    return max(1, min(by_time, by_balance))
