"""CPU time of a replication of the crowd of blocks at point 1025 (1,000 people per agent, seed
20220105) split in the block kernel (`block_day`, timed around each call) and the rest: `-n`
replications after a warm-up one, process_time, in this process.

    uv run python experiments/session25/speed/split.py [-n 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
from digest import POINT, scenario_for  # noqa: E402

from transition_sim.core import blocks  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30)
    args = ap.parse_args()
    scenario = scenario_for(POINT, 1000)
    simulate(scenario, 0)
    kernel, spent = blocks.block_day, [0.0]

    def timed(*a):
        t0 = time.process_time()
        out = kernel(*a)
        spent[0] += time.process_time() - t0
        return out

    blocks.block_day = timed
    t0 = time.process_time()
    for i in range(args.n):
        simulate(scenario, replication_seed(20220105, i))
    total = (time.process_time() - t0) / args.n * 1000
    k = spent[0] / args.n * 1000
    print(f"CPU ms per replication: total {total:.1f}, block kernel {k:.1f}, rest {total - k:.1f}")


if __name__ == "__main__":
    main()
