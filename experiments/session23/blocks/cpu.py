"""CPU ms per replication of a calibrated blocks baseline against the agents' baseline, by
benchmarks/bench_blocks.py's method: in a fresh subprocess, one warm-up replication, then `-n`
replications at point values (seed 1, one worker, `keep="summary"`), the process's CPU time
(time.process_time), `--repeats` times; medians. Also session 19's blocks point as bench_blocks
builds it (`blocks_baseline`), the bench's own reference.

    uv run python experiments/session23/blocks/cpu.py POINT.json [-n 40] [--repeats 3] > OUT.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CODE = """
import json, sys, time
sys.path.insert(0, sys.argv[3]); sys.path.insert(0, sys.argv[4])
from bench_blocks import blocks_baseline
from calibrate_kazakhstan import with_overrides
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate

shipped = load_scenario(sys.argv[1])
n = int(sys.argv[2])
point = json.loads(open(sys.argv[5]).read())
out = {}
for name, sc in (("blocks_point", with_overrides(shipped, point)),
                 ("blocks_s19", blocks_baseline(shipped)), ("agents", shipped)):
    simulate(sc, 0)  # warm-up: imports, compiled code, caches
    cpu = time.process_time()
    runs = run_ensemble(sc, n, 1, workers=1, keep="summary").runs
    out[name] = (time.process_time() - cpu) / n * 1000
    out[name + "_outcomes"] = runs["outcome"].value_counts().to_dict()
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("point", type=Path)
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run(
            [sys.executable, "-c", CODE, str(ROOT / "scenarios" / "kazakhstan_2022.yaml"),
             str(args.n), str(ROOT / "benchmarks"), str(ROOT / "experiments" / "calibration"),
             str(args.point.resolve())],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(runs[-1], file=sys.stderr, flush=True)
    medians = {k: statistics.median(r[k] for r in runs) for k in ("blocks_point", "blocks_s19",
                                                                   "agents")}  # fmt: skip
    result = {
        "point": str(args.point),
        "n": args.n,
        "repeats": args.repeats,
        "median_cpu_ms": medians,
        "blocks_point_over_agents": medians["blocks_point"] / medians["agents"],
        "blocks_point_1000_on_2_cores_s": medians["blocks_point"] / 2,
        "runs": runs,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
