"""benchmarks/bench_resolution.py, unchanged, with each resolution's replications kept, and the
Monte Carlo error of its two criteria (issue 13: outcome shares within 0.05, mean deaths per
capita within 15%).

    uv run python experiments/session23/blocks/resolution.py RUNS.csv MC.json -- [bench args]

The bench's own results file is written as usual (--out); RUNS.csv holds every replication
(resolution, outcome, deaths, detained); MC.json holds, from those runs:
- a bootstrap (2,000 resamples of each resolution's replications) of the two statistics, the
  largest outcome-share gap and the max/min ratio of mean deaths per capita: their 5-95% range
  and the share of resamples meeting each criterion;
- a permutation null (2,000 random reassignments of the pooled replications to the resolutions,
  same sizes): the distribution each statistic has when the resolution changes nothing, i.e. what
  seed noise alone gives with this many replications.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import bench_resolution as bench

KEPT: list[tuple[int, float, pd.DataFrame]] = []
_run_ensemble = bench.run_ensemble


def keeping(scenario, reps, seed, workers, keep):  # the bench's call, its runs kept
    ens = _run_ensemble(scenario, reps, seed, workers=workers, keep=keep)
    per_million = 1e6 / scenario.urban_population
    KEPT.append((scenario.scale.people_per_agent, per_million, ens.runs))
    return ens


def statistics(groups: list[tuple[np.ndarray, np.ndarray]], outcomes: list[str]) -> tuple:
    """(largest outcome-share gap, max/min mean deaths per capita) of (outcome, deaths pc)."""
    shares = [np.array([(o == k).mean() for k in outcomes]) for o, _ in groups]
    gap = max(np.abs(a - b).max() for a, b in itertools.combinations(shares, 2))
    means = [d.mean() for _, d in groups]
    return gap, (max(means) / min(means) if min(means) > 0 else np.inf)


def main() -> None:
    split = sys.argv.index("--")
    runs_csv, mc_json = Path(sys.argv[1]), Path(sys.argv[2])
    bench.run_ensemble = keeping
    sys.argv = [bench.__file__, *sys.argv[split + 1 :]]
    bench.main()
    frames = []
    for ppa, per_million, runs in KEPT:
        frame = runs[["replication", "outcome", "deaths", "detained"]].copy()
        frame.insert(0, "people_per_agent", ppa)
        frame["deaths_per_million"] = frame.deaths * per_million
        frames.append(frame)
    table = pd.concat(frames)
    runs_csv.write_text(table.to_csv(index=False))
    outcomes = sorted(table.outcome.unique())
    groups = [
        (g.outcome.to_numpy(), g.deaths_per_million.to_numpy())
        for _, g in table.groupby("people_per_agent", sort=False)
    ]
    observed = statistics(groups, outcomes)
    rng = np.random.default_rng(20231206)
    boot = np.array([
        statistics([(o[i], d[i]) for o, d in groups for i in [rng.integers(0, len(o), len(o))]],
                   outcomes)
        for _ in range(2000)
    ])  # fmt: skip
    pooled_o = np.concatenate([o for o, _ in groups])
    pooled_d = np.concatenate([d for _, d in groups])
    sizes = np.cumsum([len(o) for o, _ in groups])[:-1]
    null = []
    for _ in range(2000):
        perm = rng.permutation(len(pooled_o))
        null.append(statistics(
            list(zip(np.split(pooled_o[perm], sizes), np.split(pooled_d[perm], sizes),
                     strict=True)), outcomes))  # fmt: skip
    null = np.array(null)
    q = [5, 50, 95]
    result = {
        "replications": {
            str(p): len(o)
            for p, (o, _) in zip(table.people_per_agent.unique(), groups, strict=True)
        },
        "observed": {"share_gap": observed[0], "deaths_ratio": observed[1]},
        "bootstrap_5_50_95": {
            "share_gap": np.percentile(boot[:, 0], q).tolist(),
            "deaths_ratio": np.percentile(boot[:, 1], q).tolist(),
        },
        "bootstrap_share_meeting": {
            "shares_within_0.05": float((boot[:, 0] <= 0.05).mean()),
            "deaths_within_15pct": float((boot[:, 1] <= 1.15).mean()),
        },
        "null_5_50_95": {
            "share_gap": np.percentile(null[:, 0], q).tolist(),
            "deaths_ratio": np.percentile(null[:, 1], q).tolist(),
        },
        "null_share_meeting": {
            "shares_within_0.05": float((null[:, 0] <= 0.05).mean()),
            "deaths_within_15pct": float((null[:, 1] <= 1.15).mean()),
        },
        "null_p_value": {
            "share_gap": float((null[:, 0] >= observed[0]).mean()),
            "deaths_ratio": float((null[:, 1] >= observed[1]).mean()),
        },
    }
    mc_json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
