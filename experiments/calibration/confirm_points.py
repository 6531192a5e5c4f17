"""Calibrated points re-scored with more replications and a fresh seed (a chosen point's
finalist total is the best of six on 60 replications, so it is optimistic).

    nice -n 5 uv run python experiments/calibration/confirm_points.py FOLDER [FOLDER ...] \
        --out FILE.json [--reps 200] [--seed 11] [--workers 2]

Each FOLDER is a calibration's results folder, or a setting's folder of `library_settings.py`
(its `fixed.json` and `chosen.json` applied to the baseline), relative to
experiments/calibration/results/; each is scored by `calibrate_kazakhstan.score`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from calibrate_kazakhstan import BASELINE, score, with_overrides

from transition_sim.scenario import load_scenario

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    out: dict[str, object] = {
        "what": f"each chosen point re-scored on {args.reps} replications, seed {args.seed}"
        " (calibrate's score)"
    }
    for folder in args.folders:
        d = RESULTS / folder
        point = json.loads((d / "fixed.json").read_text())
        point |= json.loads((d / "chosen.json").read_text())
        parts = score(with_overrides(load_scenario(BASELINE), point), args.reps, args.seed,
                      args.workers)  # fmt: skip
        out[folder] = {k: round(v, 4) for k, v in parts.items()}
        print(folder, out[folder], flush=True)
        args.out.write_text(json.dumps(out, indent=1) + "\n")  # each point as it comes


if __name__ == "__main__":
    main()
