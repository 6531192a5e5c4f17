"""The tables of experiments/session26/res/README.md, from the files of `run_spread.sh`
(runs/*.json) and `run_score.sh` (score/*.json): per region and resolution the probability of
reaching the record's 0.5% by day 4 under both readings; the spread part with a normal 95%
interval; the record's score under both readings.

    uv run python experiments/session26/res/tables.py > experiments/session26/res/tables.md
"""

from __future__ import annotations

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
PPAS = (500, 1000, 2000, 4000)
SEEDS = (20220105, 12)


def load(folder: str, ppa: int, seed: int) -> dict | None:
    path = HERE / folder / f"p1025_{ppa}_{seed}.json"
    return json.loads(path.read_text()) if path.exists() else None


def interval(p: float, n: int) -> str:
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return f"{p:.3f} [{max(p - half, 0):.3f}, {min(p + half, 1):.3f}]"


def main() -> None:
    for seed in SEEDS:
        runs = {ppa: load("runs", ppa, seed) for ppa in PPAS}
        runs = {k: v for k, v in runs.items() if v}
        if not runs:
            continue
        any_run = next(iter(runs.values()))
        regions = list(any_run["size_agents"])
        print(f"\n### Seed {seed}: {any_run['reps']} runs a resolution\n")
        print("Spread part (runs with fewer than 5 regions at 0.5% by day 4), 95% interval:\n")
        print("| reading | " + " | ".join(f"{p:,} ppa" for p in runs) + " |")
        print("|---|" + "---|" * len(runs))
        for reading in ("shipped", "people"):
            cells = [interval(r[reading]["spread_part"], r["reps"]) for r in runs.values()]
            print(f"| {reading} | " + " | ".join(cells) + " |")
        cells = [
            f"{r['shipped']['regions_reached_mean']:.2f} / "
            f"{r['people']['regions_reached_mean']:.2f}"
            for r in runs.values()
        ]
        print("| regions reached, mean (shipped / people) | " + " | ".join(cells) + " |")
        print(
            "\nP(region at 0.5% by day 4), shipped reading / people reading "
            "(the shipped reading's threshold as a share: whole agents needed):\n"
        )
        print("| region | " + " | ".join(f"{p:,} ppa" for p in runs) + " |")
        print("|---|" + "---|" * len(runs))
        for g in regions:
            cells = [
                f"{r['shipped']['p_reach_by_day4'][g]:.2f} / "
                f"{r['people']['p_reach_by_day4'][g]:.2f}"
                f" ({100 * r['shipped_effective_share'][g]:.2f}%)"
                for r in runs.values()
            ]
            print(f"| {g} | " + " | ".join(cells) + " |")
        print(
            "\nFirst day at 0.5%, mean over runs that reach it by day 10 (people reading); "
            "P(reached by day 10):\n"
        )
        print("| region | " + " | ".join(f"{p:,} ppa" for p in runs) + " |")
        print("|---|" + "---|" * len(runs))
        for g in regions:
            cells = []
            for r in runs.values():
                day = r["people"]["first_day_mean_when_reached"].get(g)
                reach10 = r["people"]["p_reach_by_day10"].get(g, 0.0)
                cells.append(f"{day if day is not None else '-'} ({reach10:.2f})")
            print(f"| {g} | " + " | ".join(cells) + " |")
    scores = {(p, s): load("score", p, s) for p in PPAS for s in SEEDS}
    scores = {k: v for k, v in scores.items() if v}
    if scores:
        print("\n### The record's score of point 1025, 500 runs, read two ways on one ensemble\n")
        keys = [
            "total",
            "spread",
            "peak_crowd",
            "peak_crowd_median",
            "deaths",
            "detained",
            "invite",
            "order",
            "almaty_seized",
            "deaths_hundreds",
            "total_with_tail",
        ]
        print("| part | " + " | ".join(f"{p:,} ppa, seed {s}" for p, s in scores) + " |")
        print("|---|" + "---|" * len(scores))
        for key in keys:
            cells = [f"{v['shipped'][key]:.4g} / {v['people'][key]:.4g}" for v in scores.values()]
            print(f"| {key} (shipped / people) | " + " | ".join(cells) + " |")
        for key in ("outcomes",):
            cells = [", ".join(f"{k} {x:.3f}" for k, x in v[key].items()) for v in scores.values()]
            print("| outcome shares | " + " | ".join(cells) + " |")
        cells = [f"{v['deaths_median']:.1f} / {v['deaths_mean']:.1f}" for v in scores.values()]
        print("| deaths median / mean | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
