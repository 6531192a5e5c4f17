"""The screen's table (session 24, helper P): each run against the point values on the same
replication seeds (paired): the change in P(holds) with its paired standard error, Almaty's
median peak, the share of runs above the sourced range (50,000) and its paired change.

    uv run python experiments/session24/priors/analyze.py SCREEN.json [MORE.json ...] \
        --csv OUT.csv --md OUT.md [--base SCREEN_WITH_POINT.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np


def rows(result: dict, base: dict | None = None) -> list[dict]:
    """``base``: a screen of the same scenario and seeds whose `point` run is used when
    ``result`` has none (a screen run with --no-base)."""
    runs = result["runs"]
    point = runs["point"] if "point" in runs else base["runs"]["point"]
    assert len(point["outcome"]) == len(next(iter(runs.values()))["outcome"])
    holds0 = np.array([o == "incumbent_holds" for o in point["outcome"]], dtype=float)
    above0 = np.array(point["peaks"]) > 50_000
    out = []
    for name, r in runs.items():
        holds = np.array([o == "incumbent_holds" for o in r["outcome"]], dtype=float)
        above = np.array(r["peaks"]) > 50_000
        n = len(holds)
        d = holds - holds0
        da = above.astype(float) - above0
        out.append(
            {
                "run": name,
                "n": n,
                "p_holds": round(float(holds.mean()), 3),
                "d_holds": round(float(d.mean()), 3),
                "se_d_holds": round(float(d.std(ddof=1) / math.sqrt(n)), 3) if n > 1 else None,
                "p_popular": round(r["p_popular"], 3),
                "almaty_median_peak": round(r["almaty_median_peak"]),
                "above_range": round(float(above.mean()), 3),
                "median_peak_above": round(float(np.median(np.array(r["peaks"])[above])))
                if above.any()
                else None,
                "d_above": round(float(da.mean()), 3),
                "se_d_above": round(float(da.std(ddof=1) / math.sqrt(n)), 3) if n > 1 else None,
                "members": len(r["members"]) if r.get("members") else 0,
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("screens", nargs="+", type=Path)
    ap.add_argument("--csv", type=Path, required=True)
    ap.add_argument("--md", type=Path, required=True)
    ap.add_argument("--base", type=Path, help="the point run of screens run with --no-base")
    args = ap.parse_args()
    table = []
    for path in args.screens:
        result = json.loads(path.read_text())
        base = json.loads(args.base.read_text()) if args.base else None
        if base is not None and "point" not in result["runs"]:
            assert (base["scenario"], base["seed"], base["n"]) == (
                result["scenario"],
                result["seed"],
                result["n"],
            )
        for row in rows(result, base):
            table.append({"screen": path.name, **row})
    fields = list(table[0])
    with args.csv.open("w", newline="") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        w.writerows(table)
    lines = [
        "| screen | run | P(holds) | change [paired SE] | P(popular) | Almaty median peak |"
        " above 50,000 | change [paired SE] | median peak of those above |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        lines.append(
            f"| {r['screen']} | {r['run']} | {r['p_holds']:.3f} | {r['d_holds']:+.3f}"
            f" [{r['se_d_holds']}] | {r['p_popular']:.3f} | {r['almaty_median_peak']:,} |"
            f" {r['above_range']:.3f} | {r['d_above']:+.3f} [{r['se_d_above']}] |"
            f" {r['median_peak_above'] or 0:,} |"
        )
    args.md.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
