"""The backtest's per-case table (README "The case library and the backtest") from a
`backtest --json` record: `uv run python experiments/session21/table.py RECORD.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip


def label(name: str) -> str:
    return name.replace("_", " ")


def main(path: str) -> None:
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    print("| case | observed | P(observed) [95% CI] | modal outcome | Brier |")
    print("|---|---|---|---|---|")
    six = []
    for c in sorted(record["cases"], key=lambda c: c["case"]):
        name = c["case"].removeprefix("Case: ")
        lo, hi = c["p_observed_ci95"]
        modal = label(c["modal"]) + ("" if c["hit"] else " (miss)")
        print(f"| {name} | {label(c['observed'])} | {c['p_observed']:.2f} [{lo:.2f}, {hi:.2f}]"
              f" | {modal} | {c['brier']:.2f} |")  # fmt: skip
        if name in FIRST_SIX:
            six.append(c)
    print()
    b = record["brier"]
    print(
        f"classes right: {record['hits']} of {len(record['cases'])}; mean Brier: model"
        f" {b['model']:.3f}, uniform {b['uniform']:.3f}, base rates {b['base_rates']:.3f}"
    )
    mean6 = sum(c["brier"] for c in six) / len(six)
    print(f"first six: {sum(c['hit'] for c in six)} of {len(six)} right, mean Brier {mean6:.3f}")
    print("peak crowds:", {k: v for k, v in record["peak_crowd"].items() if k != "cases"})


if __name__ == "__main__":
    main(sys.argv[1])
