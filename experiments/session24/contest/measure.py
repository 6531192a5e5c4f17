"""The blocks baseline's site contest measured (session 24, helper C): one ensemble of the
baseline with a calibration point's overrides (and optional `--set`s), scored on the record
(`calibrate_kazakhstan.score`, the function experiments/session21/score.py calls, on the same
ensemble) and summarised: outcome shares, the unresolved share, deaths, detentions, Almaty's
peak crowd (median and, since session 25, 90th percentile, with the record's total and the
total with the tail part beside it), and the site seizures after order returned (a seizure on
a day after the run's first `order_restored`, as experiments/session23/switch/seizures.py
counts them).

    nice -n 5 uv run python experiments/session24/contest/measure.py \
        --point experiments/session23/blocks/point_1015.json [--set violence.site_guard=20] \
        --reps 500 --seed 20220105 --workers 2 > OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))

import calibrate_kazakhstan as ck  # noqa: E402

from transition_sim.scenario.loader import load_scenario  # noqa: E402


def seizures(ens) -> dict:  # type: ignore[no-untyped-def]
    """Seizures, and those after the first day of order, per ensemble."""
    ev = ens.events
    order = ev[ev.action == "order_restored"].groupby("replication").day.min()
    seized = ev[ev.action == "seize_site"]
    after = seized.merge(order.rename("order_day"), left_on="replication", right_index=True)
    after = after[after.day > after.order_day]
    return {
        "seizures": len(seized),
        "runs_with_a_seizure": int(seized.replication.nunique()),
        "runs_with_order": len(order),
        "seizures_after_order": len(after),
        "runs_with_a_seizure_after_order": int(after.replication.nunique()),
        "retakes": int((ev.action == "retake_site").sum()),
    }


def almaty_tail(people: np.ndarray, draws: int = 2000) -> dict:
    """Almaty's peak crowd (people, one a run): quantiles, the share of runs above the sourced
    range's top, and a bootstrap 95% interval of the tail quantile (resampled runs, seed 0)."""
    top = ck.PEAK_CROWD[1]
    rng = np.random.default_rng(0)
    boot = np.quantile(rng.choice(people, (draws, len(people))), ck.TAIL_QUANTILE, axis=1)
    return {
        "almaty_peak_quantiles": {
            str(q): float(np.quantile(people, q)) for q in (0.5, 0.75, 0.9, 0.95, 0.99)
        },
        "almaty_share_above_top": round(float((people > top).mean()), 4),
        "almaty_peak_p90_interval": [float(v) for v in np.quantile(boot, [0.025, 0.975])],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, help="a calibration point's overrides (JSON)")
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--peaks", type=Path, help="also write each run's Almaty peak (CSV)")
    args = ap.parse_args()
    overrides = json.loads(args.point.read_text()) if args.point else {}
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = ck.fixed_value(value)
    scenario = (
        ck.with_overrides(load_scenario(ck.BASELINE), overrides)
        if overrides
        else (load_scenario(ck.BASELINE))
    )
    kept = {}
    real = ck.run_ensemble

    def keep(*a, **k):  # type: ignore[no-untyped-def]
        kept["ens"] = real(*a, **k)
        return kept["ens"]

    ck.run_ensemble = keep
    parts = ck.score(scenario, args.reps, args.seed, args.workers)
    ens = kept["ens"]
    runs = ens.runs
    peaks = ck.peak_people(ens.timeseries, scenario)
    if args.peaks:
        peaks.rename("almaty_peak").to_csv(args.peaks)
    people = peaks.to_numpy(dtype=float)
    shares = runs.outcome.value_counts(normalize=True).round(4).to_dict()
    out = {
        "point": str(args.point) if args.point else None,
        "sets": args.set,
        "reps": args.reps,
        "seed": args.seed,
        "score": {k: round(float(v), 4) for k, v in parts.items()},
        "outcomes": shares,
        "unresolved": float(shares.get("unresolved", 0.0)),
        "deaths_median": float(runs.deaths.median()),
        "detained_median": float(runs.detained.median()),
        "almaty_peak_median": parts["peak_crowd_median"],
        "almaty_peak_p90": parts["peak_crowd_p90"],
        "total": round(float(parts["total"]), 4),
        "total_with_tail": round(float(parts["total_with_tail"]), 4),
        **almaty_tail(people),
        **seizures(ens),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
