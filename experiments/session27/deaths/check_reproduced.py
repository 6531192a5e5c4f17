"""Do main's runs still give session 24's and 25's rows? A few replications at each resolution
(the first ones and some from session 25's runs), compared on outcome, deaths and detentions,
before any new run was added to them.

    uv run python experiments/session27/deaths/check_reproduced.py
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "experiments" / "session24" / "resolution"), str(ROOT / "benchmarks")]
from runs import replication_row, scenario_for  # noqa: E402

POINT = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"
OLD = ["experiments/session24/deaths/runs.csv", "experiments/session25/deaths/runs_main.csv"]
CHECKED = {2000: [0, 1, 2, 10600], 1000: [0, 1, 10600], 500: [0, 1, 4400, 10600]}


def main() -> None:
    old = {}
    for f in OLD:
        with open(ROOT / f) as fh:
            for r in csv.DictReader(fh):
                old[(int(r["people_per_agent"]), int(r["replication"]))] = r
    for ppa, reps in CHECKED.items():
        scenario = scenario_for(POINT, ppa)
        for i in reps:
            t = time.process_time()
            row, was = replication_row(scenario, ppa, i, 20220105), old[(ppa, i)]
            same = row["outcome"] == was["outcome"] and all(
                float(row[k]) == float(was[k]) for k in ("deaths", "detained")
            )
            print(ppa, i, "same" if same else "DIFFERENT", row["deaths"], was["deaths"],
                  f"{time.process_time() - t:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
