"""The Kazakhstan record at a calibrated point with settings added (no re-fit).

    nice -n 5 uv run python experiments/calibration/kazakhstan_points.py \
        BASE SETTING [SETTING ...] --out CSV [--reps 60] [--workers 2]

BASE and SETTING as in `library_settings.py`. Each setting is scored by
`calibrate_kazakhstan.score` with the finalists' budget (60 replications, seed 2022) at the
base's chosen point; rows are appended to CSV.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from calibrate_kazakhstan import BASELINE, score, with_overrides
from library_settings import parse

from transition_sim.scenario import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("settings", nargs="+")
    ap.add_argument("--out", type=Path, required=True, help="the CSV rows are appended to")
    ap.add_argument("--reps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    fixed = json.loads((args.base / "fixed.json").read_text())
    chosen = json.loads((args.base / "chosen.json").read_text())
    out = args.out
    for setting in args.settings:
        name, extra = parse(setting)
        scenario = with_overrides(load_scenario(BASELINE), fixed | extra | chosen)
        parts = score(scenario, args.reps, args.seed, args.workers)
        row = pd.DataFrame([{"setting": name, "reps": args.reps, "seed": args.seed, **parts}])
        row.to_csv(out, mode="a", header=not out.exists(), index=False)
        print(name, {k: round(v, 3) for k, v in parts.items()}, flush=True)


if __name__ == "__main__":
    main()
