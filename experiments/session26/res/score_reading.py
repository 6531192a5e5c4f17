"""The record's score of a point read two ways on ONE ensemble (session 26, helper R).

`calibrate_kazakhstan.score` reads the shipped timeseries table, whose active, quiet and jailed
columns are whole agents (`model._timeseries_table` truncates each kind's count): for the crowd
of blocks, whose statistics are floats (agents' worth of people), that reading depends on the
resolution (`spread.py`). Here the ensemble is run once with the table's floats kept beside the
shipped columns (`spread.float_table`), and `score` is applied twice to it:

- ``shipped``: the table as shipped (exactly score()'s own result for these runs);
- ``people``: active (by kind), quiet and jailed replaced by the untruncated floats: the same
  yardstick, read in people at any resolution.

The model's runs are the same in both (same seeds, same dynamics); only the reading differs.

    nice -n 5 uv run python experiments/session26/res/score_reading.py \
        --point experiments/session24/deaths/point_1025_guard0.json --ppa 2000 \
        --reps 500 --seed 20220105 > OUT.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import calibrate_kazakhstan as ck  # noqa: E402
import spread  # noqa: E402

from transition_sim.core import model as model_module  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402

FLOATS = (*spread.KINDS, "quiet", "jailed")


def people_reading(ts):  # type: ignore[no-untyped-def]
    """The timeseries with its whole-agent columns replaced by the crowd's floats."""
    ts = ts.copy()
    for name in FLOATS:
        ts[name] = ts[f"f_{name}"]
    ts["active"] = ts[[f"f_{k}" for k in spread.KINDS]].sum(axis=1)
    return ts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, required=True)
    ap.add_argument("--ppa", type=float, help="scale.people_per_agent (default: the point's)")
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    overrides = json.loads(args.point.read_text())
    if args.ppa is not None:
        overrides["scale.people_per_agent"] = args.ppa
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = ck.fixed_value(value)
    scenario = ck.with_overrides(load_scenario(ck.BASELINE), overrides)
    model_module._timeseries_table = spread.float_table
    t0 = time.process_time()
    ens = ck.run_ensemble(scenario, args.reps, args.seed, workers=args.workers)
    cpu = time.process_time() - t0
    model_module._timeseries_table = spread.SHIPPED
    readings = {
        "shipped": ens,
        "people": dataclasses.replace(ens, timeseries=people_reading(ens.timeseries)),
    }
    out = {
        "point": str(args.point),
        "ppa": scenario.scale.people_per_agent,
        "sets": args.set,
        "reps": args.reps,
        "seed": args.seed,
        "cpu_s_main_process": round(cpu, 1),
        "outcomes": ens.runs.outcome.value_counts(normalize=True).round(4).to_dict(),
        "deaths_median": float(ens.runs.deaths.median()),
        "deaths_mean": round(float(ens.runs.deaths.mean()), 2),
    }
    real = ck.run_ensemble
    for name, e in readings.items():
        ck.run_ensemble = lambda *a, e=e, **k: e
        out[name] = {
            k: round(float(v), 4)
            for k, v in ck.score(scenario, args.reps, args.seed, args.workers).items()
        }
    ck.run_ensemble = real
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
