"""The baseline before and after a model change, on the same seeds (point values, seed noise
only): outcome shares, deaths, detentions, Almaty's peak crowd, the invitation day, the days to
order and the calibration's score against the January 2022 record, with a test of each
difference (outcome shares: chi-square on the table of counts; metrics: Mann-Whitney U).

    nice -n 5 uv run python experiments/baseline_blocks/compare.py BEFORE.yaml AFTER.yaml \
        --out FILE.json [-n 500] [--workers 2]

The seed is each scenario's own (the baseline's 20220105), as `run --point -n 500` uses it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "calibration"))
from calibrate_kazakhstan import PEAK_REGION, score_parts

METRICS = ("deaths", "detained", "invitation_day", "days_to_order", "almaty_peak_people")


def measure(path: Path, reps: int, workers: int) -> tuple[dict, pd.DataFrame]:
    scenario = load_scenario(path)
    ens = run_ensemble(scenario, reps, scenario.seed, workers=workers)
    runs, ts = ens.runs.copy(), ens.timeseries
    city = ts[ts.region == PEAK_REGION]
    peak = city.groupby("replication").active.max() * scenario.scale.people_per_agent
    runs["almaty_peak_people"] = runs.replication.map(peak)
    out = {
        "scenario": str(path),
        "replications": reps,
        "seed": scenario.seed,
        "outcomes": runs.outcome.value_counts(normalize=True).round(4).to_dict(),
        "invited_share": round(float(runs.invitation_day.notna().mean()), 4),
        "record_score": {k: round(v, 4) for k, v in score_parts(scenario, ens).items()},
    }
    for m in METRICS:
        x = runs[m].dropna()
        out[m] = {
            "runs": len(x),
            "mean": round(float(x.mean()), 2),
            "median": round(float(x.median()), 2),
            "p5": round(float(x.quantile(0.05)), 2),
            "p95": round(float(x.quantile(0.95)), 2),
        }
    return out, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("-n", "--replications", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    before, runs_b = measure(args.before, args.replications, args.workers)
    after, runs_a = measure(args.after, args.replications, args.workers)
    table = pd.crosstab(
        pd.concat([runs_b.outcome, runs_a.outcome]),
        ["before"] * len(runs_b) + ["after"] * len(runs_a),
    )
    chi2, p, dof, _ = stats.chi2_contingency(table)
    tests = {"outcomes_chi2": {"chi2": round(float(chi2), 2), "dof": int(dof), "p": float(p)}}
    for m in METRICS:
        x, y = runs_b[m].dropna(), runs_a[m].dropna()
        if len(x) and len(y):
            u = stats.mannwhitneyu(x, y)
            tests[m] = {"mannwhitney_u": float(u.statistic), "p": float(u.pvalue)}
    out = {"before": before, "after": after, "tests": tests}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(args.out)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
