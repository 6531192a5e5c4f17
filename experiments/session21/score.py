"""The Kazakhstan record's calibration score (experiments/calibration/calibrate_kazakhstan.py's
`score`) of the baseline, or of the baseline with a calibration point's overrides, on 500
replications of one seed: the numbers of README "Calibration", session 21.

    uv run python experiments/session21/score.py [--point CHOSEN.json] [--seed 20220105] > OUT.json

score_main_500.json: main before change C (2fe820e), no --point; score_shipped_C_500.json: this
tree, no --point; score_1012_C_500.json: --point results/candidate_1012/chosen.json;
score_1006_C_500.json: --point results/session21_C/chosen.json. All seed 20220105.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "calibration"))
from calibrate_kazakhstan import BASELINE, score, with_overrides

from transition_sim.scenario.loader import load_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, help="a calibration point's overrides (chosen.json)")
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scenario = load_scenario(BASELINE)
    if args.point:
        scenario = with_overrides(scenario, json.loads(args.point.read_text()))
    parts = score(scenario, args.reps, args.seed, args.workers)
    print(json.dumps({k: round(float(v), 4) for k, v in parts.items()}))


if __name__ == "__main__":
    main()
