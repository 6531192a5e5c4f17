"""Run a scenario many times: seeded replications, streamed back in replication order.

Each replication's seed is derived from the run's identity (base seed, replication index), never
from the worker that happens to execute it, and results come back in replication order. So an
ensemble is the same table whatever the number of workers or the executor.

The work is cut into tasks, contiguous ranges of replications. A task runs in a worker and
returns a `Batch`: its runs, timeseries and events as Arrow tables (columns, not DataFrames).
`stream` submits tasks lazily, with a bounded number in flight, and yields batches in order
through a bounded reorder buffer (`executors.map_ordered`), so the memory it needs does not
grow with the number of replications. `run_ensemble` collects a stream into in-memory
tables; `job.run_to_folder` writes one to disk as it comes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from transition_sim.core.results import RunResult
from transition_sim.ensemble.executors import TaskExecutor, map_ordered, open_executor
from transition_sim.ensemble.seeds import replication_seed
from transition_sim.ensemble.tables import replication_column, runs_table, stack
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, first_of_draw
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

if TYPE_CHECKING:
    import pandas as pd

SimulateFn = Callable[[Scenario, int], RunResult]
ProgressFn = Callable[[int, int], None]
Keep = Literal["all", "summary"]
KEEP: tuple[Keep, ...] = ("all", "summary")

# (replication, seed, result) for one finished replication.
Finished = tuple[int, int, RunResult]

__all__ = [
    "KEEP",
    "Batch",
    "Ensemble",
    "Keep",
    "ProgressFn",
    "SimulateFn",
    "counter",
    "replication_seed",
    "resolve",
    "run_batches",
    "run_ensemble",
    "run_one",
    "run_task",
    "split",
    "stream",
]


@dataclass(frozen=True)
class Ensemble:
    """All replications of one scenario, as tables ordered by replication.

    - ``runs``: one row per replication: ``replication, seed, outcome``, then one column per
      metric (NaN where a metric does not apply to a run).
    - ``timeseries`` / ``events``: every run's table stacked, with a leading ``replication``
      (no rows when only summaries were kept).
    - ``scenario``: the scenario as run, with ``replications`` and ``seed`` set to the values
      actually used, so that it reproduces this ensemble on its own.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    events: pd.DataFrame
    seeds: list[int]
    scenario: Scenario
    base_seed: int
    uncertainty: Uncertainty | None = None  # None: point values

    @property
    def replications(self) -> int:
        return len(self.seeds)


@dataclass(frozen=True)
class Batch:
    """The results of a contiguous range of replications, as Arrow tables.

    ``timeseries`` and ``events`` are None when only summaries are kept.
    """

    replications: range
    runs: pa.Table
    timeseries: pa.Table | None
    events: pa.Table | None


def run_one(
    scenario: Scenario,
    replication: int,
    base_seed: int,
    simulate_fn: SimulateFn,
    uncertainty: Uncertainty | None = None,
) -> Finished:
    """Run a single replication with its derived seed (and, with ``uncertainty``, the
    parameters of its draw: `uncertainty.drawn_scenario`)."""
    seed = replication_seed(base_seed, replication)
    if uncertainty is not None:
        first = first_of_draw(replication, uncertainty.seeds_per_draw)
        scenario = drawn_scenario(scenario, replication_seed(base_seed, first), uncertainty)
    return replication, seed, simulate_fn(scenario, seed)


def run_task(
    scenario: Scenario,
    replications: range,
    base_seed: int,
    simulate_fn: SimulateFn,
    keep: Keep = "all",
    uncertainty: Uncertainty | None = None,
) -> Batch:
    """Run a range of replications (in a worker; top-level so that it pickles) as one batch."""
    finished = [run_one(scenario, r, base_seed, simulate_fn, uncertainty) for r in replications]
    runs = runs_table(
        [r for r, _, _ in finished],
        [s for _, s, _ in finished],
        [res.outcome for _, _, res in finished],
        [res.metrics for _, _, res in finished],
    )
    if keep == "summary":
        return Batch(replications, runs, None, None)
    return Batch(
        replications,
        runs,
        stack([replication_column(res.timeseries_table, r) for r, _, res in finished]),
        stack([replication_column(res.events_table, r) for r, _, res in finished]),
    )


def split(replications: range, size: int, workers: int = 0) -> Iterator[range]:
    """``replications`` in consecutive ranges of at most ``size``. With ``workers`` > 1, the
    last ranges shrink (each at most a ``2 * workers``-th of what is left), so that no worker
    idles long while another finishes a whole range at the end."""
    start, stop = replications.start, replications.stop
    while start < stop:
        k = size if workers <= 1 else max(1, min(size, -(-(stop - start) // (2 * workers))))
        yield range(start, min(start + k, stop))
        start += k


def task_size(replications: int, workers: int) -> int:
    """About sixteen tasks per worker, at most 32 replications each: small enough that no
    worker idles long at the end, large enough to amortize sending the scenario. (It does not
    change any result.)"""
    return max(1, min(32, replications // (workers * 16)))


@contextmanager
def stream(
    scenario: Scenario,
    base_seed: int,
    tasks: Iterable[range],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    executor: TaskExecutor | None = None,
    simulate_fn: SimulateFn | None = None,
    keep: Keep = "all",
    on_finished: Callable[[int], None] | None = None,
    uncertainty: Uncertainty | None = None,
) -> Iterator[Iterator[Batch]]:
    """The batches of ``tasks`` (ranges of replications), in order, as an iterator.

    The first replication runs here before any worker starts: a broken model fails fast, and
    forked workers inherit what it imported and compiled. The rest runs on ``executor``, or on
    one opened for ``workers`` processes or the Dask ``scheduler`` and closed on leaving the
    block (terminated if the block is left by an exception, an interrupt included).
    ``on_finished(k)`` is called here as each task's ``k`` replications finish (in any order).
    ``simulate_fn`` defaults to `simulate`, looked up at call time.
    """
    fn = simulate if simulate_fn is None else simulate_fn
    report = on_finished or (lambda k: None)
    tasks = iter(tasks)
    first = next(tasks, None)
    if first is None or len(first) == 0:
        yield iter(())
        return
    warm = run_task(scenario, first[:1], base_seed, fn, keep, uncertainty)
    report(1)
    rest = itertools.chain([first[1:]] if len(first) > 1 else [], tasks)
    with ExitStack() as stack_:
        if executor is None:
            executor = stack_.enter_context(open_executor(workers, scheduler))
        batches = map_ordered(
            executor,
            partial(
                run_task,
                scenario,
                base_seed=base_seed,
                simulate_fn=fn,
                keep=keep,
                uncertainty=uncertainty,
            ),
            rest,
            on_done=lambda batch: report(len(batch.replications)),
        )
        stack_.callback(batches.close)  # cancel what is still queued, before the pool closes
        yield itertools.chain([warm], batches)


def counter(progress: ProgressFn | None, total: int, done: int = 0) -> Callable[[int], None]:
    """An ``on_finished`` for `stream` that reports ``progress(done, total)`` as replications
    finish, counting from ``done`` (reported at once when not 0: a resumed run's saved ones)."""

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    if done:
        advance(0)
    return advance


def resolve(scenario: Scenario, replications: int | None, seed: int | None) -> Scenario:
    """``scenario`` with ``replications`` and ``seed`` set to the values a run uses (the
    scenario's own where None), checked; the same object if nothing changes."""
    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1 (got {n})")
    if base_seed < 0:
        raise ValueError(f"seed must be non-negative (got {base_seed})")
    if (scenario.replications, scenario.seed) == (n, base_seed):
        return scenario
    return scenario.model_copy(update={"replications": n, "seed": base_seed})


def _frame(tables: Sequence[pa.Table | None], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    kept = [t for t in tables if t is not None]
    if not kept:
        return pd.DataFrame({name: [] for name in columns})
    return stack(kept).to_pandas()


def run_batches(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: ProgressFn | None = None,
    simulate_fn: SimulateFn | None = None,
    *,
    scheduler: str | None = None,
    executor: TaskExecutor | None = None,
    keep: Keep = "all",
    uncertainty: Uncertainty | None = None,
) -> tuple[Scenario, list[Batch]]:
    """The scenario as run (`resolve`) and the batches of its replications in order: Arrow
    tables, no DataFrame (so without importing pandas). Arguments as for `run_ensemble`."""
    resolved = resolve(scenario, replications, seed)
    n, base_seed = resolved.replications, resolved.seed
    workers = max(1, min(workers, n))
    with stream(
        resolved,
        base_seed,
        split(range(n), task_size(n, workers), workers),
        workers=workers,
        scheduler=scheduler,
        executor=executor,
        simulate_fn=simulate_fn,
        keep=keep,
        on_finished=counter(progress, n),
        uncertainty=uncertainty,
    ) as batches:
        return resolved, list(batches)


def run_ensemble(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: ProgressFn | None = None,
    simulate_fn: SimulateFn | None = None,
    *,
    scheduler: str | None = None,
    executor: TaskExecutor | None = None,
    keep: Keep = "all",
    uncertainty: Uncertainty | None = None,
) -> Ensemble:
    """Run ``replications`` seeded replications of ``scenario`` (defaults: the scenario's own)
    and hold every table in memory, as DataFrames (for a result folder, see
    `job.run_to_folder`; for Arrow tables, `run_batches`, whose arguments these are).

    ``workers`` > 1 runs them on a process pool, ``scheduler`` on a Dask cluster, ``executor``
    on one the caller opened; the result is identical either way. ``progress(done, total)`` is
    called in this process as replications finish. ``simulate_fn`` defaults to
    `transition_sim.simulate.simulate` (looked up at call time); with a pool it must be
    picklable, i.e. a module-level function. ``keep="summary"`` keeps the runs table only.
    ``uncertainty`` draws each replication's parameters from priors (point values if None).
    """
    resolved, collected = run_batches(
        scenario,
        replications,
        seed,
        workers,
        progress,
        simulate_fn,
        scheduler=scheduler,
        executor=executor,
        keep=keep,
        uncertainty=uncertainty,
    )
    runs = stack([b.runs for b in collected]).to_pandas()
    return Ensemble(
        runs=runs,
        timeseries=_frame([b.timeseries for b in collected], ["replication"]),
        events=_frame([b.events for b in collected], ["replication"]),
        seeds=runs["seed"].tolist(),
        scenario=resolved,
        base_seed=resolved.seed,
        uncertainty=uncertainty,
    )
