"""The record's score (experiments/calibration/calibrate_kazakhstan.score, unchanged) of a
scenario with each region's contagion signal capped (the fix proposed in README.md), by wrapping
the populations' day in this process (one worker; nothing in transition_sim/ edited).

    uv run python experiments/session24/runaway/score_cap.py SCENARIO OUT.json --cap 0.05 \
        [--reps 200] [--seed 20220105]      (--cap none: the model as it is)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from transition_sim.core import blocks as B
from transition_sim.core import population as P
from transition_sim.scenario import load_scenario
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calibration"))
from calibrate_kazakhstan import score


def capped(step, cap: float):
    def wrapped(self, rules, contagion):
        return step(self, rules, np.minimum(contagion, cap))

    return wrapped


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--cap", default="none")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20220105)
    args = ap.parse_args()
    data = scenario_values(load_scenario(args.scenario))
    data.pop("from_posterior", None)  # point values, as the calibration scores them
    scenario = Scenario.model_validate(data)
    if args.cap != "none":
        cap = float(args.cap)
        B.BlockPopulation.step = capped(B.BlockPopulation.step, cap)
        P.Population.step = capped(P.Population.step, cap)
    t0 = time.process_time()
    parts = score(scenario, args.reps, args.seed, workers=1)
    out = {
        "scenario": str(args.scenario),
        "cap": args.cap,
        "reps": args.reps,
        "seed": args.seed,
        "cpu_s": round(time.process_time() - t0, 1),
        "parts": parts,
    }
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1))
    os.replace(tmp, args.out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
