"""One long-lived process running ../resolution/runs.py's replications in chunks, over one or
more phases, each phase alternating its resolutions chunk by chunk (so a stop leaves the same
replications at each), appending to its own CSV (runs.py's columns; resumable). It stops at the
deadline (wall clock, HH:MM) before starting a replication.

    uv run python experiments/session24/deaths/worker.py OUT.csv --phase 1000@0-6000 \
        --phase 2000,1000@6000-20000 --chunk 500 --deadline 10:34 [--point P] [--seed S]

Same rows as runs.py (replication i has seed replication_seed(seed, i) at every resolution);
one process instead of one per chunk, so the kernel's cache is loaded once.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np

# helper R's runs.py (../resolution/): the scenario at a resolution and one replication's row
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "resolution"))
from runs import FIELDS, replication_row, scenario_for

POINT = Path(__file__).resolve().parent / "point_1025_guard0.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--phase", action="append", required=True, metavar="PPA[,PPA]@START-STOP")
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--deadline", required=True, metavar="HH:MM")
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--point", type=Path, default=POINT)
    args = ap.parse_args()
    hh, mm = map(int, args.deadline.split(":"))
    deadline = dt.datetime.now().replace(hour=hh, minute=mm, second=0, microsecond=0)
    scenarios = {}
    done = set()
    if args.out.exists():
        with args.out.open() as fh:
            done = {(int(r["people_per_agent"]), int(r["replication"])) for r in csv.DictReader(fh)}
    new = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        if new:
            w.writeheader()
        for phase in args.phase:
            ppas_s, rng_s = phase.split("@")
            ppas = [int(p) for p in ppas_s.split(",")]
            first, last = map(int, rng_s.split("-"))
            for start in range(first, last, args.chunk):
                for ppa in ppas:
                    if ppa not in scenarios:
                        scenarios[ppa] = scenario_for(args.point, ppa)
                    scenario = scenarios[ppa]
                    for i in range(start, min(start + args.chunk, last)):
                        if (ppa, i) in done:
                            continue
                        if dt.datetime.now() >= deadline:
                            return
                        w.writerow(replication_row(scenario, ppa, i, args.seed))
                        fh.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
