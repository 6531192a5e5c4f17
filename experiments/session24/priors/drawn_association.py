"""Which drawn priors go with a large Almaty crowd in a run under all the priors (session 24,
helper P): each replication's drawn values are re-derived exactly as the run drew them
(`uncertainty.drawn_values` on the replication's seed), and each prior's value is ranked against
the replication's Almaty peak (Spearman) and against the runs above 50,000 and the runs above
500,000 (difference of mean rank quantiles, runs above minus the others). No simulation: the
screen's JSONs hold every run's peak and outcome.

    uv run python experiments/session24/priors/drawn_association.py SCENARIO REGISTRY \
        SCREEN.json [...] --out OUT.csv [--top 15]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from transition_sim.claims import load_priors
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_values
from transition_sim.scenario import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("registry", type=Path)
    ap.add_argument("screens", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    registry = load_priors(args.registry)
    unc = Uncertainty(registry.priors, registry.coupled, 1, "screen")
    rows, peaks, popular = [], [], []
    for path in args.screens:
        result = json.loads(path.read_text())
        run = result["runs"]["all"]
        for r, (peak, outcome) in enumerate(zip(run["peaks"], run["outcome"], strict=True)):
            _, values = drawn_values(scenario, replication_seed(result["seed"], r), unc)
            rows.append(values)
            peaks.append(peak)
            popular.append(outcome == "popular_transition")
    peaks_a = np.array(peaks)
    popular_a = np.array(popular)
    paths = sorted(set().union(*rows))
    out = []
    for p in paths:
        x = np.array([row.get(p, np.nan) for row in rows])
        if np.isnan(x).any() or np.ptp(x) == 0:
            continue
        q = (np.argsort(np.argsort(x)) + 0.5) / len(x)  # rank quantile
        rho = spearmanr(x, peaks_a).statistic
        up, runaway = peaks_a > 50_000, peaks_a > 500_000
        out.append(
            {
                "prior": p,
                "spearman_peak": round(float(rho), 3),
                "rank_above_50k_minus_rest": round(float(q[up].mean() - q[~up].mean()), 3),
                "rank_above_500k_minus_rest": round(
                    float(q[runaway].mean() - q[~runaway].mean()), 3
                ),
                "rank_popular_minus_rest": round(
                    float(q[popular_a].mean() - q[~popular_a].mean()), 3
                ),
            }
        )
    out.sort(key=lambda d: -abs(d["spearman_peak"]))
    with args.out.open("w", newline="") as f:
        w = csv.DictWriter(f, list(out[0]))
        w.writeheader()
        w.writerows(out)
    n = len(peaks)
    print(
        f"{n} runs; above 50,000: {(peaks_a > 50_000).sum()}, above 500,000: "
        f"{(peaks_a > 500_000).sum()}, popular: {popular_a.sum()}; |rho| > {2 / np.sqrt(n):.3f}"
        " is about 2 standard errors"
    )
    print(
        "| prior | Spearman with the peak | rank, above 50,000 minus rest |"
        " rank, above 500,000 minus rest | rank, popular transition minus rest |"
    )
    print("|---|---|---|---|---|")
    for d in out[: args.top]:
        print(
            f"| {d['prior']} | {d['spearman_peak']:+.3f} | {d['rank_above_50k_minus_rest']:+.3f} |"
            f" {d['rank_above_500k_minus_rest']:+.3f} | {d['rank_popular_minus_rest']:+.3f} |"
        )


if __name__ == "__main__":
    main()
