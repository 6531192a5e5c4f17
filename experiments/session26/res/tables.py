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
MORE_SEEDS = (7, 2026)  # run_spread_more.sh: 2,000 and 1,000 only


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
    pooled()
    pooled(SEEDS + MORE_SEEDS)
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


def pooled(seeds: tuple[int, ...] = SEEDS) -> None:
    """Both seeds pooled (1,000 runs a resolution): each resolution against 1,000 people per
    agent, the difference of the spread part and of each region's chance (people reading), with
    a normal 95% interval (independent samples: the grids differ, so the seeds do not pair)."""
    runs = {p: [load("runs", p, s) for s in seeds] for p in PPAS}
    runs = {p: v for p, v in runs.items() if all(v)}
    if 1000 not in runs or len(runs) < 2:
        return

    def pool(p: int, get) -> tuple[float, int]:  # type: ignore[no-untyped-def]
        n = sum(r["reps"] for r in runs[p])
        return sum(get(r) * r["reps"] for r in runs[p]) / n, n

    def diff(p: int, get) -> str:  # type: ignore[no-untyped-def]
        (a, n), (b, m) = pool(p, get), pool(1000, get)
        half = 1.96 * math.sqrt(a * (1 - a) / n + b * (1 - b) / m)
        return f"{a - b:+.3f} [{a - b - half:+.3f}, {a - b + half:+.3f}]"

    others = [p for p in runs if p != 1000]
    total = sum(r["reps"] for r in runs[1000])
    print(f"\n### Seeds {', '.join(map(str, seeds))} pooled ({total:,} runs a resolution)\n")
    print("| | " + " | ".join(f"{p:,} ppa" for p in PPAS if p in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for reading in ("shipped", "people"):
        cells = [f"{pool(p, lambda r, x=reading: r[x]['spread_part'])[0]:.3f}" for p in runs]
        print(f"| spread part, {reading} | " + " | ".join(cells) + " |")
    cells = [diff(p, lambda r: r["people"]["spread_part"]) if p != 1000 else "-" for p in runs]
    print("| spread part, people, minus 1,000 | " + " | ".join(cells) + " |")
    regions = list(runs[1000][0]["size_agents"])
    for g in regions:
        cells = [
            diff(p, lambda r, g=g: r["people"]["p_reach_by_day4"][g])
            if p != 1000
            else f"{pool(1000, lambda r, g=g: r['people']['p_reach_by_day4'][g])[0]:.3f}"
            for p in runs
        ]
        print(f"| {g}, P(0.5% by day 4), people | " + " | ".join(cells) + " |")
    del others


if __name__ == "__main__":
    main()
