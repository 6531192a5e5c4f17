"""Markdown tables of the contrasts (results/table.json) and of the ±20% sweep
(results/sensitivity_n*.csv), for the README.

    uv run python experiments/elites/summarize.py results/sensitivity_n120.csv
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from contrasts import CONTRASTS  # noqa: E402


def fmt(value: float, lo: float, hi: float, ratio: bool = False) -> str:
    return f"{value:.2f} [{lo:.2f}, {hi:.2f}]" if ratio else f"{value:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def table() -> None:
    data = json.loads((HERE / "results" / "table.json").read_text())
    print(f"Contrasts, {data['n']} replications each, seed {data['seed']}:\n")
    print("| contrast | estimate [95% CI] | holds |")
    print("|---|---|---|")
    for c, r in zip(CONTRASTS, data["contrasts"], strict=True):
        value = fmt(r["estimate"], r["lo"], r["hi"], ratio=c.null == 1.0)
        print(f"| {c.statement} | {value} | {'yes' if r['holds'] else 'no'} |")


def scenarios() -> None:
    data = json.loads((HERE / "results" / "table.json").read_text())
    print(f"\nScenarios, {data['n']} replications each (share [95% Wilson interval]):\n")
    shown = ("incumbent_holds", "rival_restoration", "popular_transition", "unresolved")
    print("| scenario | " + " | ".join(shown) + " | patron invited | deaths, median [p05, p95] |")
    print("|---" * (len(shown) + 3) + "|")
    for row in data["scenarios"]:
        cells = [f"{row[k][0]:.2f} [{row[k][1]:.2f}, {row[k][2]:.2f}]" for k in (*shown, "invited")]
        deaths = row["deaths"]
        cells.append(f"{deaths[0]:,.0f} [{deaths[1]:,.0f}, {deaths[2]:,.0f}]")
        print(f"| `{row['scenario']}` | " + " | ".join(cells) + " |")


def sensitivity(path: Path) -> None:
    rows = list(csv.DictReader(path.open()))
    base, perturbed = rows[0], rows[1:]
    n = base["n"]
    print(f"\n±20% one at a time, {len(perturbed)} perturbations, {n} replications each:\n")
    print("| contrast | at the baseline | holds in | keeps its direction in | fails at |")
    print("|---|---|---|---|---|")
    for c in CONTRASTS:
        key = c.key
        est = [float(r[f"{key}_estimate"]) for r in perturbed]
        holds = [r[f"{key}_holds"] == "True" for r in perturbed]
        direction = [(e - c.null) * c.sign > 0 for e in est]
        fails = [
            f"{r['parameter']} ×{r['factor']}"
            for r, h in zip(perturbed, holds, strict=True)
            if not h and base[f"{key}_holds"] == "True"
        ]
        b = float(base[f"{key}_estimate"])
        lo, hi = float(base[f"{key}_lo"]), float(base[f"{key}_hi"])
        mark = "holds" if base[f"{key}_holds"] == "True" else "does not hold"
        shown = ", ".join(fails[:6]) + (f" (+{len(fails) - 6} more)" if len(fails) > 6 else "")
        print(
            f"| {key} | {fmt(b, lo, hi, ratio=c.null == 1.0)}, {mark} | {sum(holds)}/{len(holds)} "
            f"| {sum(direction)}/{len(direction)} | {shown or '—'} |"
        )


if __name__ == "__main__":
    table()
    scenarios()
    if len(sys.argv) > 1:
        sensitivity(HERE / sys.argv[1])
