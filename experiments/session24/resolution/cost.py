"""Where a blocks replication's CPU time goes, by resolution: the block kernel (`block_day`, timed
around each call of `BlockCrowd.step`) against the rest (the model's Python day, building).

    uv run python experiments/session24/resolution/cost.py OUT.json [--n 20] \
        [--resolutions 4000 2000 1000 500]

Replications 100000.. of seed 20220105 (not the resolution runs'), after one warm-up run;
process_time. Per resolution: CPU ms per replication in all, in the kernel, elsewhere; blocks
and units per replication (the kernel's turns), kernel calls.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runs import POINT, scenario_for

from transition_sim.core import blocks
from transition_sim.ensemble.seeds import replication_seed
from transition_sim.simulate import simulate

KERNEL = {"s": 0.0, "calls": 0, "blocks": 0, "units": 0}
_step = blocks.BlockCrowd.step


def timed_step(self, rules, contagion=None):
    t = time.process_time()
    out = _step(self, rules, contagion)
    KERNEL["s"] += time.process_time() - t
    KERNEL["calls"] += 1
    KERNEL["blocks"] += self.n
    KERNEL["units"] += self.m
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--resolutions", type=int, nargs="+", default=[4000, 2000, 1000, 500])
    args = ap.parse_args()
    blocks.BlockCrowd.step = timed_step
    result = {}
    for ppa in args.resolutions:
        sc = scenario_for(POINT, ppa)
        simulate(sc, 1)
        for k in KERNEL:
            KERNEL[k] = 0
        t = time.process_time()
        for i in range(args.n):
            simulate(sc, replication_seed(20220105, 100000 + i))
        total = (time.process_time() - t) / args.n
        result[str(ppa)] = {
            "replications": args.n,
            "cpu_ms_per_replication": 1e3 * total,
            "kernel_ms": 1e3 * KERNEL["s"] / args.n,
            "elsewhere_ms": 1e3 * (total - KERNEL["s"] / args.n),
            "kernel_calls": KERNEL["calls"] / args.n,
            "block_turns": KERNEL["blocks"] / args.n,
            "unit_turns": KERNEL["units"] / args.n,
            "kernel_ns_per_block_turn": 1e9 * KERNEL["s"] / KERNEL["blocks"],
        }
        print(ppa, json.dumps(result[str(ppa)]), flush=True)
    with open("/proc/loadavg") as fh:
        result["loadavg_at_end"] = fh.read().split()[:3]
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
