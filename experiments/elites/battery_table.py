"""The README's battery table (markdown) from `transition-sim check-claims --json` output.

uv run transition-sim check-claims --json -n 200 --seed 2022 > results/battery_n200.json
uv run python experiments/elites/battery_table.py results/battery_n200.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def effect(r: dict) -> str:
    if r["effect"] is None or not r["ci95"]:
        return f"– ({r['label']})"
    spec = ".3g" if r["statistic"] == "ratio" else "+.3g"
    lo, hi = r["ci95"]
    return f"{r['effect']:{spec}} [{lo:{spec}}, {hi:{spec}}]"


def value(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def main(path: str) -> None:
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    checked = [r for r in records if r["verdict"] != "not checked"]
    print(
        "| claim | the panel says (as a comparison) | counterfactual | output, direction |"
        " baseline → counterfactual | effect [95% CI] | N | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in checked:
        base = "" if r["baseline"] == "kazakhstan_2022" else f"{r['baseline']}: "
        verdict = f"**{r['verdict']}**" if r["verdict"] == "fails" else r["verdict"]
        print(
            f"| {r['key']} | {r['says']} | {base}`{r['counterfactual']}` |"
            f" {r['output']}, {r['direction']} |"
            f" {value(r['baseline_value'])} → {value(r['counterfactual_value'])} |"
            f" {effect(r)} | {r['n']} | {verdict} |"
        )
    counts = {
        v: sum(r["verdict"] == v for r in records)
        for v in ("holds", "fails", "inconclusive", "not checked")
    }
    print()
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main(sys.argv[1])
