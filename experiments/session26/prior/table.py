"""The tables of experiments/session26/prior/README.md from the records run_library.py wrote,
beside session 25's records of the same library at 100 replications per case (helper L,
experiments/session25/library/*_n100.json: same cases, same seeds, same replications):

    uv run python experiments/session26/prior/table.py > experiments/session26/prior/tables.md

Session 25's table.py makes the rows (imported; its COLUMNS gets this folder's labels).
Intervals: bootstrap 95% over the 30 cases (`transition_sim.backtest.bootstrap_interval`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "library"))
import table as t25  # noqa: E402

HERE = Path(__file__).resolve().parent
LIBRARY25 = ROOT / "experiments" / "session25" / "library"
OURS = {
    "g26_1000": (HERE / "blocks_prior_g26_n100.json", "blocks 1025, G26 priors, 1,000 ppa"),
    "g26_2000": (
        HERE / "blocks_prior_g26_people_per_agent2000_n100.json",
        "blocks 1025, G26 priors, 2,000 ppa",
    ),
}
THEIRS = {
    "agents_prior": "agents, priors",
    "agents_point": "agents, point",
    "blocks_point": "blocks 1025, point",
    "blocks_prior": "blocks 1025, registry priors",
    "blocks_prior_finalists_pin_guarding0": "blocks 1025, finalists, guarding 0 (post hoc)",
}
PAIRS = [
    ("g26_1000", "agents_prior"),
    ("g26_1000", "agents_point"),
    ("g26_1000", "blocks_point"),
    ("g26_1000", "blocks_prior"),
    ("g26_1000", "blocks_prior_finalists_pin_guarding0"),
    ("g26_2000", "g26_1000"),
    ("g26_2000", "agents_prior"),
]


def records() -> dict[str, dict]:
    out = {}
    for key, (path, label) in OURS.items():
        if path.exists():
            out[key] = json.loads(path.read_text())
            t25.COLUMNS[key] = label
    for key, label in THEIRS.items():
        path = LIBRARY25 / f"{key}_n100.json"
        if path.exists():
            out[key] = json.loads(path.read_text())
            t25.COLUMNS[key] = label
    return out


def pairs(recs: dict[str, dict]) -> list[str]:
    per = {k: t25.cases(r) for k, r in recs.items()}
    names = sorted(next(iter(per.values())))
    out = ["| paired over the 30 cases | mean Brier difference [95%] | first six, difference |"
           " cases where the modal class differs |", "|---|---|---|---|"]  # fmt: skip
    for a, b in PAIRS:
        if a in per and b in per:
            d = [per[a][n]["brier"] - per[b][n]["brier"] for n in names]
            d6 = np.mean([per[a][n]["brier"] - per[b][n]["brier"] for n in t25.FIRST_SIX])
            moved = sum(per[a][n]["modal"] != per[b][n]["modal"] for n in names)
            out.append(f"| {t25.COLUMNS[a]} minus {t25.COLUMNS[b]} | {t25.diff_ci(d)} | "
                       f"{d6:+.3f} | {moved} |")  # fmt: skip
    return out


def priors_drawn(recs: dict[str, dict]) -> list[str]:
    out = ["| prior (claims_blocks.yaml) | base value | drawn |", "|---|---|---|"]
    for key in OURS:
        if key in recs:
            for path, v in recs[key]["meta"]["calibration_priors"].items():
                kind, lo, hi = v["prior"]
                out.append(f"| {path}: {kind} [{lo:.4g}, {hi:.4g}] | {v['value']} | "
                           f"{'yes' if v['drawn'] else '**no, kept**'} |")  # fmt: skip
            return out
    return []


def main() -> None:
    recs = records()
    print("## The library under the blocks' priors, 100 replications per case\n")
    print("\n".join(t25.summary(recs)), end="\n\n")
    print("### Paired differences\n")
    print("\n".join(pairs(recs)), end="\n\n")
    print("### Per case\n")
    print("\n".join(t25.per_case(recs)), end="\n\n")
    print("### The priors of the three blocks entries: drawn, or kept at the point\n")
    print("\n".join(priors_drawn(recs)), end="\n")


if __name__ == "__main__":
    main()
