"""How far the scenario's point sits from its tipping edge (session 24, helper P): Almaty's peak
crowd and the incumbent's hold at point values with one group of parameters scaled by a factor
(the same replication seeds at every factor).

    uv run python experiments/session24/priors/edge.py SCENARIO OUT.json --paths P [P ...] \
        --factors 0.75 0.85 1 1.15 1.25 [-n 60] [--seed S]

Every path is multiplied by the factor (an integer path is rounded); the rest stays at the
scenario's values. Written atomically: per factor, P(holds), P(popular transition), Almaty's
median peak, the share of runs above the sourced range (50,000) and every run's peak.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from screen import measure  # this folder's screen.py (run from this folder)

from transition_sim.scenario import load_scenario
from transition_sim.scenario.address import apply_values, scenario_values, yaml_value
from transition_sim.scenario.schema import Scenario


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--paths", nargs="+", required=True)
    ap.add_argument("--factors", nargs="+", type=float, required=True)
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    data = scenario_values(scenario)
    base = {p: yaml_value(data, p) for p in args.paths}
    result = {"scenario": str(args.scenario), "seed": seed, "n": args.n, "paths": base}
    result["factors"] = {}
    for f in args.factors:
        values = {p: (round(v * f) if isinstance(v, int) else v * f) for p, v in base.items()}
        scaled, _ = apply_values(data, values, [])
        r = measure(Scenario.model_validate(scaled), args.n, seed, None, ())
        result["factors"][str(f)] = r
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1))
        os.replace(tmp, args.out)
        print(
            f"x{f:<5} holds {r['p_holds']:.3f} popular {r['p_popular']:.3f}"
            f" peak {r['almaty_median_peak']:>9.0f} above {r['above_range']:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
