"""Two arms of `library_settings.py` side by side: the library's scores and the cases that moved.

    uv run python experiments/calibration/results/coalition/compare.py CONTROL_DIR TREATED_DIR

Each DIR holds a `backtest.json` (`transition-sim backtest --json`). Prints a Markdown summary
(classes right of 30, mean Brier, modal right in the first six cases, peaks in range of 8,
P(popular transition) in the five ousters and the five holds) and a row per case whose outcome
shares moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip
OUSTERS = ("Armenia 2018", "Burkina Faso 2014", "Philippines 1986", "Serbia 2000", "Ukraine 2004")
HOLDS = ("Belarus 2020", "Russia 2011-12", "Togo 2005", "Venezuela 2017", "Zimbabwe 2008")


def cases(folder: Path) -> tuple[dict[str, dict], dict]:
    record = json.loads((folder / "backtest.json").read_text())
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}, record


def popular(c: dict) -> float:
    return c["shares"]["popular_transition"]


def scores(folder: Path) -> dict[str, object]:
    by_name, record = cases(folder)
    peaks = [c["peak_crowd"] for c in by_name.values() if c.get("peak_crowd")]
    return {
        "classes right (of 30)": record["hits"],
        "mean Brier (uniform 0.833)": round(record["brier"]["model"], 3),
        "modal right, first six": sum(by_name[n]["hit"] for n in FIRST_SIX),
        f"peaks in range (of {len(peaks)})": sum(p["verdict"] == "in range" for p in peaks),
        "mean P(popular), 5 ousters": round(sum(popular(by_name[n]) for n in OUSTERS) / 5, 3),
        "mean P(popular), 5 holds": round(sum(popular(by_name[n]) for n in HOLDS) / 5, 3),
    }


def main() -> None:
    control, treated = (Path(a) for a in sys.argv[1:3])
    a, b = scores(control), scores(treated)
    print(f"| score | {control.name} | {treated.name} |\n|---|---|---|")
    for key in a:
        print(f"| {key} | {a[key]} | {b[key]} |")
    (ca, _), (cb, _) = cases(control), cases(treated)
    columns = "observed | modal | P(observed) | P(popular) | P(power sharing) | peak median"
    print(f"\n| case | {columns} |\n|---|---|---|---|---|---|---|")
    for name in ca:
        x, y = ca[name], cb[name]
        if x["shares"] == y["shares"] and x.get("peak_crowd") == y.get("peak_crowd"):
            continue
        peak = [c["peak_crowd"]["model_median"] if c.get("peak_crowd") else "-" for c in (x, y)]
        print(
            f"| {name} | {x['observed']} | {x['modal']} -> {y['modal']} "
            f"| {x['p_observed']:.3f} -> {y['p_observed']:.3f} "
            f"| {popular(x):.3f} -> {popular(y):.3f} "
            f"| {x['shares']['power_sharing']:.3f} -> {y['shares']['power_sharing']:.3f} "
            f"| {peak[0]} -> {peak[1]} |"
        )


if __name__ == "__main__":
    main()
