"""The headline numbers of backtest records side by side (experiments/diagnosis/coup_trap):

    uv run python experiments/diagnosis/coup_trap/summary.py LABEL=RECORD.json ...

Per record: classes right of 30, mean Brier, the first six (right, mean Brier), and for each case
with a coup history (rule 15) its coup history H on day 0, P(insider takeover), the share of runs
with a coup attempted and won, and P(observed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip


def main(args: list[str]) -> None:
    records = [(a.split("=", 1)[0], json.loads(Path(a.split("=", 1)[1]).read_text())) for a in args]
    print("| record | classes right | mean Brier | first six right | first six Brier |")
    print("|---|---|---|---|---|")
    for label, r in records:
        six = [c for c in r["cases"] if c["case"].removeprefix("Case: ") in FIRST_SIX]
        print(
            f"| {label} | {r['hits']} of {len(r['cases'])} | {r['brier']['model']:.3f} |"
            f" {sum(c['hit'] for c in six)} of 6 | {sum(c['brier'] for c in six) / 6:.3f} |"
        )
    print()
    history = {}
    for f in sorted((ROOT / "scenarios" / "cases").glob("*.yaml")):
        s = load_scenario(f)
        if s.regime.coups:
            history[f.name] = (s.name.removeprefix("Case: "), s.observed.outcome, s.regime)
    head = "| case (observed) | H (10 y) | " + " | ".join(label for label, _ in records) + " |"
    print("P(insider takeover) / runs with a coup attempted / won / P(observed):")
    print()
    print(head)
    print("|---" * (2 + len(records)) + "|")
    for name, (case, observed, regime) in history.items():
        cells = []
        for _, r in records:
            c = next(c for c in r["cases"] if Path(c["file"]).name == name)
            m = c["moves"]
            cells.append(
                f"{c['shares']['insider_takeover']:.2f} / {m.get('coup attempted', 0):.2f} /"
                f" {m.get('coup won', 0):.2f} / {c['p_observed']:.2f}"
            )
        start = load_scenario(ROOT / "scenarios" / "cases" / name).start_date
        h = regime.coup_history(start, 10.0)
        print(f"| {case} ({observed.replace('_', ' ')}) | {h:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
