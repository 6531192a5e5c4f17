"""The block kernel's CPU time alone: every `block_day` call of `-n` replications of the crowd
of blocks at point 1025 (1,000 people per agent, seed 20220105) is recorded (its inputs
copied), then replayed `--repeats` times on fresh copies; the least CPU time (process_time) of
a repeat, per replication. The least of several repeats is the time least disturbed by the
other processes on the machine (a shared one).

    uv run python experiments/session25/speed/kernel_replay.py [-n 4] [--repeats 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
from digest import POINT, scenario_for  # noqa: E402

from transition_sim.core import blocks  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402


def record(n: int) -> list[tuple]:
    calls = []
    kernel = blocks.block_day

    def spy(*args):
        calls.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        return kernel(*args)

    blocks.block_day = spy
    try:
        scenario = scenario_for(POINT, 1000)
        for i in range(n):
            simulate(scenario, replication_seed(20220105, i))
    finally:
        blocks.block_day = kernel
    return calls


def replay(calls: list[tuple]) -> float:
    fresh = [tuple(a.copy() if isinstance(a, np.ndarray) else a for a in c) for c in calls]
    kernel = blocks.block_day
    t0 = time.process_time()
    for args in fresh:
        kernel(*args)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    calls = record(args.n)
    times = [replay(calls) / args.n * 1000 for _ in range(args.repeats)]
    print(
        f"kernel CPU ms per replication: min {min(times):.1f}, median {np.median(times):.1f}"
        f" ({len(calls)} calls)"
    )


if __name__ == "__main__":
    main()
