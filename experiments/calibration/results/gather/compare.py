"""The library's settings side by side, from each folder's backtest.json.

    uv run python experiments/calibration/results/gather/compare.py [--out summary.csv]

Per base (arrest_exact, arrest_exact_k1.5) and setting: classes right of 30, Brier, peaks in
range of 8; and per case of the ousters and holds named in issue 13's follow-up, the share of
popular transitions and the modal class (cases.csv).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # experiments/calibration
from library_crowds import summarize  # noqa: E402

OUSTERS = ["armenia_2018", "burkina_faso_2014", "philippines_1986", "serbia_2000", "ukraine_2004"]
HOLDS = ["belarus_2020", "russia_2011", "togo_2005", "venezuela_2017", "zimbabwe_2008"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "summary.csv")
    args = ap.parse_args()
    rows, cases = [], []
    paths = sorted(HERE.glob("*/*/backtest.json")) + sorted(HERE.glob("calib_*/backtest.json"))
    for path in paths:
        # the bases' settings (base/setting/), and the re-fitted points (calib_*/: "refit")
        refit = path.parent.name.startswith("calib_")
        base = "refit" if refit else path.parent.parent.name
        setting = path.parent.name
        record = json.loads(path.read_text())
        rows.append({"base": base, **summarize(setting, record, float("nan"))})
        for c in record["cases"]:
            case = Path(c["file"]).stem
            if case in OUSTERS + HOLDS:
                cases.append(
                    {
                        "base": base,
                        "setting": setting,
                        "case": case,
                        "observed": c["observed"],
                        "p_popular": c["shares"]["popular_transition"],
                        "p_observed": c["p_observed"],
                        "modal": c["modal"],
                        "hit": c["hit"],
                    }
                )
    per_case = pd.DataFrame(cases)
    group = per_case.case.isin(OUSTERS).map({True: "ousters", False: "holds"})
    popular = per_case.groupby(["base", "setting", group]).p_popular.mean().unstack()
    popular = popular.rename(columns=lambda c: f"p_popular_{c}").reset_index()
    table = pd.DataFrame(rows).drop(columns=["kazakhstan_total"]).merge(popular)
    # Discrimination: the ousters' mean share of popular transitions minus the holds'.
    table["ousters_minus_holds"] = table.p_popular_ousters - table.p_popular_holds
    table.round(3).to_csv(args.out, index=False)
    print(table.round(3).to_string(index=False))
    per_case.to_csv(args.out.with_name("cases.csv"), index=False)
    wide = per_case.pivot_table(
        index=["case", "observed"], columns=["base", "setting"], values="p_popular"
    )
    print(wide.round(2).to_string())
    hits = per_case.pivot_table(index="case", columns=["base", "setting"], values="hit")
    print(hits.astype(int).to_string())


if __name__ == "__main__":
    main()
