"""The resolution test from the replications of runs.py (issue 13: outcome shares within 0.05 of
each other, mean deaths per capita within 15%), with its Monte Carlo error.

    uv run python experiments/session24/resolution/analyse.py RUNS.csv OUT.json \
        [--resolutions 2000 1000 500 ...] [--boot 2000]

Default sets: 2000 1000 500 (the issue's), 4000 2000 1000 500, and 4000 2000 1000 (more
replications where 500 has fewer).

Each pair also carries its observed share differences ("share_difference") and the difference
of the share of runs over 1,000 deaths per million, with its interval from the same resamples
("cascade_share_difference"; added for deaths/, which calls this script: no extra draws, so
the other numbers are those of the analysis_*.json made before).

Only replications present at every resolution of a set are used (the same seeds at each). Per
set: per resolution the outcome shares, deaths per million (mean, median, 90th/99th
percentile, share of the total carried by the top 1% of runs), detained per million (mean,
median), median peak active share and CPU seconds per replication (mean, median); then
- the two statistics of the test, observed: the largest outcome-share gap and the max/min
  ratio of mean deaths per capita; also the max/min ratio of median deaths;
- a bootstrap (resampling each resolution's replications; seed 20241206): the 2.5-50-97.5%
  interval of each statistic, of each resolution's mean and median deaths over the finest's,
  and the share of resamples meeting each criterion;
- a permutation null (the pooled replications reassigned to the resolutions at random): what
  seed noise alone gives, its 95th percentile and the p value of the observed statistic.
- pairwise, each pair's ratio of mean and of median deaths and difference of each outcome share,
  with 95% bootstrap intervals, and a verdict: "within" if the interval lies inside the
  criterion (ratio in [1/1.15, 1.15], difference in [-0.05, 0.05]), "outside" if it lies
  wholly outside, else "undecided" (the test is decided when every pair is within, or one is
  outside);
- the replications per resolution needed for a ratio's interval to be +-15% wide, at the
  observed coefficient of variation of deaths, and the share of runs with a cascade (deaths
  over 1,000 per million).
The resolutions are independent samples (one seed gives unrelated runs at two resolutions: the
grids differ), so each is resampled alone, not in pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd


def gap(outcomes: list[np.ndarray], kinds: list[str]) -> float:
    shares = [np.array([(o == k).mean() for k in kinds]) for o in outcomes]
    return float(max(np.abs(a - b).max() for a, b in itertools.combinations(shares, 2)))


def ratio(values: list[float]) -> float:
    return float(max(values) / min(values)) if min(values) > 0 else float("inf")


def one_set(table: pd.DataFrame, res: list[int], boot: int, rng: np.random.Generator) -> dict:
    t = table[table.people_per_agent.isin(res)]
    common = set.intersection(*(set(t[t.people_per_agent == p].replication) for p in res))
    t = t[t.replication.isin(common)]
    kinds = sorted(t.outcome.unique())
    groups = {p: t[t.people_per_agent == p].sort_values("replication") for p in res}
    o = [groups[p].outcome.to_numpy() for p in res]
    d = [groups[p].deaths_per_million.to_numpy() for p in res]
    per = {}
    for p, g in groups.items():
        dd = np.sort(g.deaths_per_million.to_numpy())
        top = dd[-max(1, len(dd) // 100) :].sum() / dd.sum() if dd.sum() > 0 else float("nan")
        per[str(p)] = {
            "replications": len(g),
            "outcomes": {k: float((g.outcome == k).mean()) for k in kinds},
            "deaths_per_million_mean": float(dd.mean()),
            "deaths_per_million_median": float(np.median(dd)),
            "deaths_per_million_p90": float(np.percentile(dd, 90)),
            "deaths_per_million_p99": float(np.percentile(dd, 99)),
            "deaths_share_of_top_1pct_runs": float(top),
            "detained_per_million_mean": float(g.detained_per_million.mean()),
            "detained_per_million_median": float(g.detained_per_million.median()),
            "peak_active_share_median": float(g.peak_active_share.median()),
            "cpu_s_mean": float(g.cpu_s.mean()),
            "cpu_s_median": float(g.cpu_s.median()),
        }
    obs = {
        "share_gap": gap(o, kinds),
        "deaths_mean_ratio": ratio([x.mean() for x in d]),
        "deaths_median_ratio": ratio([float(np.median(x)) for x in d]),
    }
    finest = res.index(min(res))
    bs = {"share_gap": [], "deaths_mean_ratio": [], "deaths_median_ratio": []}
    rel_mean = {p: [] for p in res}
    rel_median = {p: [] for p in res}
    for _ in range(boot):
        idx = [rng.integers(0, len(x), len(x)) for x in o]
        ob, db = (
            [x[i] for x, i in zip(o, idx, strict=True)],
            [x[i] for x, i in zip(d, idx, strict=True)],
        )
        means, medians = [x.mean() for x in db], [float(np.median(x)) for x in db]
        bs["share_gap"].append(gap(ob, kinds))
        bs["deaths_mean_ratio"].append(ratio(means))
        bs["deaths_median_ratio"].append(ratio(medians))
        for j, p in enumerate(res):
            rel_mean[p].append(means[j] / means[finest])
            rel_median[p].append(medians[j] / medians[finest] if medians[finest] > 0 else np.nan)
    # Pairwise: each pair's ratio of mean (and median) deaths and difference of each outcome's
    # share, with 95% bootstrap intervals, and the verdict of the decision rule (module doc).
    pairs = {}
    for (i, a), (j, b) in itertools.combinations(enumerate(res), 2):
        rm, rmed, diff, casc = [], [], {k: [] for k in kinds}, []
        for _ in range(boot):
            x = d[i][rng.integers(0, len(d[i]), len(d[i]))]
            y = d[j][rng.integers(0, len(d[j]), len(d[j]))]
            rm.append(x.mean() / y.mean())
            casc.append((x > 1000).mean() - (y > 1000).mean())
            rmed.append(np.median(x) / np.median(y) if np.median(y) > 0 else np.nan)
            xo = o[i][rng.integers(0, len(o[i]), len(o[i]))]
            yo = o[j][rng.integers(0, len(o[j]), len(o[j]))]
            for k in kinds:
                diff[k].append((xo == k).mean() - (yo == k).mean())
        ci_mean = np.percentile(rm, [2.5, 97.5]).tolist()
        ci_diff = {k: np.percentile(v, [2.5, 97.5]).tolist() for k, v in diff.items()}
        inside = ci_mean[0] >= 1 / 1.15 and ci_mean[1] <= 1.15
        outside = ci_mean[0] > 1.15 or ci_mean[1] < 1 / 1.15
        pairs[f"{a}/{b}"] = {
            "share_difference": {k: float((o[i] == k).mean() - (o[j] == k).mean()) for k in kinds},
            "deaths_mean_ratio": float(d[i].mean() / d[j].mean()),
            "deaths_mean_ratio_ci95": ci_mean,
            "deaths_median_ratio": float(np.median(d[i]) / np.median(d[j])),
            "deaths_median_ratio_ci95": np.nanpercentile(rmed, [2.5, 97.5]).tolist(),
            "share_difference_ci95": ci_diff,
            "cascade_share_difference": float((d[i] > 1000).mean() - (d[j] > 1000).mean()),
            "cascade_share_difference_ci95": np.percentile(casc, [2.5, 97.5]).tolist(),
            "deaths_verdict": "within" if inside else "outside" if outside else "undecided",
            "shares_verdict": (
                "within" if all(lo >= -0.05 and hi <= 0.05 for lo, hi in ci_diff.values())
                else "outside" if any(lo > 0.05 or hi < -0.05 for lo, hi in ci_diff.values())
                else "undecided"
            ),
        }  # fmt: skip
    # Replications per resolution that would make a 95% interval of a ratio of two means
    # +-ln(1.15) wide, at the observed coefficient of variation of deaths (no effect assumed).
    cv = float(np.mean([x.std(ddof=1) / x.mean() for x in d]))
    needed = int(np.ceil((1.96 * cv * np.sqrt(2) / np.log(1.15)) ** 2))
    pooled_o, pooled_d = np.concatenate(o), np.concatenate(d)
    cuts = np.cumsum([len(x) for x in o])[:-1]
    null = {"share_gap": [], "deaths_mean_ratio": [], "deaths_median_ratio": []}
    for _ in range(boot):
        perm = rng.permutation(len(pooled_o))
        po, pd_ = np.split(pooled_o[perm], cuts), np.split(pooled_d[perm], cuts)
        null["share_gap"].append(gap(po, kinds))
        null["deaths_mean_ratio"].append(ratio([x.mean() for x in pd_]))
        null["deaths_median_ratio"].append(ratio([float(np.median(x)) for x in pd_]))
    q = [2.5, 50, 97.5]
    crit = {"share_gap": 0.05, "deaths_mean_ratio": 1.15, "deaths_median_ratio": 1.15}
    return {
        "resolutions": res,
        "per_resolution": per,
        "observed": obs,
        "criterion": crit,
        "bootstrap_2.5_50_97.5": {k: np.percentile(v, q).tolist() for k, v in bs.items()},
        "bootstrap_share_meeting": {
            k: float((np.array(v) <= crit[k]).mean()) for k, v in bs.items()},
        "bootstrap_over_finest_mean_2.5_50_97.5": {
            str(p): np.percentile(v, q).tolist() for p, v in rel_mean.items()},
        "bootstrap_over_finest_median_2.5_50_97.5": {
            str(p): np.nanpercentile(v, q).tolist() for p, v in rel_median.items()},
        "pairwise": pairs,
        "deaths_cv": cv,
        "replications_needed_for_deaths_ci_within_15pct": needed,
        "cascade_share_deaths_over_1000_per_million": {
            str(p): float((x > 1000).mean()) for p, x in zip(res, d, strict=True)},
        "null_50_95": {k: np.percentile(v, [50, 95]).tolist() for k, v in null.items()},
        "null_share_meeting": {k: float((np.array(v) <= crit[k]).mean()) for k, v in null.items()},
        "null_p_value": {k: float((np.array(v) >= obs[k]).mean()) for k, v in null.items()},
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--resolutions", type=int, nargs="+", action="append")
    ap.add_argument("--boot", type=int, default=2000)
    args = ap.parse_args()
    table = pd.read_csv(args.runs)
    sets = args.resolutions or [[2000, 1000, 500], [4000, 2000, 1000, 500], [4000, 2000, 1000]]
    rng = np.random.default_rng(20241206)
    result = {"runs": str(args.runs), "sets": [one_set(table, s, args.boot, rng) for s in sets]}
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    for s in result["sets"]:
        print(s["resolutions"], {p: v["replications"] for p, v in s["per_resolution"].items()})
        print(" observed", s["observed"])
        print(" boot", s["bootstrap_2.5_50_97.5"], s["bootstrap_share_meeting"])
        print(" null", s["null_50_95"], s["null_p_value"])
        print(
            " cascades",
            s["cascade_share_deaths_over_1000_per_million"],
            "needed",
            s["replications_needed_for_deaths_ci_within_15pct"],
        )
        for k, v in s["pairwise"].items():
            print(
                " ",
                k,
                round(v["deaths_mean_ratio"], 3),
                np.round(v["deaths_mean_ratio_ci95"], 3),
                round(v["deaths_median_ratio"], 3),
                v["deaths_verdict"],
                v["shares_verdict"],
            )


if __name__ == "__main__":
    main()
