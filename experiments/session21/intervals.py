"""README "Two kinds of interval": the baseline at point values, under its posterior and under
its priors (200 replications each, seed 20220105, 2 workers), as one Markdown table.

    uv run python experiments/session21/intervals.py > experiments/session21/intervals.md

Runs `transition-sim run scenarios/kazakhstan_2022.yaml -n 200 -w 2 --json` with `--point`; with
`--seeds-per-draw 4` (the posterior); and with `--uncertainty prior --seeds-per-draw 4`.
"""

from __future__ import annotations

import json
import subprocess
import sys

BASE = [sys.executable, "-m", "transition_sim", "run", "scenarios/kazakhstan_2022.yaml"]
BASE += ["-n", "200", "-w", "2", "--json"]
MODES = (
    ["--point"],
    ["--seeds-per-draw", "4"],
    ["--uncertainty", "prior", "--seeds-per-draw", "4"],
)
OUTCOMES = ("incumbent_holds", "popular_transition", "rival_restoration", "power_sharing",
            "insider_takeover", "unresolved")  # fmt: skip


def share(o: dict) -> str:
    lo, hi = o["ci95"]
    return f"{100 * o['share']:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"


def split(o: dict) -> str:
    v = o.get("variance_share")
    if not v or o["share"] == 0:
        return "–" if v is not None or o["share"] == 0 else ""
    return f"{100 * v['parameters']:.0f}% / {100 * v['seeds']:.0f}%"


def metric(m: dict, digits: int = 0) -> str:
    f = f"{{:,.{digits}f}}"
    return f"{f.format(m['median'])} ({f.format(m['p05'])}–{f.format(m['p95'])})"


def main() -> None:
    runs = [json.loads(subprocess.check_output(BASE + mode, text=True)) for mode in MODES]
    print("| baseline | point values (seeds only) | posterior, 50 draws x 4 seeds |"
          " parameters / seeds | priors, 50 draws x 4 seeds | parameters / seeds |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name in OUTCOMES:
        a, b, c = (r["outcomes"][name] for r in runs)
        print(f"| {name} | {share(a)} | {share(b)} | {split(b)} | {share(c)} | {split(c)} |")
    for name, label in (("deaths", "deaths, median (p5–p95)"), ("detained", "detained")):
        cells = [metric(r["metrics"][name]) for r in runs]
        print(f"| {label} | {cells[0]} | {cells[1]} | | {cells[2]} | |")
    order = [r["metrics"]["days_to_order"] for r in runs]
    cells = [f"{metric(m, 1)}, {m['n']} runs" for m in order]
    print(f"| days to order | {cells[0]} | {cells[1]} | | {cells[2]} | |")


if __name__ == "__main__":
    main()
