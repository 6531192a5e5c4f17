"""Ensembles: run a scenario many times, summarize the outcomes, store the results.

- `runner`: seeded replications streamed back in order (`run_ensemble` in memory);
- `executors`: where tasks run (serial, local processes, Dask) and how they stop;
- `job`: an ensemble written to a result folder as it runs, resumable;
- `store`: result folders that never lie, built from a chunk store of parquet parts;
- `lock`: the lock on an output folder; `tables`: Arrow tables of runs;
- `summary`: outcome shares with intervals, metric quantiles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transition_sim.lazy import lazy_getattr

# Names are imported on first use (PEP 562): `import transition_sim.ensemble.executors`, which
# the command line needs at start, must not pull in pandas and pyarrow with the rest.
_MODULES = {
    "Interrupted": "executors",
    "open_executor": "executors",
    "run_to_folder": "job",
    "Ensemble": "runner",
    "replication_seed": "runner",
    "run_ensemble": "runner",
    "run_one": "runner",
    "OutputError": "store",
    "OutputExistsError": "store",
    "check_output_dir": "store",
    "verify_manifest": "store",
    "write_results": "store",
    "render_summary": "summary",
    "summarize": "summary",
    "summarize_runs": "summary",
    "wilson_interval": "summary",
}

if TYPE_CHECKING:
    from transition_sim.ensemble.executors import Interrupted, open_executor
    from transition_sim.ensemble.job import run_to_folder
    from transition_sim.ensemble.runner import Ensemble, replication_seed, run_ensemble, run_one
    from transition_sim.ensemble.store import (
        OutputError,
        OutputExistsError,
        check_output_dir,
        verify_manifest,
        write_results,
    )
    from transition_sim.ensemble.summary import (
        render_summary,
        summarize,
        summarize_runs,
        wilson_interval,
    )


__getattr__ = lazy_getattr(__name__, _MODULES)

__all__ = [
    "Ensemble",
    "Interrupted",
    "OutputError",
    "OutputExistsError",
    "check_output_dir",
    "open_executor",
    "render_summary",
    "replication_seed",
    "run_ensemble",
    "run_one",
    "run_to_folder",
    "summarize",
    "summarize_runs",
    "verify_manifest",
    "wilson_interval",
    "write_results",
]
