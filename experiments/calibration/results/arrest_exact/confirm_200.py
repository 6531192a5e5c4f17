"""Each chosen point (the rounded control, exact, exact with the arrest constant 1.5) re-scored
on 200 replications with a fresh seed (11): `confirm_200.json`. Run from the project's root:

    uv run python experiments/calibration/results/arrest_exact/confirm_200.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from transition_sim.scenario import load_scenario

RESULTS = Path("experiments/calibration/results")
POINTS = ("skew_grid/k1", "arrest_exact", "arrest_exact_k1.5")


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
    (RESULTS / "arrest_exact" / "confirm_200.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
