"""probe.py's rows, per resolution: medians and means of each term of deaths, with a bootstrap
95% interval of each resolution's ratio to the reference resolution (1,000 people per agent).

    uv run python experiments/session25/deaths/probe_report.py probe_main.csv [--ref 1000] \
        [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

TERMS = [
    "deaths_per_million", "active", "active_peaceful", "active_violent", "active_crime",
    "engaged_share", "arrests_per_active", "peak_active_share", "peak_day", "cascade",
]  # fmt: skip


def frame(path: Path) -> pd.DataFrame:
    d = pd.read_csv(path)
    d["active"] = d.active_peaceful + d.active_violent + d.active_crime
    d["cascade"] = (d.deaths_per_million > 1000).astype(float)
    return d


def ratio_interval(a: np.ndarray, b: np.ndarray, stat, rng, draws: int = 2000) -> list[float]:
    r = [stat(rng.choice(a, a.size)) / stat(rng.choice(b, b.size)) for _ in range(draws)]
    return [float(np.quantile(r, 0.025)), float(np.quantile(r, 0.975))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, nargs="+")
    ap.add_argument("--ref", type=int, default=1000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    d = pd.concat([frame(p) for p in args.csv])
    # the replications present at every resolution (the same seeds)
    common = set.intersection(*(set(g.replication) for _, g in d.groupby("people_per_agent")))
    d = d[d.replication.isin(common)]
    rng = np.random.default_rng(20251206)
    ref = d[d.people_per_agent == args.ref]
    out = {"replications": len(common), "ref": args.ref, "by_resolution": {}}
    print(f"{len(common)} replications at each resolution; ratios to {args.ref} [95%]")
    for ppa, g in sorted(d.groupby("people_per_agent"), reverse=True):
        row = {}
        for t in TERMS:
            a, b = g[t].to_numpy(float), ref[t].to_numpy(float)
            row[t] = {"median": float(np.median(a)), "mean": float(a.mean())}
            if ppa != args.ref and t != "cascade":
                ci = ratio_interval(a, b, np.median, rng, 1000)
                row[t]["median_ratio"] = [float(np.median(a) / np.median(b)), *ci]
            if ppa != args.ref:
                ci = ratio_interval(a, b, np.mean, rng, 1000)
                row[t]["mean_ratio"] = [float(a.mean() / b.mean()), *ci]
        out["by_resolution"][str(ppa)] = row
        print(f"\n{ppa} people per agent")
        for t, v in row.items():
            s = f"  {t:20s} median {v['median']:.4g}  mean {v['mean']:.4g}"
            for k in ("median_ratio", "mean_ratio"):
                if k in v:
                    s += f"  {k} {v[k][0]:.3f} [{v[k][1]:.3f}, {v[k][2]:.3f}]"
            print(s)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
