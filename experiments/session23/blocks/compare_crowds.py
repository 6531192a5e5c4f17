"""The library with the blocks baseline beside the agents' one, in one mode (both records
`backtest --json`, same cases, same mode and replications per case):

    uv run python experiments/session23/blocks/compare_crowds.py AGENTS.json BLOCKS.json > TABLE.md

Per case: P(observed) and the modal class with each crowd. Then, for each, the mean Brier, the
classes right, the first six, the peaks in range, and paired bootstrap 95% intervals over cases
(`transition_sim.backtest.bootstrap_interval`) of the model minus the uniform guess, minus the
base rates, and of blocks minus agents.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from transition_sim.backtest import bootstrap_interval

FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip


def record(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cases(rec: dict) -> dict[str, dict]:
    return {c["case"].removeprefix("Case: "): c for c in rec["cases"]}


def interval(d: list[float]) -> str:
    lo, hi = bootstrap_interval(d)
    return f"{sum(d) / len(d):+.3f} [{lo:+.3f}, {hi:+.3f}]"


def cell(c: dict) -> str:
    modal = c["modal"].replace("_", " ") + ("" if c["hit"] else " (miss)")
    return f"{c['p_observed']:.2f} | {modal}"


def main(agents_file: str, blocks_file: str) -> None:
    recs = record(agents_file), record(blocks_file)
    agents, blocks = (cases(r) for r in recs)
    assert agents.keys() == blocks.keys(), "the two records score different libraries"
    names = sorted(agents)
    print("| case | observed | P(observed), agents | modal, agents | P(observed), blocks |"
          " modal, blocks |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for n in names:
        observed = agents[n]["observed"].replace("_", " ")
        print(f"| {n} | {observed} | {cell(agents[n])} | {cell(blocks[n])} |")
    print()
    print("| | agents | blocks |")
    print("|---|---|---|")
    rows = {
        "replications per case": lambda r, _: str(r[names[0]]["replications"]),
        "mean Brier (uniform 0.833, base rates 0.761)": lambda r, _: (
            f"{sum(r[n]['brier'] for n in names) / len(names):.3f}"
        ),
        "classes right (of 30)": lambda r, _: str(sum(r[n]["hit"] for n in names)),
        "model minus uniform, mean [95%]": lambda r, _: interval(
            [r[n]["brier"] - r[n]["brier_uniform"] for n in names]
        ),
        "model minus base rates, mean [95%]": lambda r, _: interval(
            [r[n]["brier"] - r[n]["brier_base_rate"] for n in names]
        ),
        "the first six: right, mean Brier": lambda r, _: (
            f"{sum(r[n]['hit'] for n in FIRST_SIX)} of 6,"
            f" {sum(r[n]['brier'] for n in FIRST_SIX) / 6:.3f}"
        ),
        "Almaty's median peak (the Kazakhstan case)": lambda r, _: (
            f"{r['Kazakhstan 2022']['peak_crowd']['model_median']:,.0f}"
        ),
        "peak crowds": lambda _, rec: json.dumps(
            {k: v for k, v in rec["peak_crowd"].items() if k != "cases"}
        ),
    }
    for label, value in rows.items():
        print(f"| {label} | {value(agents, recs[0])} | {value(blocks, recs[1])} |")
    gain = interval([blocks[n]["brier"] - agents[n]["brier"] for n in names])
    print(f"\nblocks minus agents, mean Brier [95%]: {gain}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
