"""Time sweeps and measure their peak memory: runs per second on local processes and on a local
Dask cluster, and the peak memory of a 100,000-run sweep.

    uv run python benchmarks/bench_sweep.py                  # every case below, one JSON line each
    uv run python benchmarks/bench_sweep.py --case ishigami-100k-local

Each case runs in a fresh process (so its peak memory is its own) and prints one JSON record.
The 100,000-run cases use a cheap test function, the Ishigami function with noise (10,000 Latin
hypercube points x 10 replications), through the same engine, storage and seeding as the model;
the ``model-*`` cases run the Kazakhstan baseline itself. Peak memory is the largest resident
set of the parent process and of any one worker (``ru_maxrss``; for Dask, the workers' peak as
psutil samples it). A script, not a test: numbers depend on the machine, so they are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PI = 3.141592653589793

CASES: dict[str, dict[str, Any]] = {
    # name: points, replications, model, executor
    "ishigami-10k-local": {"points": 1_000, "reps": 10, "model": "ishigami", "executor": "local"},
    "ishigami-100k-local": {"points": 10_000, "reps": 10, "model": "ishigami", "executor": "local"},
    "ishigami-100k-dask": {"points": 10_000, "reps": 10, "model": "ishigami", "executor": "dask"},
    "ishigami-1m-local": {"points": 100_000, "reps": 10, "model": "ishigami", "executor": "local"},
    "model-local": {"points": 20, "reps": 10, "model": "transition", "executor": "local"},
    "model-dask": {"points": 20, "reps": 10, "model": "transition", "executor": "dask"},
}


OPTIONAL = {"ishigami-1m-local"}  # run with --case: a million runs take a few minutes


def spec_text(case: dict[str, Any]) -> str:
    if case["model"] == "ishigami":
        head = "model: transition_sim.studies.models:ishigami\nfixed: {noise: 1.0}\n"
        params = "".join(f"  - {{path: x{i}, bounds: [{-PI}, {PI}]}}\n" for i in (1, 2, 3))
    else:
        head = f"scenario: {ROOT / 'scenarios' / 'kazakhstan_2022.yaml'}\n"
        params = "  - {path: patron.cost, bounds: [0, 0.5]}\n"
    return (
        f"name: bench\n{head}design: {{method: lhs, samples: {case['points']}}}\n"
        f"replications: {case['reps']}\nseed: 1\nparameters:\n{params}"
    )


def _peak_of(pids: list[int], peak: dict[str, int], stop: threading.Event) -> None:
    """Sample the resident set of processes ``pids`` (Dask workers) until ``stop``."""
    import psutil

    while not stop.wait(0.2):
        for pid in pids:
            with contextlib.suppress(psutil.Error):  # a worker that has just exited
                peak["worker"] = max(peak["worker"], psutil.Process(pid).memory_info().rss)


def run_case(name: str, workers: int) -> dict[str, Any]:
    from transition_sim.studies.spec import load_spec
    from transition_sim.studies.studies import run_sweep
    from transition_sim.studies.sweep import prepare

    case = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(spec_text(case), encoding="utf-8")
        start = time.perf_counter()
        exp = prepare(load_spec(spec))
        prepared = time.perf_counter() - start
        peak = {"worker": 0}
        if case["executor"] == "dask":
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                pids = [w.process.pid for w in cluster.workers.values()]
                stop = threading.Event()
                sampler = threading.Thread(target=_peak_of, args=(pids, peak, stop), daemon=True)
                sampler.start()
                start = time.perf_counter()
                result = run_sweep(exp, Path(tmp) / "out", scheduler=cluster.scheduler_address)
                wall = time.perf_counter() - start
                stop.set()
        else:
            start = time.perf_counter()
            result = run_sweep(exp, Path(tmp) / "out", workers=workers)
            wall = time.perf_counter() - start
            peak["worker"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {
        "case": name,
        "runs": result.runs,
        "failed": result.failed,
        "workers": workers,
        "executor": case["executor"],
        "prepare_seconds": round(prepared, 2),
        "wall_seconds": round(wall, 2),
        "runs_per_second": round(result.runs / wall, 1),
        "peak_rss_parent_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_worker_mb": round(peak["worker"] / 2**20, 1),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), help="run one case (default: all)")
    parser.add_argument("-w", "--workers", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.workers)), flush=True)
        return
    for name in CASES:  # each in a fresh process, so that peak memory is the case's own
        if name in OPTIONAL:
            continue
        command = [sys.executable, __file__, "--case", name, "-w", str(args.workers)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
