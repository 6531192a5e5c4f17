"""The README's table: one column per measured ensemble (measure.py's JSON, 500 runs a seed),
seed 20220105 with seed 12 in brackets.

    uv run python experiments/session25/tail/table.py > experiments/session25/tail/table.md
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = {  # file stem -> heading
    "p1025": "blocks, point 1025 (guard 0, guarding 0) = rounds 1 and 3's choice",
    "global": "blocks, round 2's choice (global, point 143)",
    "agents": "agents, shipped baseline",
}
SEEDS = (20220105, 12)


def cell(values: list, fmt: str) -> str:
    first, *rest = (format(v, fmt) for v in values)
    return f"{first} ({rest[0]})" if rest else first


def rows(data: dict[str, list[dict]]) -> list[tuple[str, list[str]]]:
    def get(f, fmt):
        return [cell([f(d) for d in runs], fmt) for runs in data.values()]

    return [
        ("record's total (today's yardstick)", get(lambda d: d["total"], ".2f")),
        ("total with tail", get(lambda d: d["total_with_tail"], ".2f")),
        ("tail part", get(lambda d: d["score"]["peak_crowd_tail"], ".2f")),
        (
            "seizures after order, in 500 runs (runs with one)",
            [
                cell([d["seizures_after_order"] for d in runs], ",")
                + " in "
                + cell([d["runs_with_a_seizure_after_order"] for d in runs], "")
                for runs in data.values()
            ],
        ),
        ("unresolved", get(lambda d: d["unresolved"], ".3f")),
        ("Almaty's median peak", get(lambda d: d["almaty_peak_median"], ",.0f")),
        ("Almaty's 90th percentile peak", get(lambda d: d["almaty_peak_p90"], ",.0f")),
        (
            "its 95% interval (bootstrap over runs)",
            [
                cell(["{:,.0f}-{:,.0f}".format(*d["almaty_peak_p90_interval"]) for d in runs], "")
                for runs in data.values()
            ],
        ),
        (
            "runs above 50,000 in Almaty",
            get(lambda d: d.get("almaty_share_above_top", float("nan")), ".3f"),
        ),
        ("no Almaty seizure (score part)", get(lambda d: d["score"]["almaty_seized"], ".2f")),
        ("spread missed (score part)", get(lambda d: d["score"]["spread"], ".2f")),
        ("deaths, median", get(lambda d: d["deaths_median"], ",.0f")),
    ]


def main() -> None:
    data = {}
    for stem, heading in COLUMNS.items():
        files = [HERE / f"{stem}_{s}.json" for s in SEEDS]
        if all(f.is_file() and f.stat().st_size for f in files):
            data[heading] = [json.loads(f.read_text()) for f in files]
    print("| seed 20220105 (seed 12) | " + " | ".join(data) + " |")
    print("|---" * (len(data) + 1) + "|")
    for name, cells in rows(data):
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
