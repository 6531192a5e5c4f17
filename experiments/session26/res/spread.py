"""Where point 1025 loses the record's spread at coarse resolution (session 26, helper R).

One ensemble of the baseline with a point's overrides at one resolution; per run and region,
the active share by day (days 0..DAYS, as calibrate_kazakhstan.score reads it: active over the
region's mean active + quiet + jailed), written as CSV (replication, region, day, share), and a
summary JSON: per region, the probability of reaching SPREAD_SHARE by SPREAD_BY_DAY and the
first day it is reached; the score's own spread part (checked equal to score()'s reading).

    nice -n 5 uv run python experiments/session26/res/spread.py \
        --point experiments/session24/deaths/point_1025_guard0.json --ppa 2000 \
        --reps 200 --seed 20220105 --out experiments/session26/res/runs/p1025_2000_20220105
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))

import calibrate_kazakhstan as ck  # noqa: E402

from transition_sim.ensemble.runner import run_ensemble  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402

DAYS = 10


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, required=True)
    ap.add_argument("--ppa", type=float, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="path prefix (.csv, .json)")
    args = ap.parse_args()
    overrides = json.loads(args.point.read_text())
    overrides["scale.people_per_agent"] = args.ppa
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = ck.fixed_value(value)
    scenario = ck.with_overrides(load_scenario(ck.BASELINE), overrides)
    t0 = time.process_time()
    ens = run_ensemble(scenario, args.reps, args.seed, workers=args.workers)
    cpu = time.process_time() - t0
    ts = ens.timeseries
    regions = ts[ts.region != "all"]
    size = regions[["active", "quiet", "jailed"]].sum(axis=1).groupby(regions.region).mean()
    early = regions[regions.day <= DAYS].copy()
    early["share"] = early.active / early.region.map(size)
    early["active_people"] = early.active * args.ppa
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cols = ["replication", "region", "day", "share", "active_people"]
    early[cols].to_csv(args.out.with_suffix(".csv.gz"), index=False, float_format="%.6g")
    by4 = early[early.day <= ck.SPREAD_BY_DAY]
    peak = by4.groupby(["replication", "region"]).share.max().unstack()
    hit = peak >= ck.SPREAD_SHARE
    reached = hit.sum(axis=1)
    over = early[early.share >= ck.SPREAD_SHARE]
    first = over.groupby(["replication", "region"]).day.min().unstack()
    summary = {
        "point": str(args.point),
        "ppa": args.ppa,
        "sets": args.set,
        "reps": args.reps,
        "seed": args.seed,
        "cpu_s_main_process": round(cpu, 1),
        "spread_part": float((reached < ck.SPREAD_REGIONS).mean()),
        "regions_reached_mean": float(reached.mean()),
        "regions_reached_hist": reached.value_counts().sort_index().to_dict(),
        "size_agents": size.round(3).to_dict(),
        "p_reach_by_day4": hit.mean().round(4).to_dict(),
        "first_day_median": first.median().to_dict(),
        "first_day_mean_if_by_day10": first.mean().round(3).to_dict(),
        "p_reach_by_day10": (first.notna().sum() / args.reps).round(4).to_dict(),
    }
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
