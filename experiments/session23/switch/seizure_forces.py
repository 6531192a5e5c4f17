"""Why the blocks baseline retakes sites after order (session 23, a diagnostic; no model
change): every site contest of `-n` replications of the blocks baseline (benchmarks/
bench_blocks.py's `blocks_baseline`, session 19's point, as on the tag trial/blocks-baseline-s23)
and of the agents baseline, at point values, with the forces in it: the armed people in the
site's window (attackers in deterrence-equivalents times `unit_people`), the turned units, the
deterring units, whether order had been restored, and whether the site changed hands.

    nice -n 10 uv run python experiments/session23/switch/seizure_forces.py -n 20 \
        > experiments/session23/switch/seizure_forces.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_blocks import blocks_baseline  # noqa: E402

from transition_sim.core.model import TransitionModel  # noqa: E402
from transition_sim.ensemble.runner import replication_seed  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402


def contests(scenario, seeds: list[int]) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every site contest of the runs with `seeds`: its forces and result."""
    rows: list[dict] = []
    real = TransitionModel._changes_hands

    for seed in seeds:
        model = TransitionModel(scenario, seed=seed)
        unit_people = model.params.crowd.unit_people

        def logged(self, challengers: float, holders: float, _seed=seed, _unit=unit_people) -> bool:  # type: ignore[no-untyped-def]
            won = real(self, challengers, holders)
            rows.append({
                "seed": _seed, "day": self.day, "order_restored": self.order_day is not None,
                "challengers": challengers, "holders": holders,
                "challenger_people": challengers * _unit, "changed_hands": won,
            })  # fmt: skip
            return won

        def log(actor: str, action: str, details: str, _log=model.log) -> None:
            if action in ("seize_site", "retake_site"):  # the contest just drawn
                rows[-1]["kind"] = action
            _log(actor, action, details)

        model._changes_hands = logged.__get__(model)  # type: ignore[method-assign]
        model.log = log  # type: ignore[method-assign]
        model.run()
    return rows


def summary(rows: list[dict]) -> dict:
    """Contests and changes of hands after order, and the challengers' size in people."""
    after = [r for r in rows if r["order_restored"]]
    won_after = [r for r in after if r.get("kind") == "seize_site"]
    people = np.array([r["challenger_people"] for r in won_after]) if won_after else np.zeros(0)
    quantiles = (
        {f"p{q}": float(np.percentile(people, q)) for q in (5, 25, 50, 75, 95)}
        if len(people)
        else None
    )
    return {
        "contests": len(rows),
        "contests_after_order": len(after),
        "seizures": sum(r.get("kind") == "seize_site" for r in rows),
        "seizures_after_order": len(won_after),
        "retakes_after_order": sum(r.get("kind") == "retake_site" for r in after),
        "no_defender_share_at_seizures_after_order": (
            float(np.mean([r["holders"] == 0 for r in won_after])) if won_after else None
        ),
        "armed_people_at_seizures_after_order": quantiles,
        "under_one_person": int((people < 1.0).sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    shipped = load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml")
    seeds = [replication_seed(shipped.seed, r) for r in range(args.n)]
    out = {}
    for name, scenario in (("blocks", blocks_baseline(shipped)), ("agents", shipped)):
        out[name] = summary(contests(scenario, seeds))
    print(json.dumps({"replications": args.n, **out}, indent=1))


if __name__ == "__main__":
    main()
