"""The library's scores per setting of runs.sh, as a Markdown table, and the cases that moved.

    uv run python experiments/diagnosis/ouster/table.py > experiments/diagnosis/ouster/tables.md

For each `library/<rule>/<setting>/backtest.json`: classes right (of 30), mean Brier, the first
six cases right and their mean Brier, the mean P(popular transition) over the library's observed
popular transitions and over its observed holds (the discrimination), the same over the five
missed ousters and the four toppled holds of the diagnosis, peaks in range (of 8), and the
Kazakhstan case's outcome shares. Then, per setting against its rule's control, the cases whose
modal class or P(observed) moved by 0.1 or more.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip
MISSED = ("Nepal 2006", "Philippines 1986", "Romania 1989", "Tunisia 2011", "Kyrgyzstan 2010")
TOPPLED = ("Russia 2011-12", "Venezuela 2017", "Zimbabwe 2008", "Togo 2005")
# the contrast sets of experiments/diagnosis/README.md (sessions 16-17)
OUSTERS5 = ("Armenia 2018", "Burkina Faso 2014", "Philippines 1986", "Serbia 2000", "Ukraine 2004")
HOLDS5 = ("Belarus 2020", "Russia 2011-12", "Togo 2005", "Venezuela 2017", "Zimbabwe 2008")


def load(folder: Path) -> tuple[dict[str, dict], dict]:
    record = json.loads((folder / "backtest.json").read_text())
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}, record


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def pop(c: dict) -> float:
    return c["shares"]["popular_transition"]


def row(folder: Path) -> list[str]:
    by, record = load(folder)
    peaks = [c["peak_crowd"] for c in by.values() if c.get("peak_crowd")]
    ousters = [pop(c) for c in by.values() if c["observed"] == "popular_transition"]
    holds = [pop(c) for c in by.values() if c["observed"] == "incumbent_holds"]
    assert (len(ousters), len(holds)) == (9, 11), (len(ousters), len(holds))
    kz = by["Kazakhstan 2022"]["shares"]
    return [
        f"{folder.parent.name} / {folder.name}",
        str(record["hits"]),
        f"{record['brier']['model']:.3f}",
        str(sum(by[n]["hit"] for n in FIRST_SIX)),
        f"{mean([by[n]['brier'] for n in FIRST_SIX]):.3f}",
        f"{mean(ousters):.3f} / {mean(holds):.3f}",
        f"{mean([pop(by[n]) for n in MISSED]):.3f} / {mean([pop(by[n]) for n in TOPPLED]):.3f}",
        f"{mean([pop(by[n]) for n in OUSTERS5]):.3f} / {mean([pop(by[n]) for n in HOLDS5]):.3f}",
        str(sum(p["verdict"] == "in range" for p in peaks)),
        f"{kz['incumbent_holds']:.2f} / {kz['rival_restoration']:.2f} / "
        f"{kz['popular_transition']:.2f} / {kz['power_sharing']:.2f}",
    ]


def moved(control: Path, treated: Path) -> list[str]:
    (a, _), (b, _) = load(control), load(treated)
    lines = []
    for name in a:
        x, y = a[name], b[name]
        if x["modal"] != y["modal"] or abs(x["p_observed"] - y["p_observed"]) >= 0.1:
            lines.append(
                f"| {treated.parent.name} / {treated.name} | {name} | {x['observed']} "
                f"| {x['modal']} -> {y['modal']} | {x['p_observed']:.3f} -> {y['p_observed']:.3f} "
                f"| {pop(x):.3f} -> {pop(y):.3f} |"
            )
    return lines


def main() -> None:
    head = ["setting", "classes right (of 30)", "mean Brier", "first six right",
            "first six Brier", "P(popular) ousters / holds (9 / 11)",
            "P(popular) missed 5 / toppled 4", "P(popular) contrast ousters 5 / holds 5",
            "peaks in range (of 8)",
            "Kazakhstan holds / restoration / popular / sharing"]  # fmt: skip
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    folders = sorted(HERE.glob("library/*/*/backtest.json"))
    for rule in ("shipped", "exact"):
        for f in [f for f in folders if f.parent.parent.name == rule]:
            print("| " + " | ".join(row(f.parent)) + " |")
    print("\n| setting | case | observed | modal | P(observed) | P(popular) |")
    print("|---|---|---|---|---|---|")
    for rule in ("shipped", "exact"):
        control = HERE / "library" / rule / "control"
        for f in folders:
            if f.parent.parent.name == rule and f.parent.name != "control":
                print("\n".join(moved(control, f.parent)))


if __name__ == "__main__":
    main()
