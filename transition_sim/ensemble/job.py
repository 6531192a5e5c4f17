"""An ensemble written to a result folder as it runs: locked, staged in parts, resumable.

`run_to_folder` streams the ensemble's batches (`runner.stream`) into the parts of a staging
folder (`store`), then assembles and publishes the result folder. The parent holds at most the
tasks in flight and one part; replications already saved in parts by an interrupted run of the
same thing are not run again (``resume``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from transition_sim.ensemble import store
from transition_sim.ensemble.executors import TaskExecutor
from transition_sim.ensemble.runner import (
    Batch,
    Keep,
    ProgressFn,
    SimulateFn,
    counter,
    stream,
    task_size,
)
from transition_sim.ensemble.tables import stack
from transition_sim.ensemble.uncertainty import Uncertainty
from transition_sim.scenario.schema import Scenario

__all__ = ["ROWS_PER_PART", "part_size", "run_to_folder"]

# The rows of the largest table one part holds; the parent keeps at most one part in memory
# (about 30 MB of the baseline's timeseries). Parts are also the unit of resumption.
ROWS_PER_PART = 100_000
MIN_PARTS = 16  # so that even a small run resumes in steps


def part_size(scenario: Scenario, keep: Keep) -> int:
    """Replications per part, from the scenario's size (never from the workers: the files
    are the same whatever runs them)."""
    rows = scenario.days * (len(scenario.regions) + 1) if keep == "all" else 1
    per_part = max(1, ROWS_PER_PART // max(rows, 1))
    return max(1, min(per_part, math.ceil(scenario.replications / MIN_PARTS)))


def _parts(batches: Iterator[Batch], size: int, n: int) -> Iterator[tuple[int, list[Batch]]]:
    """Group consecutive batches into the parts they make up (tasks never straddle parts)."""
    group: list[Batch] = []
    for batch in batches:
        group.append(batch)
        index = batch.replications.start // size
        if batch.replications.stop == min((index + 1) * size, n):
            yield index, group
            group = []
    if group:
        raise RuntimeError("the last part's replications did not all come back")


def _tasks(parts: Iterable[range], chunk: int, workers: int, left: int) -> Iterator[range]:
    """The tasks of ``parts`` (``left`` replications in all): each part cut into tasks of about
    equal size, at most ``chunk`` (a part of 63 is 21 + 21 + 21, not 31 + 31 + 1); and, with
    several workers, smaller as the run nears its end, each at most a ``2 * workers``-th of
    what is left in the whole run, so that no worker idles long while another finishes a
    whole task (`runner.split` does the same within one range). Tasks never straddle parts.
    (It does not change any result: seeds and draws are per replication.)"""
    for part in parts:
        pieces = -(-len(part) // chunk)
        even = -(-len(part) // pieces) if pieces else 0
        start = part.start
        while start < part.stop:
            k = even if workers <= 1 else max(1, min(even, -(-left // (2 * workers))))
            k = min(k, part.stop - start)
            yield range(start, start + k)
            start += k
            left -= k


def _tables(group: list[Batch], keep: Keep) -> dict[str, pa.Table]:
    tables = {"runs": stack([b.runs for b in group])}
    if keep == "all":
        tables["timeseries"] = stack([b.timeseries for b in group if b.timeseries is not None])
        tables["events"] = stack([b.events for b in group if b.events is not None])
    return tables


def run_to_folder(
    scenario: Scenario,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    executor: TaskExecutor | None = None,
    keep: Keep = "all",
    force: bool = False,
    resume: bool = False,
    progress: ProgressFn | None = None,
    simulate_fn: SimulateFn | None = None,
    command: Sequence[str] | None = None,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """Run ``scenario.replications`` replications of ``scenario`` (seeded by ``scenario.seed``;
    see `runner.resolve`) into the result folder ``out``, and return its summary.

    ``out`` is checked and locked before anything runs (`store.OutputError`,
    `lock.LockedError`). With ``resume``, an interrupted run of the same scenario, seed,
    replications and ``keep`` is continued. ``progress(done, total)`` counts saved
    replications too. On any exception, interrupts included, the workers are stopped and the
    parts saved so far stay in the staging folder for ``resume``.
    """
    out = store.output_path(out, force=force)
    store.refuse_current_folder(out)
    n = scenario.replications
    size = part_size(scenario, keep)
    with store.lock_output(out):
        store.check_output_dir(out, force=force, resume=resume)
        identity = store.run_identity(scenario, keep, size, uncertainty)
        staging, finished = store.open_staging(out, identity, resume=resume)
        n_parts = math.ceil(n / size)

        def replications(index: int) -> range:
            return range(index * size, min((index + 1) * size, n))

        done = sum(len(replications(i)) for i in finished)
        advance = counter(progress, n, done)
        if progress is not None and not done:
            progress(0, n)  # show the bar before the first, slower, replication
        todo = (i for i in range(n_parts) if i not in finished)
        workers = max(1, min(workers, n - done))  # no idle processes for a short remainder
        chunk = min(size, task_size(n - done, workers))
        tasks = _tasks((replications(i) for i in todo), chunk, workers, n - done)
        with stream(
            scenario,
            scenario.seed,
            tasks,
            workers=workers,
            scheduler=scheduler,
            executor=executor,
            simulate_fn=simulate_fn,
            keep=keep,
            on_finished=advance,
            uncertainty=uncertainty,
        ) as batches:
            for index, group in _parts(batches, size, n):
                tables = _tables(group, keep)
                store.write_part(staging, index, tables)
                store.record_part(staging, index, tables)
        return store.finish(
            staging,
            out,
            scenario,
            range(n_parts),
            keep=keep,
            command=command,
            uncertainty=uncertainty,
        )
