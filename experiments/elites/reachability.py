"""What would it take? A post-hoc sweep over the Kyrgyz case (NOT part of the library or the
backtest): how often does the run end in a popular transition when the incumbent's legitimacy
and the services' loyalty to it are lower than the library's encoding rules give?

    uv run python experiments/elites/reachability.py -n 40     # results/reachability.json

The committed case (scenarios/cases/kyrgyzstan_2010.yaml) gives Bakiyev the baseline's
legitimacy 0.85 and services loyal to him at 0.8 (rules 6-7); this sweep lowers the first by a
legitimacy shock on day 0 and the second by moving loyalty to the services' own interest. It
answers whether the mechanism can produce the observed outcome and what it needs; it is run
after the backtest and must not be read as a fit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "scenarios" / "cases" / "kyrgyzstan_2010.yaml"
RESULTS = Path(__file__).resolve().parent / "results"


def variant(case: Scenario, legitimacy_shock: float, loyalty: float) -> Scenario:
    data = case.model_dump(mode="json")
    incumbent = case.incumbent.name
    for faction in data["factions"].values():
        moved = faction["loyalty"][incumbent] - loyalty * faction["loyalty"][incumbent] / 0.8
        faction["loyalty"][incumbent] -= moved
        faction["loyalty"]["self_interest"] += moved
    data["shocks"] = [
        {"day": 0, "label": "lower legitimacy", "legitimacy": legitimacy_shock},
        *data["shocks"],
    ]
    return Scenario.model_validate(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--replications", type=int, default=40)
    ap.add_argument("-w", "--workers", type=int, default=2)
    args = ap.parse_args()
    case = load_scenario(CASE)
    rows = []
    for shock in (0.0, -0.25, -0.5):
        for loyalty in (0.8, 0.6, 0.4):
            runs = run_ensemble(
                variant(case, shock, loyalty),
                args.replications,
                case.seed,
                workers=args.workers,
                keep="summary",
            ).runs
            rows.append(
                {
                    "legitimacy": round(case.incumbent.legitimacy + shock, 2),
                    "loyalty_of_regular_services": loyalty,
                    "popular_transition": float((runs.outcome == "popular_transition").mean()),
                    "peak_active_share": float(runs.peak_active_share.median()),
                    "outcomes": runs.outcome.value_counts(normalize=True).round(3).to_dict(),
                }
            )
            print(rows[-1], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reachability.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
