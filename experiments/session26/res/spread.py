"""Where point 1025 loses the record's spread at coarse resolution (session 26, helper R).

One ensemble of the baseline with a point's overrides at one resolution; per run, region and day
(days 0..DAYS) the active agents by kind AS FLOATS (the crowd of blocks' own statistics, which
the shipped timeseries table truncates to whole agents kind by kind: `model._timeseries_table`,
``values[:, :6].astype(np.int64)``), written as CSV, and a summary JSON that reads the record's
spread two ways on the same runs:

- ``shipped``: as `calibrate_kazakhstan.score` reads the shipped table (each kind's active agents
  truncated, summed, over the region's mean active + quiet + jailed, also truncated): checked
  equal to score()'s own spread part on these runs;
- ``people``: the same share from the untruncated floats (active people over residents).

Per region: the probability of reaching SPREAD_SHARE by SPREAD_BY_DAY, the first day it is
reached, and the region's effective threshold under the shipped reading (whole agents needed).
The dynamics are the model's, unchanged: only the table's reading is replaced, in this process
(the runs are identical, same seeds; `--check` also computes score()'s spread part on the
shipped table of the same ensemble).

    nice -n 5 uv run python experiments/session26/res/spread.py \
        --point experiments/session24/deaths/point_1025_guard0.json --ppa 2000 \
        --reps 300 --seed 20220105 --out experiments/session26/res/runs/p1025_2000_20220105
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))

import calibrate_kazakhstan as ck  # noqa: E402

from transition_sim.core import model as model_module  # noqa: E402
from transition_sim.ensemble.runner import run_ensemble  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402

DAYS = 10
KINDS = ("active_peaceful", "active_violent", "active_crime")
SHIPPED = model_module._timeseries_table


def float_table(rows, national, scenario):  # type: ignore[no-untyped-def]
    """The shipped table with the counts' columns as the day's floats (blocks: agents' worth)."""
    table = SHIPPED(rows, national, scenario)
    regions = [r.name for r in scenario.regions] + ["all"]
    k, n = len(regions), len(rows)
    stats = np.array([s for _, s, _, _ in rows]).reshape(n, k - 1, -1)
    from transition_sim.core.kernel import STAT_ACTIVE, STAT_JAILED

    regional = stats[:, :, STAT_ACTIVE : STAT_JAILED + 1].astype(float)
    values = np.concatenate([regional, regional.sum(axis=1, keepdims=True)], axis=1)
    values = values.reshape(n * k, -1)
    for i, name in enumerate((*KINDS, "quiet", "jailed")):
        table = table.append_column(f"f_{name}", pa.array(values[:, i]))
    return table


def reach(early: pd.DataFrame, share: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Per run and region: reached SPREAD_SHARE by SPREAD_BY_DAY; regions reached per run; the
    first day reached (NaN if not by DAYS)."""
    by4 = early[early.day <= ck.SPREAD_BY_DAY]
    hit = by4.groupby(["replication", "region"])[share].max().unstack() >= ck.SPREAD_SHARE
    over = early[early[share] >= ck.SPREAD_SHARE]
    first = over.groupby(["replication", "region"]).day.min().unstack()
    return hit, hit.sum(axis=1), first


def summary_of(hit: pd.DataFrame, reached: pd.Series, first: pd.DataFrame, reps: int) -> dict:
    return {
        "spread_part": float((reached < ck.SPREAD_REGIONS).mean()),
        "regions_reached_mean": round(float(reached.mean()), 4),
        "regions_reached_hist": {
            int(k): int(v) for k, v in reached.value_counts().sort_index().items()
        },
        "p_reach_by_day4": hit.mean().round(4).to_dict(),
        "p_reach_by_day10": (first.reindex(columns=hit.columns).notna().sum() / reps)
        .round(4)
        .to_dict(),
        "first_day_mean_when_reached": first.mean().round(3).to_dict(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, required=True)
    ap.add_argument("--ppa", type=float, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="also run score() on a shipped table")
    ap.add_argument("--out", type=Path, required=True, help="path prefix (.csv.gz, .json)")
    args = ap.parse_args()
    overrides = json.loads(args.point.read_text())
    overrides["scale.people_per_agent"] = args.ppa
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = ck.fixed_value(value)
    scenario = ck.with_overrides(load_scenario(ck.BASELINE), overrides)
    model_module._timeseries_table = float_table
    t0 = time.process_time()
    ens = run_ensemble(scenario, args.reps, args.seed, workers=args.workers)
    cpu = time.process_time() - t0
    model_module._timeseries_table = SHIPPED
    ts = ens.timeseries
    regions = ts[ts.region != "all"].copy()
    # shipped reading (calibrate_kazakhstan.score) and the untruncated one, on the same runs
    size = regions[["active", "quiet", "jailed"]].sum(axis=1).groupby(regions.region).mean()
    fcols = [f"f_{c}" for c in (*KINDS, "quiet", "jailed")]
    regions["f_active"] = regions[[f"f_{c}" for c in KINDS]].sum(axis=1)
    fsize = regions[fcols].sum(axis=1).groupby(regions.region).mean()
    regions["share_shipped"] = regions.active / regions.region.map(size)
    regions["share_people"] = regions.f_active / regions.region.map(fsize)
    early = regions[regions.day <= DAYS]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cols = ["replication", "region", "day", *[f"f_{c}" for c in KINDS], "active"]
    early[cols].to_csv(args.out.with_suffix(".csv.gz"), index=False, float_format="%.6g")
    out = {
        "point": str(args.point),
        "ppa": args.ppa,
        "sets": args.set,
        "reps": args.reps,
        "seed": args.seed,
        "cpu_s_main_process": round(cpu, 1),
        "size_agents": size.round(3).to_dict(),
        # whole agents the shipped reading needs: ceil(0.005 x size), as a share of residents
        "shipped_effective_share": {
            r: round(math.ceil(ck.SPREAD_SHARE * s) / s, 5) for r, s in size.items()
        },
    }
    for name in ("shipped", "people"):
        out[name] = summary_of(*reach(early, f"share_{name}"), args.reps)
    if args.check:
        model_module._timeseries_table = SHIPPED
        again = ck.score(scenario, args.reps, args.seed, args.workers)
        out["check_score_spread"] = again["spread"]
        out["check_equal"] = again["spread"] == out["shipped"]["spread_part"]
    args.out.with_suffix(".json").write_text(json.dumps(out, indent=1) + "\n")
    print(
        json.dumps(
            {k: out[k] for k in out if k in ("ppa", "cpu_s_main_process")}
            | {n: out[n]["spread_part"] for n in ("shipped", "people")}
        )
    )


if __name__ == "__main__":
    main()
