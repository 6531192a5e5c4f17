"""kernel_screen.py's rows: per variant and resolution, the crowd's size (mean over runs of the
mean national active share over the days, and of the peak), with each coarse resolution's ratio
to the finest, a bootstrap 95% interval (runs resampled; 2,000 draws, seed 20251206).

    uv run python experiments/session25/deaths/kernel_screen_report.py kernel_screen.csv \
        [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def interval(a: np.ndarray, b: np.ndarray, rng, stat=np.mean) -> list[float]:
    r = [stat(rng.choice(a, a.size)) / stat(rng.choice(b, b.size)) for _ in range(2000)]
    return [float(stat(a) / stat(b)), *map(float, np.quantile(r, [0.025, 0.975]))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    d = pd.read_csv(args.csv)
    share = d.filter(like="share_").to_numpy()
    d["mean_share"], d["peak_share"] = share.mean(axis=1), share.max(axis=1)
    d["day1_share"] = d["share_1"]
    d["arrests"] = d.filter(like="arrests_").sum(axis=1)
    rng = np.random.default_rng(20251206)
    out: dict = {}
    for tag, g in d.groupby("tag", sort=False):
        finest = g.people_per_agent.min()
        ref = g[g.people_per_agent == finest]
        out[tag] = {}
        print(f"\n{tag} (ratios to {finest} people per agent, [95%])")
        for ppa, h in sorted(g.groupby("people_per_agent"), reverse=True):
            row = {"runs": len(h)}
            for col in ("mean_share", "peak_share", "day1_share", "arrests"):
                a = h[col].to_numpy()
                row[col], row[f"{col}_median"] = float(a.mean()), float(np.median(a))
                if ppa != finest:
                    b = ref[col].to_numpy()
                    row[f"{col}_ratio"] = interval(a, b, rng)
                    row[f"{col}_median_ratio"] = interval(a, b, rng, np.median)
            out[tag][str(ppa)] = row
            print(
                f"  {ppa:5d}: "
                + "  ".join(
                    f"{c} {row[c]:.4g}"
                    + (
                        " ({:.3f} [{:.3f}, {:.3f}])".format(*row[f"{c}_ratio"])
                        if f"{c}_ratio" in row
                        else ""
                    )
                    for c in ("mean_share", "peak_share", "day1_share", "arrests")
                )
                + "\n         medians: "
                + "  ".join(
                    f"{c} {row[c + '_median']:.4g}"
                    + (
                        " ({:.3f} [{:.3f}, {:.3f}])".format(*row[f"{c}_median_ratio"])
                        if f"{c}_median_ratio" in row
                        else ""
                    )
                    for c in ("mean_share", "peak_share", "day1_share", "arrests")
                )
            )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
