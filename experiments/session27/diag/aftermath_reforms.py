"""What the late popular transitions follow: from aftermath.py's `reforms` runs (400 per crowd,
the test's seeds), the share of runs ending popular after day 60 by the longest run of
disappointing reforms before the ouster (or before the end).

    uv run python experiments/session27/diag/aftermath_reforms.py
"""

from __future__ import annotations

import json

import pandas as pd
from common import OUT

out = {}
for crowd in ("agents", "blocks"):
    df = pd.read_csv(OUT / f"aftermath_reforms_{crowd}_0_400.csv")
    late = (df["outcome"] == "popular_transition") & (df["pop_day"] >= 60)
    early = (df["outcome"] == "popular_transition") & (df["pop_day"] < 60)
    rest = df[~early]
    table = {}
    for k, g in rest.groupby("longest_disappointing_run"):
        table[int(k)] = {"runs": len(g), "late_popular": int(late[g.index].sum())}
    out[crowd] = {
        "runs": len(df),
        "popular": float((df["outcome"] == "popular_transition").mean()),
        "late_popular": int(late.sum()),
        "by_longest_disappointing_run": table,
        "late_ousters_disappointed_before_median": float(
            df.loc[late, "disappointed_before"].median()
        ),
        "late_ousters_delivered_before_median": float(df.loc[late, "delivered_before"].median()),
        "hardship_extra_end_late_ousters_median": float(
            df.loc[late, "hardship_extra_end"].median()
        ),
    }
print(json.dumps(out, indent=1))
(OUT / "aftermath_reforms.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
