"""Session 24's resolution test at point 1025 with session 25's added replications: the rows of
`../../session24/deaths/runs.csv` and of this folder's `runs_main.csv` (the same model, scenario,
seeds and row builder: `run_main.sh`), merged in memory (a replication in both must agree but
for its CPU time), then session 24's `resolution/analyse.py` `one_set` on each set (the same
computation and seed, 20241206), written to `analysis.json`; then session 24's
`deaths/report.py` tables from it (markdown, printed).

    uv run python experiments/session25/deaths/analyse.py [--resolutions 2000 1000 500 ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
D24 = HERE.parents[1] / "session24" / "deaths"
# resolution/ holds analyse.py; deaths/ (first on the path) its own report.py
sys.path[:0] = [str(D24), str(D24.parent / "resolution")]
import analyse as a24  # noqa: E402
import report as r24  # noqa: E402

SOURCES = [D24 / "runs.csv", HERE / "runs_main.csv"]


def merged() -> pd.DataFrame:
    t = pd.concat([pd.read_csv(p) for p in SOURCES if p.exists()], ignore_index=True)
    key = ["people_per_agent", "replication"]
    dup = t[t.duplicated(key, keep=False)].drop(columns="cpu_s")
    if len(dup.drop_duplicates()) != len(dup.drop_duplicates(key)):
        raise SystemExit("runs disagree on a duplicated replication")
    return t.drop_duplicates(key)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolutions", type=int, nargs="+", action="append")
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=HERE / "analysis.json")
    args = ap.parse_args()
    table = merged()
    print(table.groupby("people_per_agent").replication.agg(["count", "min", "max"]))
    sets = args.resolutions or [[2000, 1000, 500], [2000, 1000]]
    rng = np.random.default_rng(20241206)
    result = {
        "runs": [str(p.relative_to(HERE.parents[2])) for p in SOURCES],
        "sets": [a24.one_set(table, s, args.boot, rng) for s in sets],
    }
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    r24.HERE = args.out.parent
    r24.per_resolution(args.out.stem)


if __name__ == "__main__":
    main()
