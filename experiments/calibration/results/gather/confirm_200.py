"""Chosen points re-scored on 200 replications with a fresh seed (11), on this branch (the
stream of kdraw's move change): the controls and the gathering calibrations, and the
arrest_exact_k1.5 point with gathering 1 and peaceful_occupation 0.5 set without a re-fit.
`confirm_200.json`. Run from the project's root:

    nice -n 5 uv run python experiments/calibration/results/gather/confirm_200.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from transition_sim.scenario import load_scenario

RESULTS = Path("experiments/calibration/results")
POINTS = (
    "skew_grid/k1",
    "gather/calib_exact_control",
    "gather/calib_exact_g1_po0.5",
    "gather/calib_k1.5_control",
    "gather/calib_k1.5_g1_po0.5",
    "arrest_exact_k1.5",
    "gather/arrest_exact_k1.5/g1_po0.5",
)


def main() -> None:
    sys.path.insert(0, "experiments/calibration")
    from calibrate_kazakhstan import BASELINE, score, with_overrides

    out: dict[str, object] = {
        "what": "each chosen point re-scored on 200 replications, seed 11 (calibrate's score)"
    }
    for folder in POINTS:
        d = RESULTS / folder
        point = json.loads((d / "fixed.json").read_text())
        point |= json.loads((d / "chosen.json").read_text())
        parts = score(with_overrides(load_scenario(BASELINE), point), 200, 11, 2)
        out[folder] = {k: round(v, 4) for k, v in parts.items()}
        print(folder, out[folder], flush=True)
        (RESULTS / "gather" / "confirm_200.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
