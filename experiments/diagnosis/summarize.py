"""Tables for the README from run.py's CSVs.

    uv run python experiments/diagnosis/summarize.py   # -> mechanism.csv, swap_effects.csv

`baseline.csv`: the ten cases as encoded; `swaps.csv`: one input changed. Each swap is compared
with its case as encoded on the same seeds (0..n-1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
KEYS = ["peak_share", "P_popular_transition", "P_power_sharing", "P_incumbent_holds"]
KEYS += ["days_to_order"]
CLASSES = ["popular_transition", "power_sharing", "incumbent_holds", "insider_takeover"]


def per_run(t: pd.DataFrame) -> dict:
    counts = t.outcome.value_counts(normalize=True)
    decisive = t.decisive.value_counts()
    return {
        "n": len(t),
        "peak_share": round(t.peak_share.mean(), 3),
        "peak_share_median": round(t.peak_share.median(), 3),
        "days_to_order": round(t.days_to_order.mean(), 1),
        "aside_or_defect": round(t.aside_or_defect.mean(), 2),
        "sites_seized": round(t.sites_seized.mean(), 2),
        "seat_occupied": round(t.seat_occupied.mean(), 2),
        "camp_resists": round(t.camp_resists.mean(), 2),
        **{f"P_{c}": round(float(counts.get(c, 0.0)), 3) for c in [*CLASSES, "unresolved"]},
        "ends": ", ".join(f"{k} {v}" for k, v in decisive.items()),
    }


def main() -> None:
    base = pd.read_csv(HERE / "baseline.csv")
    mech = pd.DataFrame([{"case": c, **per_run(t)} for c, t in base.groupby("case", sort=False)])
    mech.to_csv(HERE / "mechanism.csv", index=False)
    print(mech.to_string())
    swaps = pd.read_csv(HERE / "swaps.csv")
    rows = []
    for _job, t in swaps.groupby("job", sort=False):
        case = t.case.iloc[0]
        b = base[(base.case == case) & base.seed.isin(t.seed)]
        before, after = per_run(b), per_run(t)
        rows.append(
            {
                "case": case,
                "swap": t.swap.iloc[0],
                "n": len(t),
                **{
                    f"{k}_{w}": v[k]
                    for k in [
                        "peak_share",
                        "P_popular_transition",
                        "P_power_sharing",
                        "P_incumbent_holds",
                        "days_to_order",
                    ]
                    for w, v in (("before", before), ("after", after))
                },
            }
        )
    effects = pd.DataFrame(rows)
    effects.to_csv(HERE / "swap_effects.csv", index=False)
    print(effects.to_string())


if __name__ == "__main__":
    main()
