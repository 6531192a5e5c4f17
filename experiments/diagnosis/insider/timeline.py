"""The elite events of each run of a case, in order (point values, the backtest's seeds).

uv run python experiments/diagnosis/insider/timeline.py CASE [-n 40] --out FILE.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
KEEP = {"resist", "stand_down", "purge", "purge_failed", "loses_posts", "dismissal", "strike",
        "strike_failed", "coup", "coup_failed", "take_office", "exit", "defect", "death",
        "leave_office", "pact", "occupy_seat"}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "cases" / f"{args.case}.yaml")
    rows = []
    for rep in range(args.n):
        model = TransitionModel(scenario, seed=replication_seed(scenario.seed, rep))
        model.run()
        r = model.result()
        ev = r.events
        events = zip(ev.day, ev.actor, ev.action, ev.details, strict=True)
        for day, actor, action, details in events:
            if action in KEEP or action.startswith("stance_side_with"):
                rows.append({"replication": rep, "outcome": r.outcome, "day": day,
                             "actor": actor, "action": action, "details": details})  # fmt: skip
    pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
