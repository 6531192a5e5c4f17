"""Compare backtest JSONs (same seeds): classes right, mean Brier, the first six, P(insider).

uv run python experiments/diagnosis/insider/compare.py BEFORE.json AFTER.json [...]
"""

from __future__ import annotations

import json
import sys

INSIDERS = ["east_germany_1989", "guinea_2008", "sudan_1985", "mali_2020", "tunisia_1987",
            "zimbabwe_2017"]  # fmt: skip
FIRST_SIX = ["kazakhstan_2022", "belarus_2020", "armenia_2018", "kyrgyzstan_2010",
             "uzbekistan_2016", "zimbabwe_2017"]  # fmt: skip


def load(path: str) -> dict[str, dict]:
    return {c["file"].split("/")[-1][:-5]: c for c in json.load(open(path))["cases"]}


def row(label: str, d: dict[str, dict]) -> str:
    n = len(d)
    others = [c for c in d if c not in INSIDERS]
    return " | ".join(
        [
            label,
            f"{sum(c['hit'] for c in d.values())} of {n}",
            f"{sum(c['brier'] for c in d.values()) / n:.3f}",
            f"{sum(d[c]['hit'] for c in FIRST_SIX)} of 6",
            f"{sum(d[c]['brier'] for c in FIRST_SIX) / 6:.3f}",
            ", ".join(f"{d[c]['shares']['insider_takeover']:.3f}" for c in INSIDERS),
            f"{sum(d[c]['shares']['insider_takeover'] for c in others) / len(others):.3f}",
            f"{max(d[c]['shares']['insider_takeover'] for c in others):.3f}",
        ]
    )


def main() -> None:
    files = sys.argv[1:]
    print("| run | classes right | mean Brier | first six right | first six Brier | P(insider) "
          "EG 1989, Guinea, Sudan, Mali, Tunisia 1987, Zimbabwe 2017 | mean P(insider), 24 "
          "others | max P(insider), 24 others |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    base = load(files[0])
    for f in files:
        print("| " + row(f.split("/")[-1], load(f)) + " |")
    for f in files[1:]:
        d = load(f)
        print(f"\nChanged cases in {f.split('/')[-1]} (shares > 0, Brier):")
        for c in base:
            if base[c]["shares"] != d[c]["shares"]:
                b = {k[:5]: round(v, 3) for k, v in base[c]["shares"].items() if v}
                a = {k[:5]: round(v, 3) for k, v in d[c]["shares"].items() if v}
                print(f"- {c} (observed {base[c]['observed']}): {b} -> {a}, "
                      f"Brier {base[c]['brier']:.2f} -> {d[c]['brier']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
