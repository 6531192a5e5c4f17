"""Time `run_ensemble` on a scenario file: replications per second, with the machine's context.

    uv run python benchmarks/bench_ensemble.py scenarios/kazakhstan_2022.yaml -n 1000 -w 2
    uv run python benchmarks/bench_ensemble.py scenarios/kazakhstan_2022.yaml --json

A script, not a test: numbers depend on the machine, so they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

import transition_sim
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("-n", "--replications", type=int, default=None, help="default: scenario's")
    parser.add_argument("-w", "--workers", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: scenario's)")
    parser.add_argument("--json", action="store_true", help="print one JSON record")
    return parser.parse_args(argv)


def bench(path: Path, replications: int | None, workers: int, seed: int | None) -> dict[str, Any]:
    """Run the ensemble once and describe how long it took and where."""
    scenario = load_scenario(path)
    n = scenario.replications if replications is None else replications
    start = time.perf_counter()
    ensemble = run_ensemble(scenario, n, seed, workers=workers)
    wall = time.perf_counter() - start
    return {
        "scenario": scenario.name,
        "file": str(path),
        "replications": n,
        "workers": workers,
        "seed": ensemble.base_seed,
        "days": scenario.days,
        "wall_seconds": round(wall, 4),
        "replications_per_second": round(n / wall, 3),
        "transition_sim": transition_sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    record = bench(args.scenario, args.replications, args.workers, args.seed)
    if args.json:
        print(json.dumps(record))
        return
    print(
        f"{record['scenario']}: {record['replications']} replications x {record['days']} days,"
        f" {record['workers']} worker(s)"
    )
    print(f"  wall time       {record['wall_seconds']:.2f} s")
    print(f"  throughput      {record['replications_per_second']:.2f} replications/s")
    print(f"  python {record['python']}, numpy {record['numpy']}, {record['cpu_count']} CPUs")


if __name__ == "__main__":
    main()
