"""Where guarding puts the blocks' units (session 24, helper U): at point 1025 (standing guard 0),
for crowd.guarding 0, 0.1, 0.3, the first 12 days of 10 runs (seeds 0-9), day by day in Almaty:
the share of its residents (blocks) that see at least one deterring unit, the mean and the 10th
percentile of the deterring units a resident sees, the median Chebyshev
distance of its deterring units from the nearest site (in cells), and its active people.

    nice -n 10 uv run python experiments/session24/guard/coverage.py > coverage.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))

import calibrate_kazakhstan as ck  # noqa: E402

from transition_sim.core.model import TransitionModel  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402

POINT = ROOT / "experiments" / "session24" / "contest" / "point_blocks24.json"
DAYS, SEEDS = 12, range(10)


def gap(crowd) -> np.ndarray:  # type: ignore[no-untyped-def]
    side, h = crowd.side, crowd.side / 2
    best = np.full(crowd.m, np.inf)
    for c in crowd.site_cells:
        dx = np.abs((crowd.ux - c // side - 0.5 + h) % side - h)
        dy = np.abs((crowd.uy - c % side - 0.5 + h) % side - h)
        best = np.minimum(best, np.maximum(dx, dy))
    return best[crowd.unit_deters]


def main() -> None:
    out = {}
    for g in (0.0, 0.1, 0.3):
        overrides = json.loads(POINT.read_text())
        overrides.update({"violence.site_guard": 0, "crowd.guarding": g})
        scenario = ck.with_overrides(load_scenario(ck.BASELINE), overrides)
        r = [x.name for x in scenario.regions].index("Almaty")
        seen, dist, active, mean_seen, low_seen = [], [], [], [], []
        for seed in SEEDS:
            model = TransitionModel(scenario, seed=seed)
            row_s, row_d, row_a, row_m, row_l = [], [], [], [], []
            for _ in range(DAYS):
                model.step()
                crowd = model.crowds[r]
                blocks = crowd.pos[: crowd.n]
                row_s.append(float((crowd.cops_seen[blocks] > 0.5).mean()))
                row_m.append(float(crowd.cops_seen[blocks].mean()))
                row_l.append(float(np.percentile(crowd.cops_seen[blocks], 10)))
                row_d.append(float(np.median(gap(crowd))) if crowd.unit_deters.any() else None)
                row_a.append(float(crowd.active.sum() * crowd.people_per_agent))
            seen.append(row_s)
            dist.append(row_d)
            active.append(row_a)
            mean_seen.append(row_m)
            low_seen.append(row_l)
        crowd = model.crowds[r]
        out[str(g)] = {
            "almaty_side": crowd.side,
            "almaty_units": int(crowd.m),
            "almaty_sites": len(crowd.site_cells),
            "unit_reach_cells": crowd.reach,
            "share_seeing_a_unit_by_day_mean": np.mean(seen, axis=0).round(3).tolist(),
            "units_seen_by_day_mean": np.mean(mean_seen, axis=0).round(2).tolist(),
            "units_seen_p10_by_day_mean": np.mean(low_seen, axis=0).round(2).tolist(),
            "unit_site_distance_by_day_median": np.nanmedian(np.array(dist, dtype=float), axis=0)
            .round(2)
            .tolist(),
            "active_people_by_day_median": np.median(active, axis=0).round(0).tolist(),
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
