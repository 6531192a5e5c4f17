"""CPU time of whole replications of the shipped baseline (point 1025; `--ppa` people per agent,
2,000 is scenarios/kazakhstan_2022.yaml itself), split in the block kernel (`blocks.block_day`,
timed around each call) and the rest: `-n` replications (seeds `replication_seed(20220105, i)`)
after a warm-up one, process_time, in this process. Runs whatever `transition_sim` is first on
the path (an older tree: ``PYTHONPATH=OLD``). Prints one JSON line.

    uv run python experiments/session27/kern/split.py [--ppa 2000] [-n 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
from digest import POINT, scenario_for  # noqa: E402

import transition_sim  # noqa: E402
from transition_sim.core import blocks  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--ppa", type=int, default=2000)
    args = ap.parse_args()
    scenario = scenario_for(POINT, args.ppa)
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
    tree = str(Path(transition_sim.__file__).parents[1])
    print(json.dumps({"tree": tree, "ppa": args.ppa, "n": args.n, "total_ms": round(total, 2),
                      "kernel_ms": round(k, 2), "rest_ms": round(total - k, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
