"""Site seizures in result folders of `transition-sim run --out`: how many, and how many after
the day order is first restored (per run), beside the outcomes. Session 23: the blocks baseline
seizes sites again and again after order, which the agents baseline rarely does.

    nice -n 10 uv run transition-sim run scenarios/kazakhstan_2022.yaml -n 60 --point -w 1 \
        --out /tmp/blocks60
    nice -n 10 uv run transition-sim run experiments/session23/switch/agents_baseline.yaml \
        -n 60 --point -w 1 --out /tmp/agents60
    uv run python experiments/session23/switch/seizures.py blocks=/tmp/blocks60 \
        agents=/tmp/agents60 > experiments/session23/switch/seizures_60.json
"""

from __future__ import annotations

import json
import sys

import pandas as pd


def seizures(folder: str) -> dict:
    events = pd.read_parquet(f"{folder}/events.parquet")
    runs = pd.read_parquet(f"{folder}/runs.parquet")
    order = events[events.action == "order_restored"].groupby("replication").day.min()
    seized = events[events.action == "seize_site"]
    after = seized.merge(order.rename("order_day"), left_on="replication", right_index=True)
    after = after[after.day > after.order_day]
    return {
        "runs": len(runs),
        "seizures": len(seized),
        "runs_with_a_seizure": int(seized.replication.nunique()),
        "runs_with_order": len(order),
        "seizures_after_order": len(after),
        "runs_with_a_seizure_after_order": int(after.replication.nunique()),
        "seizures_by_site": seized.details.value_counts().to_dict(),
        "outcomes": runs.outcome.value_counts().to_dict(),
    }


def main() -> None:
    out = {}
    for arg in sys.argv[1:]:
        name, folder = arg.split("=", 1)
        out[name] = {"folder": folder, **seizures(folder)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
