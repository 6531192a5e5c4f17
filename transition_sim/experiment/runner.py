"""Run a scenario many times: seeded replications, optionally over a process pool.

Each replication's seed is derived from the run's identity (base seed, replication index), never
from the worker that happens to execute it, and results are put back in replication order. So an
ensemble is the same table whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import RunResult, simulate

SimulateFn = Callable[[Scenario, int], RunResult]
ProgressFn = Callable[[int, int], None]

# (replication, seed, result) for one finished replication.
Finished = tuple[int, int, RunResult]

__all__ = [
    "Ensemble",
    "ProgressFn",
    "SimulateFn",
    "replication_seed",
    "run_ensemble",
    "run_one",
]


@dataclass(frozen=True)
class Ensemble:
    """All replications of one scenario, as tables ordered by replication.

    - ``runs``: one row per replication: ``replication, seed, outcome``, then one column per
      metric (NaN where a metric does not apply to a run).
    - ``timeseries`` / ``events``: every run's table stacked, with a leading ``replication``.
    - ``scenario``: the scenario as run, with ``replications`` and ``seed`` set to the values
      actually used, so that it reproduces this ensemble on its own.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    events: pd.DataFrame
    seeds: list[int]
    scenario: Scenario
    base_seed: int

    @property
    def replications(self) -> int:
        return len(self.seeds)


def replication_seed(base_seed: int, replication: int) -> int:
    """The seed of replication ``replication`` of an ensemble seeded with ``base_seed``.

    ``SeedSequence`` hashes the pair, so neighbouring replications (and neighbouring base seeds)
    get unrelated streams. The result is 63 bits rather than 32 so that seeds of large ensembles
    practically never collide (32 bits would give a birthday collision about once per 10^5
    replications), while still fitting a signed int64 column in parquet and an exact JSON number.
    """
    if base_seed < 0 or replication < 0:
        raise ValueError("base_seed and replication must be non-negative")
    state = np.random.SeedSequence([base_seed, replication]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def run_one(
    scenario: Scenario, replication: int, base_seed: int, simulate_fn: SimulateFn
) -> Finished:
    """Run a single replication; top-level so that a process pool can pickle it."""
    seed = replication_seed(base_seed, replication)
    return replication, seed, simulate_fn(scenario, seed)


def _run_chunk(
    scenario: Scenario, replications: Sequence[int], base_seed: int, simulate_fn: SimulateFn
) -> list[Finished]:
    """Run several replications in one task, to amortize pickling the scenario and results."""
    return [run_one(scenario, r, base_seed, simulate_fn) for r in replications]


def _chunks(first: int, n: int, workers: int) -> list[list[int]]:
    """Split ``range(first, n)`` into contiguous chunks, about sixteen per worker: small enough
    that no worker idles long at the end, large enough to amortize sending the scenario."""
    size = max(1, min(32, (n - first) // (workers * 16)))
    return [list(range(start, min(start + size, n))) for start in range(first, n, size)]


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork where available: workers inherit the loaded code (and any test double) for free."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextmanager
def _fork_warning_filtered() -> Iterator[None]:
    """Silence Python 3.12's fork-with-threads warning when only native threads exist.

    numpy's BLAS and Arrow start native thread pools at import, so the warning would fire on
    every run; those libraries are fork-aware, and the workers only simulate and return values.
    The warning is kept when the caller has started Python threads, the case it is about.
    """
    with warnings.catch_warnings():
        if threading.active_count() == 1:
            warnings.filterwarnings(
                "ignore",
                message=r".*use of fork\(\) may lead to deadlocks",
                category=DeprecationWarning,
            )
        yield


def _run_serial(
    scenario: Scenario,
    n: int,
    base_seed: int,
    simulate_fn: SimulateFn,
    progress: ProgressFn | None,
) -> list[Finished]:
    finished = []
    for replication in range(n):
        finished.append(run_one(scenario, replication, base_seed, simulate_fn))
        if progress is not None:
            progress(replication + 1, n)
    return finished


def _run_pool(
    scenario: Scenario,
    n: int,
    base_seed: int,
    simulate_fn: SimulateFn,
    progress: ProgressFn | None,
    workers: int,
) -> list[Finished]:
    """Run replication 0 here, then the rest on a pool of forked workers.

    The first run fails fast on a broken model, and the workers forked after it inherit what it
    imported and cached (importing the model alone takes seconds, once rather than per worker).
    """
    finished = _run_serial(scenario, 1, base_seed, simulate_fn, None)
    if progress is not None:
        progress(1, n)
    with (
        _fork_warning_filtered(),
        ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool,
    ):
        pending: set[Future[list[Finished]]] = {
            pool.submit(_run_chunk, scenario, chunk, base_seed, simulate_fn)
            for chunk in _chunks(1, n, workers)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finished.extend(future.result())
            if progress is not None:
                progress(len(finished), n)
    return sorted(finished, key=lambda item: item[0])


def _stack(tables: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """Concatenate per-run tables, each tagged with a leading ``replication`` column."""
    tagged = []
    for replication, table in tables:
        table = table.copy()
        table.insert(0, "replication", replication)
        tagged.append(table)
    non_empty = [t for t in tagged if len(t)]
    if not non_empty:  # keep the columns even when no run produced a row
        return tagged[0].reset_index(drop=True) if tagged else pd.DataFrame({"replication": []})
    return pd.concat(non_empty, ignore_index=True)


def _runs_table(finished: list[Finished]) -> pd.DataFrame:
    """One row per replication; metric columns in first-seen order, NaN where a run lacks one."""
    names: dict[str, None] = {}
    for _, _, result in finished:
        names.update(dict.fromkeys(result.metrics))
    rows = {
        "replication": [r for r, _, _ in finished],
        "seed": [s for _, s, _ in finished],
        "outcome": [res.outcome for _, _, res in finished],
    }
    table = pd.DataFrame(rows).astype({"replication": "int64", "seed": "int64", "outcome": str})
    for name in names:
        values = [float(res.metrics.get(name, np.nan)) for _, _, res in finished]
        table[name] = np.asarray(values, dtype="float64")
    return table


def run_ensemble(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: ProgressFn | None = None,
    simulate_fn: SimulateFn | None = None,
) -> Ensemble:
    """Run ``replications`` seeded replications of ``scenario`` (defaults: the scenario's own).

    ``workers`` > 1 runs them on a process pool; the result is identical either way.
    ``progress(done, total)`` is called in this process as replications finish.
    ``simulate_fn`` defaults to `transition_sim.simulate.simulate` (looked up at call time);
    with a pool it must be picklable, i.e. a module-level function.
    """
    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1 (got {n})")
    if base_seed < 0:
        raise ValueError(f"seed must be non-negative (got {base_seed})")
    fn = simulate if simulate_fn is None else simulate_fn
    resolved = scenario
    if (scenario.replications, scenario.seed) != (n, base_seed):
        resolved = scenario.model_copy(update={"replications": n, "seed": base_seed})
    workers = max(1, min(workers, n))
    if workers == 1:
        finished = _run_serial(resolved, n, base_seed, fn, progress)
    else:
        finished = _run_pool(resolved, n, base_seed, fn, progress, workers)
    return Ensemble(
        runs=_runs_table(finished),
        timeseries=_stack([(r, res.timeseries) for r, _, res in finished]),
        events=_stack([(r, res.events) for r, _, res in finished]),
        seeds=[s for _, s, _ in finished],
        scenario=resolved,
        base_seed=base_seed,
    )
