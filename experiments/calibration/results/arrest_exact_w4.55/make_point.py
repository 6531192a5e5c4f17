"""The exact rule at its chosen point with the control's street weight (4.546): the Kazakhstan
score (60 replications, seed 2022, as the finalists') and a finalists.csv row for
library_crowds.py. Run from the project's root:

    uv run python experiments/calibration/results/arrest_exact_w4.55/make_point.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from transition_sim.scenario import load_scenario

RESULTS = Path("experiments/calibration/results")


def main() -> None:
    sys.path.insert(0, "experiments/calibration")
    from calibrate_kazakhstan import BASELINE, score, with_overrides

    src, out = RESULTS / "arrest_exact", RESULTS / "arrest_exact_w4.55"
    fixed = json.loads((src / "fixed.json").read_text())
    chosen = json.loads((src / "chosen.json").read_text()) | {"expectations.protest_weight": 4.546}
    (out / "fixed.json").write_text(json.dumps(fixed, indent=2) + "\n")
    (out / "chosen.json").write_text(json.dumps(chosen, indent=2) + "\n")
    scenario = with_overrides(with_overrides(load_scenario(BASELINE), fixed), chosen)
    parts = score(scenario, 60, 2022, 2)
    pd.DataFrame([{"point": -1, **chosen, **parts}]).to_csv(out / "finalists.csv", index=False)
    print(parts)


if __name__ == "__main__":
    main()
