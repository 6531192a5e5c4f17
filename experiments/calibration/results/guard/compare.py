"""Guarding's settings against their control, from each folder's backtest.json.

    uv run python experiments/calibration/results/guard/compare.py

The control is gather's best point (`../gather/arrest_exact_k1.5/g1_po0.5/`: the exact ratio,
arrest constant 1.5, gathering 1, peaceful occupation 0.5; guarding 0, draw for draw the same
on this branch); the settings `u<guarding>/` add `crowd.guarding`. Per setting: classes right
of 30, Brier, peaks in range of 8, the mean share of popular transitions over the five ousters
and five holds (`summary.csv`); per case of the ten, the share and modal class (`cases.csv`);
and every case whose modal class differs from the control's (`changes.csv`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # experiments/calibration
from library_crowds import summarize  # noqa: E402

OUSTERS = ["armenia_2018", "burkina_faso_2014", "philippines_1986", "serbia_2000", "ukraine_2004"]
HOLDS = ["belarus_2020", "russia_2011", "togo_2005", "venezuela_2017", "zimbabwe_2008"]
CONTROL = HERE.parent / "gather" / "arrest_exact_k1.5" / "g1_po0.5" / "backtest.json"


def main() -> None:
    paths = {"u0 (control)": CONTROL} | {
        p.parent.name: p for p in sorted(HERE.glob("u*/backtest.json"))
    }
    rows, cases, modal = [], [], {}
    for setting, path in paths.items():
        record = json.loads(path.read_text())
        rows.append(summarize(setting, record, float("nan")))
        for c in record["cases"]:
            case = Path(c["file"]).stem
            modal[setting, case] = (c["modal"], c["observed"], c["hit"])
            if case in OUSTERS + HOLDS:
                cases.append(
                    {
                        "setting": setting,
                        "case": case,
                        "group": "ouster" if case in OUSTERS else "hold",
                        "p_popular": c["shares"]["popular_transition"],
                        "p_observed": c["p_observed"],
                        "modal": c["modal"],
                        "hit": c["hit"],
                    }
                )
    per_case = pd.DataFrame(cases)
    popular = per_case.groupby(["setting", "group"]).p_popular.mean().unstack()
    popular = popular.rename(columns=lambda c: f"p_popular_{c}s").reset_index()
    table = pd.DataFrame(rows).drop(columns=["kazakhstan_total"]).merge(popular)
    table["ousters_minus_holds"] = table.p_popular_ousters - table.p_popular_holds
    table.round(3).to_csv(HERE / "summary.csv", index=False)
    per_case.to_csv(HERE / "cases.csv", index=False)
    print(table.round(3).to_string(index=False))
    print(per_case.pivot_table(index=["group", "case"], columns="setting", values="p_popular"))
    changes = [
        {"setting": s, "case": case, "observed": obs, "control": modal["u0 (control)", case][0],
         "modal": m, "hit": hit}
        for (s, case), (m, obs, hit) in modal.items()
        if s != "u0 (control)" and m != modal["u0 (control)", case][0]
    ]  # fmt: skip
    pd.DataFrame(changes).to_csv(HERE / "changes.csv", index=False)
    print(pd.DataFrame(changes).to_string(index=False))


if __name__ == "__main__":
    main()
