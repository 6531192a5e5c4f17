"""What an ignited Almaty crowd looks like in each crowd (session 24, helper P): runs at point
values with all security units scaled by a factor (edge.py's scaling), and, in the runs whose
Almaty peak is above 50,000, the peak's share of Almaty's residents, its day, the jailed share at
the peak, the largest daily arrests, and each faction's stance on the peak day.

    uv run python experiments/session24/priors/runaway.py SCENARIO OUT.json --factor 0.85 [-n 20]
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario import load_scenario
from transition_sim.scenario.address import apply_values, scenario_values, yaml_value
from transition_sim.scenario.schema import Scenario

UNITS = [f"factions.{f}.units_per_1000" for f in ("police", "KNB", "army", "guard")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--factor", type=float, default=0.85)
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    data = scenario_values(scenario)
    scaled, _ = apply_values(data, {p: yaml_value(data, p) * args.factor for p in UNITS}, [])
    scenario = Scenario.model_validate(scaled)
    ens = run_ensemble(scenario, args.n, scenario.seed, workers=1)
    ppa = scenario.scale.people_per_agent
    ts = ens.timeseries
    city = ts[ts.region == "Almaty"].copy()
    city["people"] = city[["active", "quiet", "jailed"]].sum(axis=1)
    stances = [c for c in ts.columns if c.startswith("stance_")]
    runs = []
    for rep, g in city.groupby("replication"):
        g = g.sort_values("day")
        peak_row = g.loc[g.active.idxmax()]
        if peak_row.active * ppa <= 50_000:
            continue
        runs.append(
            {
                "replication": int(rep),
                "peak": float(peak_row.active * ppa),
                "peak_share": round(float(peak_row.active / peak_row.people), 3),
                "peak_day": int(peak_row.day),
                "jailed_share_at_peak": round(float(peak_row.jailed / peak_row.people), 4),
                "max_daily_arrests_people": float(g.arrests.max() * ppa),
                "stances_at_peak": {c: str(peak_row[c]) for c in stances},
                "outcome": str(ens.runs.set_index("replication").outcome[rep]),
            }
        )
    summary = {
        "scenario": str(args.scenario),
        "factor": args.factor,
        "n": args.n,
        "seed": scenario.seed,
        "ignited": len(runs),
        "stances_at_peak": {
            c: dict(Counter(r["stances_at_peak"][c] for r in runs)) for c in stances
        },
        "runs": runs,
    }
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, indent=1))
    os.replace(tmp, args.out)
    for r in runs:
        print(
            f"rep {r['replication']:>3} peak {r['peak']:>10,.0f} share {r['peak_share']:.3f}"
            f" day {r['peak_day']:>2} jailed {r['jailed_share_at_peak']:.4f}"
            f" arrests/day {r['max_daily_arrests_people']:>8,.0f} {r['outcome']}"
            f" {r['stances_at_peak']}"
        )
    print(summary["stances_at_peak"])


if __name__ == "__main__":
    main()
