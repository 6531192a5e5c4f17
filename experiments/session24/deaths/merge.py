"""Merge the workers' CSVs (runs_A.csv, runs_B.csv) into runs.csv, sorted by resolution (coarse
first) and replication; refuses duplicated (resolution, replication) pairs with different rows.

    uv run python experiments/session24/deaths/merge.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    parts = [pd.read_csv(p) for p in sorted(HERE.glob("runs_[A-Z].csv"))]
    t = pd.concat(parts, ignore_index=True)
    key = ["people_per_agent", "replication"]
    dup = t[t.duplicated(key, keep=False)].drop(columns="cpu_s")
    if len(dup.drop_duplicates()) != len(dup.drop_duplicates(key)):
        raise SystemExit("runs disagree on a duplicated replication")
    t = t.drop_duplicates(key).sort_values(["people_per_agent", "replication"],
                                           ascending=[False, True])  # fmt: skip
    tmp = HERE / "runs.csv.tmp"
    t.to_csv(tmp, index=False)
    tmp.replace(HERE / "runs.csv")
    print(t.groupby("people_per_agent").replication.agg(["count", "min", "max"]))
