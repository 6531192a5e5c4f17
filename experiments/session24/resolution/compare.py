"""Before and after the sight fix (a57ee3a) on the same seeds, by resolution: the model change's
statistics (paired: replication i has the same seed in both files).

    uv run python experiments/session24/resolution/compare.py BEFORE.csv AFTER.csv OUT.json

Per resolution, over the replications in both files: the share of runs with the same outcome,
each outcome's share before and after with a paired bootstrap 95% interval of the change,
mean and median deaths per million and median peak active share before and after, with paired
bootstrap 95% intervals of the after/before ratio (2,000 resamples of replications; seed
20241207), and CPU seconds per replication (mean) in each.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--boot", type=int, default=2000)
    args = ap.parse_args()
    a, b = pd.read_csv(args.before), pd.read_csv(args.after)
    rng = np.random.default_rng(20241207)
    result = {}
    for ppa in sorted(set(a.people_per_agent) & set(b.people_per_agent), reverse=True):
        m = a[a.people_per_agent == ppa].merge(
            b[b.people_per_agent == ppa], on="replication", suffixes=("_before", "_after")
        )
        n = len(m)
        kinds = sorted(set(m.outcome_before) | set(m.outcome_after))
        ob, oa = m.outcome_before.to_numpy(), m.outcome_after.to_numpy()
        db, da = m.deaths_per_million_before.to_numpy(), m.deaths_per_million_after.to_numpy()
        pb, pa = m.peak_active_share_before.to_numpy(), m.peak_active_share_after.to_numpy()
        boots = {"mean": [], "median": [], "peak": [], **{k: [] for k in kinds}}
        for _ in range(args.boot):
            i = rng.integers(0, n, n)
            boots["mean"].append(da[i].mean() / db[i].mean())
            boots["median"].append(np.median(da[i]) / np.median(db[i]))
            boots["peak"].append(np.median(pa[i]) / np.median(pb[i]))
            for k in kinds:
                boots[k].append((oa[i] == k).mean() - (ob[i] == k).mean())
        ci = {k: np.percentile(v, [2.5, 97.5]).tolist() for k, v in boots.items()}
        result[str(ppa)] = {
            "replications": n,
            "same_outcome": float((ob == oa).mean()),
            "outcomes": {
                k: {"before": float((ob == k).mean()), "after": float((oa == k).mean()),
                    "change_ci95": ci[k]}
                for k in kinds
            },
            "deaths_per_million_mean": [float(db.mean()), float(da.mean())],
            "deaths_mean_ratio_ci95": ci["mean"],
            "deaths_per_million_median": [float(np.median(db)), float(np.median(da))],
            "deaths_median_ratio_ci95": ci["median"],
            "peak_active_share_median": [float(np.median(pb)), float(np.median(pa))],
            "peak_median_ratio_ci95": ci["peak"],
            "cpu_s_mean": [float(m.cpu_s_before.mean()), float(m.cpu_s_after.mean())],
        }  # fmt: skip
        r = result[str(ppa)]
        print(ppa, n, "same outcome", round(r["same_outcome"], 3),
              "deaths mean", np.round(r["deaths_per_million_mean"], 1), np.round(ci["mean"], 3),
              "median", np.round(r["deaths_per_million_median"], 1), np.round(ci["median"], 3),
              "peak", np.round(r["peak_active_share_median"], 4),
              np.round(ci["peak"], 3))  # fmt: skip
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
