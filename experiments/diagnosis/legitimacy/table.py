"""Rule 14 against the control: the library's scores and every case's change, as Markdown.

    L=experiments/diagnosis/legitimacy; uv run python $L/table.py > $L/tables.md

Reads `control.json` (main's case files at ece0b27), `rule14.json` (rule 14's first encoding) and
`rule14_audited.json` (after the audit re-encoded four files; the per-case table compares it with
the control), each the
`--json` record of `transition-sim backtest ... -n 40 -w 2` (each case's own seed, point values).
Per run: classes right (of 30), mean Brier, the first six cases right and their mean Brier, the
mean P(popular transition) over the observed popular transitions and over the observed holds,
the same over the diagnosis's three ousters with no crowd (Nepal, Romania, Tunisia 2011) and its
four toppled holds, peaks in range (of 8). Then every case: P(observed), modal class and P(popular)
before and after, and the median peak crowd where the case records one.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip
NO_CROWD = ("Nepal 2006", "Romania 1989", "Tunisia 2011")
TOPPLED = ("Russia 2011-12", "Venezuela 2017", "Zimbabwe 2008", "Togo 2005")
CHANGED = (
    "Nepal 2006",
    "Philippines 1986",
    "Serbia 2000",
    "Venezuela 2017",
    "Zimbabwe 2008",
    "Sudan 1985",
)  # Sudan: re-encoded by the audit


def load(name: str) -> tuple[dict[str, dict], dict]:
    record = json.loads((HERE / name).read_text())
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}, record


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def pop(c: dict) -> float:
    return c["shares"]["popular_transition"]


def row(label: str, name: str) -> str:
    by, record = load(name)
    peaks = [c["peak_crowd"] for c in by.values() if c.get("peak_crowd")]
    ousters = [pop(c) for c in by.values() if c["observed"] == "popular_transition"]
    holds = [pop(c) for c in by.values() if c["observed"] == "incumbent_holds"]
    cells = [
        label,
        str(record["hits"]),
        f"{record['brier']['model']:.3f}",
        str(sum(by[n]["hit"] for n in FIRST_SIX)),
        f"{mean([by[n]['brier'] for n in FIRST_SIX]):.3f}",
        f"{mean(ousters):.3f} / {mean(holds):.3f}",
        f"{mean([pop(by[n]) for n in NO_CROWD]):.3f} / {mean([pop(by[n]) for n in TOPPLED]):.3f}",
        f"{mean([pop(by[n]) for n in CHANGED]):.3f}",
        str(sum(p["verdict"] == "in range" for p in peaks)),
    ]
    return "| " + " | ".join(cells) + " |"


def peak(c: dict) -> str:
    p = c.get("peak_crowd")
    return f"{p['model_median']:,.0f} ({p['verdict']})" if p else ""


def main() -> None:
    a, record = load("control.json")
    # the latest encoding: after the audit (four files re-encoded) where it has been scored
    latest = "rule14_audited.json" if (HERE / "rule14_audited.json").exists() else "rule14.json"
    b, _ = load(latest)
    ousters = sum(c["observed"] == "popular_transition" for c in a.values())
    holds = sum(c["observed"] == "incumbent_holds" for c in a.values())
    head = ["run", "classes right (of 30)", "mean Brier", "first six right", "first six Brier",
            f"P(popular) ousters / holds ({ousters} / {holds})",
            "P(popular) no-crowd 3 / toppled 4", "P(popular) the 6 re-encoded",
            "peaks in range (of 8)"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    print(row("control (main, ece0b27)", "control.json"))
    print(row("rule 14", "rule14.json"))
    if latest != "rule14.json":
        print(row("rule 14, audited", latest))
    base = record["brier"]
    print(f"\n(uniform guess {base['uniform']:.3f}, base rates {base['base_rates']:.3f})\n")
    head = ["case", "observed", "P(observed)", "modal", "P(popular)", "Brier", "median peak"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name in a:
        x, y = a[name], b[name]
        mark = " **(re-encoded)**" if name in CHANGED else ""
        print(
            f"| {name}{mark} | {x['observed']} | {x['p_observed']:.3f} -> {y['p_observed']:.3f} "
            f"| {x['modal']} -> {y['modal']} | {pop(x):.3f} -> {pop(y):.3f} "
            f"| {x['brier']:.3f} -> {y['brier']:.3f} | {peak(x)} -> {peak(y)} |"
        )


if __name__ == "__main__":
    main()
