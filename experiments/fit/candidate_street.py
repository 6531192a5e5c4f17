"""Why the candidate fit (library_crowds) has no ousters: at its heaviest particle, how strong is
the street beside the units, and do the services stand aside?

    uv run python experiments/fit/candidate_street.py armenia_2018 kyrgyzstan_2010 [-n 20]

For each case, `-n` replications (seeds 0..n-1) at the particle's values; per run: the outcome,
the peak active share, the street's strength at that peak (protest weight x share; the units'
strengths add up to 1, docs/ODD.md §7.9), the stance changes to standing aside or defecting,
seat occupations and rulers leaving. Printed, not stored.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from transition_sim.scenario.address import apply_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
POSTERIOR = ROOT / "experiments" / "fit" / "results" / "library_crowds" / "posterior.parquet"


def run(case: str, values: dict[str, float], n: int) -> pd.DataFrame:
    scenario = load_scenario(ROOT / "scenarios" / "cases" / f"{case}.yaml")
    scenario = Scenario.model_validate(apply_values(scenario.model_dump(mode="json"), values)[0])
    rows = []
    for seed in range(n):
        result = simulate(scenario, seed)
        actions = result.events.action
        peak = result.metrics["peak_active_share"]
        rows.append(
            {
                "outcome": result.outcome,
                "peak_share": peak,
                "street_at_peak": values["expectations.protest_weight"] * peak,
                "aside_or_defect": int(actions.isin(["stance_stand_aside", "stance_defect"]).sum()),
                "seat_occupied": int((actions == "occupy_seat").sum()),
                "ruler_leaves": int((actions == "leave_office").sum()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    posterior = pd.read_parquet(POSTERIOR).sort_values("weight", ascending=False)
    heaviest = posterior.iloc[0].drop(["particle", "weight"])
    values = {k: float(v) for k, v in heaviest.items()}
    for case in args.cases:
        table = run(case, values, args.n)
        print(case, table.outcome.value_counts().to_dict())
        print(table.drop(columns="outcome").describe().loc[["mean", "50%", "max"]].round(3))


if __name__ == "__main__":
    main()
