"""The encoded inputs that drive the crowd and the elite contest, for the ten discriminating cases.

    uv run python experiments/diagnosis/inputs.py   # -> inputs.csv, camps.csv, factions.csv

Each case is resolved with its `extends:` (transition_sim.scenario.loader.load_scenario), at the
baseline as shipped (the inputs tabulated here are the case files', not the calibrated ones).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUSTERS = ["armenia_2018", "burkina_faso_2014", "philippines_1986", "serbia_2000", "ukraine_2004"]
HOLDS = ["belarus_2020", "russia_2011", "togo_2005", "venezuela_2017", "zimbabwe_2008"]


def case_row(case: str) -> tuple[dict, list[dict], list[dict]]:
    s = load_scenario(ROOT / "scenarios" / "cases" / f"{case}.yaml")
    people = s.scale.people_per_agent
    agents = sum(r.urban_population for r in s.regions) / people
    units = sum(f.units or 0 for f in s.factions.values())
    capital = s.regions[0]
    shocks = "; ".join(
        f"d{k.day} {k.kind}"
        + (f" x{k.magnitude:g}" if k.kind != "other" else "")
        + ("" if k.region == "all" else f" @{k.region}")
        for k in s.shocks
    )
    effects = [(getattr(s.triggers, k.kind), k.magnitude) for k in s.shocks if k.kind != "other"]
    hardship = sum(e.hardship * m for e, m in effects)  # per unit: the baseline's `triggers`
    legit = sum(e.legitimacy * m for e, m in effects)
    perf = sum(e.performance * m for e, m in effects)
    incumbent = next(c for c in s.camps if c.incumbent)
    row = {
        "case": case,
        "group": "ouster" if case in OUSTERS else "hold",
        "observed": s.observed.outcome if s.observed else "",
        "shocks": shocks,
        "shock_hardship_sum": round(hardship, 3),
        "shock_legitimacy_sum": round(legit, 3),
        "shock_performance_sum": round(perf, 3),
        "gov_performance": s.government.performance,
        "gov_legitimacy_adjustment": s.government.legitimacy_adjustment,
        "incumbent_legitimacy": incumbent.legitimacy,
        "incumbent_power": incumbent.power,
        "n_camps": len(s.camps),
        "ally_camps": sum(c.ally_of is not None for c in s.camps),
        "rival_camps": sum(not c.incumbent and c.ally_of is None for c in s.camps),
        "n_regions": len(s.regions),
        "capital": capital.name,
        "capital_urban_pop": capital.urban_population,
        "capital_share_of_agents": round(capital.urban_population / people / agents, 3),
        "total_urban_pop": int(agents * people),
        "units": units,
        "units_per_1000_agents": round(1000 * units / agents, 1),
        "violent_share": s.protesters.violent_share,
        "patron": f"{s.patron.aligned_with}" if s.patron.enabled else "off",
        "patron_cost": s.patron.cost if s.patron.enabled else None,
        "hardship_shift_regions": ";".join(
            f"{r.name}:{r.hardship_shift:g}" for r in s.regions if r.hardship_shift
        ),
    }
    camps = [
        {
            "case": case,
            "camp": c.name,
            "incumbent": c.incumbent,
            "power": c.power,
            "legitimacy": c.legitimacy,
            "cohesion": c.cohesion,
            "resistance": c.resistance,
            "ally_of": c.ally_of or "",
            "defection": c.defection,
        }
        for c in s.camps
    ]
    factions = [
        {
            "case": case,
            "faction": name,
            "units": f.units,
            "kind": f.kind,
            "loyalty": ";".join(f"{k}:{v:g}" for k, v in f.loyalty.items()),
            "guardian": f.guardian,
            "counterweight": f.counterweight,
            "stacked": f.stacked,
            "cohesion": f.cohesion,
            "repression_aversion": f.repression_aversion,
            "sympathy": f.sympathy,
        }
        for name, f in s.factions.items()
        if f is not None
    ]
    return row, camps, factions


def main() -> None:
    rows, camps, factions = [], [], []
    for case in OUSTERS + HOLDS:
        r, c, f = case_row(case)
        rows.append(r)
        camps += c
        factions += f
    pd.DataFrame(rows).to_csv(HERE / "inputs.csv", index=False)
    pd.DataFrame(camps).to_csv(HERE / "camps.csv", index=False)
    pd.DataFrame(factions).to_csv(HERE / "factions.csv", index=False)
    print(pd.DataFrame(rows).drop(columns=["shocks"]).to_string())
    print(pd.DataFrame(rows)[["case", "shocks"]].to_string())
    print(pd.DataFrame(camps).to_string())
    print(pd.DataFrame(factions).to_string())


if __name__ == "__main__":
    main()
