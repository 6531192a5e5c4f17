"""The block kernel alone, on recorded inputs: every `block_day` call of `-n` replications of
the shipped baseline (point 1025, `--ppa` people per agent: 2,000 is scenarios/kazakhstan_2022.yaml
itself; seeds `replication_seed(20220105, i)`) is recorded (its inputs copied), then replayed
`--repeats` times on fresh copies. Prints the least and the median CPU time (process_time) per
replication, and a digest of everything the replayed calls return and write (their statistics and
every array argument after the call): two kernels that print the same replay digest did the
same work bit for bit on these inputs (the blocks digests are the full check).

    uv run python experiments/session27/kern/replay.py [--ppa 2000] [-n 4] [--repeats 7]
"""

from __future__ import annotations

import argparse
import hashlib
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


def record(n: int, ppa: int, first: int = 0) -> list[tuple]:
    calls = []
    kernel = blocks.block_day

    def spy(*args):
        calls.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        return kernel(*args)

    blocks.block_day = spy
    try:
        scenario = scenario_for(POINT, ppa)
        for i in range(first, first + n):
            simulate(scenario, replication_seed(20220105, i))
    finally:
        blocks.block_day = kernel
    return calls


ROWS = 23  # `block_day`'s argument `rows` (session 27): scratch, made afresh, not hashed


def fresh(calls: list[tuple], nargs: int = 99) -> list[tuple]:
    """Copies of the recorded calls' arguments (the first `nargs`: a kernel before session 27
    takes 23); `rows` is made by `block_rows` (aligned), not copied."""
    out = []
    for c in calls:
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in c[:nargs]]
        if len(args) > ROWS:
            args[ROWS] = blocks.block_rows(c[ROWS].shape[0])
        out.append(tuple(args))
    return out


def replay(calls: list[tuple]) -> float:
    args = fresh(calls)
    kernel = blocks.block_day
    t0 = time.process_time()
    for a in args:
        kernel(*a)
    return time.process_time() - t0


def replay_digest(calls: list[tuple]) -> str:
    h = hashlib.sha256()
    for a in fresh(calls):
        h.update(blocks.block_day(*a).tobytes())
        for x in a[:ROWS]:
            if isinstance(x, np.ndarray):
                h.update(np.ascontiguousarray(x).tobytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=4)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--ppa", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    calls = record(args.n, args.ppa, args.first)
    times = [replay(calls) / args.n * 1000 for _ in range(args.repeats)]
    print(
        f"ppa {args.ppa}: kernel CPU ms per replication: min {min(times):.2f},"
        f" median {np.median(times):.2f} ({len(calls)} calls, {args.n} replications,"
        f" {args.repeats} repeats)"
    )
    print("replay digest", replay_digest(calls))


if __name__ == "__main__":
    main()
