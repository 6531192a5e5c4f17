"""The engine: run points × replications of ``fn(inputs, seed)`` on an executor, into parts.

- Work goes to any executor of `transition_sim.ensemble.executors` (this process, local
  processes, or a Dask cluster) in tasks of several runs, through `executors.map_ordered`:
  lazily, a few tasks per worker in flight, so memory does not grow with the experiment.
- Each run's seed comes from the plan (from the run's identity), never from the worker.
- Finished runs are stored as ``runs`` parts of the folder (`store.write_part`: fixed ranges of
  runs, each written atomically once complete); a run that raises is stored with its error.
  Each part's sha256 is recorded in the folder's ``.parts.json`` with the package's code
  (`store.open_ledger`). Running a plan again skips the parts recorded, so a job killed at any
  moment (even ``kill -9``) continues without duplicating a run, redoing at most the parts it
  had not finished; a recorded part that changed since, or other code, is refused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from transition_sim.ensemble import store
from transition_sim.ensemble.executors import TaskExecutor, map_ordered
from transition_sim.studies.models import RunFn

# One run as it comes back from a worker: point, replication, seed, outcome, metrics, error.
Row = tuple[int, int, int, str | None, dict[str, float] | None, str | None]
# What a task runs: for each point, its inputs and its (replication, seed) pairs.
Payload = list[tuple[int, Any, list[tuple[int, int]]]]
ProgressFn = Callable[[int, int], None]

KEYS = ("point", "replication", "seed")
TASK_SECONDS = 2.0  # aim for tasks this long: long enough to amortise the overhead of a task
PARTS = 64  # a plan is stored in about this many parts ...
PART_MAX = 2_000  # ... of at most this many runs

__all__ = ["TABLE", "EngineError", "Plan", "part_size", "run_batch", "run_plan"]


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


TABLE = "runs"  # the folder's table of runs: FOLDER/runs/part-INDEX.parquet
LEDGER = ".parts.json"  # the parts finished, with their sha256, and the code that ran them


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

    def __init__(self, folder: Path, plan: Plan, size: int) -> None:
        self.folder = folder
        self.plan = plan
        self.size = size
        self.rows: dict[int, list[Row]] = {}
        self.waiting: list[int] = []  # complete parts held until the metrics are known
        parts = sorted(store.finished_parts(folder))
        schema = pq.read_schema(store.part_path(folder, TABLE, parts[0])) if parts else None
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
            table = self._table(self.rows.pop(index), self.metrics or [])
            store.write_part(self.folder, index, {TABLE: table})
            store.record_part(self.folder, index, [TABLE], LEDGER)
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


def run_plan(
    plan: Plan,
    folder: Path,
    executor: TaskExecutor,
    progress: ProgressFn | None = None,
    batch_size: int | None = None,
) -> int:
    """Run every part of ``plan`` not yet stored in ``folder``; return how many runs were
    made now.

    Runs are numbered ``point * replications + replication`` and stored in parts of
    `part_size` consecutive runs. The first run is made here, to fail fast and to time a run:
    tasks take about `TASK_SECONDS` each unless ``batch_size`` is given (they never straddle
    parts). A part is written once all its runs are in; an interrupted job loses only the parts
    it had not finished.
    """
    size = part_size(plan.total)
    finished = store.open_ledger(folder, [TABLE], LEDGER)
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
    parts = _Parts(folder, plan, size)
    start = time.perf_counter()
    parts.add(run_batch(plan.fn, _payload(plan, todo[0][:1])))
    seconds = max(time.perf_counter() - start, 1e-6)
    done += 1
    if progress is not None:
        progress(done, plan.total)
    task = min(size, batch_size or _batch_size(seconds, remaining - 1, executor.workers))
    ranges = [todo[0][1:], *todo[1:]]
    payloads = (_payload(plan, r[i : i + task]) for r in ranges for i in range(0, len(r), task))

    def finished_task(rows: list[Row]) -> None:
        nonlocal done
        done += len(rows)
        if progress is not None:
            progress(done, plan.total)

    for rows in map_ordered(executor, partial(run_batch, plan.fn), payloads, on_done=finished_task):
        parts.add(rows)
    parts.write(final=True)
    return remaining


def _batch_size(seconds_per_run: float, runs: int, slots: int) -> int:
    """Runs per task: about `TASK_SECONDS` of work, but at least four tasks per slot (so no
    worker idles long at the end)."""
    by_time = int(TASK_SECONDS / seconds_per_run)
    by_balance = math.ceil(runs / (4 * slots)) if runs else 1
    return max(1, min(by_time, by_balance))
