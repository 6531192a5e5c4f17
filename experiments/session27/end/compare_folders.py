"""Two results folders hold the same results: `python compare_folders.py A B` compares
runs/timeseries/events.parquet with pandas `equals` (B may hold the first k replications of A's
seed: A's tables are then cut to B's replications) and summary.json when both have as many
replications. Exit 1 on any difference."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def main() -> int:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    bad = 0
    keep = None
    for name in ("runs", "timeseries", "events"):
        ta = pd.read_parquet(a / f"{name}.parquet")
        tb = pd.read_parquet(b / f"{name}.parquet")
        if keep is None:
            keep = set(tb["replication"])
        ta = ta[ta["replication"].isin(keep)].reset_index(drop=True)
        same = ta.equals(tb) and list(ta.dtypes) == list(tb.dtypes)
        print(f"{name}: {len(tb):,} rows, {'equal' if same else 'DIFFERENT'}")
        bad += not same
    sa = json.loads((a / "summary.json").read_text())
    sb = json.loads((b / "summary.json").read_text())
    if sa["replications"] == sb["replications"]:
        same = sa == sb
        print(f"summary.json: {'equal' if same else 'DIFFERENT'}")
        bad += not same
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
