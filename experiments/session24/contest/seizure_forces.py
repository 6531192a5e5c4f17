"""The forces at the blocks baseline's site seizures after order, with this branch's contest
(session 24; session 23's experiments/session23/switch/seizure_forces.py, on a calibration
point with `--set`s): every site contest of `-n` replications at point values, the armed
people in the window (challengers in deterrence-equivalents times `unit_people`: whole people
now), the holders (deterring units plus the standing guard, in deterrence-equivalents), whether
order had returned, and whether the site changed hands.

    nice -n 5 uv run python experiments/session24/contest/seizure_forces.py \
        --point experiments/session23/blocks/point_1015.json --set violence.site_guard=20 -n 20
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
sys.path.insert(0, str(ROOT / "experiments" / "session23" / "switch"))

import calibrate_kazakhstan as ck  # noqa: E402
from seizure_forces import contests  # noqa: E402

from transition_sim.ensemble.runner import replication_seed  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402


def summary(rows: list[dict], guard: float) -> dict:
    """Session 23's summary, the holders counted without the guard (units only)."""
    after = [r for r in rows if r["order_restored"]]
    won = [r for r in after if r.get("kind") == "seize_site"]
    people = sorted(r["challenger_people"] for r in won)
    units = [r["holders"] - guard for r in won]

    def q(p: float) -> float | None:
        return people[min(int(p * len(people)), len(people) - 1)] if people else None

    return {
        "contests": len(rows),
        "contests_after_order": len(after),
        "seizures": sum(r.get("kind") == "seize_site" for r in rows),
        "seizures_after_order": len(won),
        "no_deterring_unit_share_at_seizures_after_order": (
            sum(u < 1e-9 for u in units) / len(units) if units else None
        ),
        "armed_people_at_seizures_after_order": {
            f"p{int(p * 100)}": q(p) for p in (0.05, 0.25, 0.5, 0.75, 0.95)
        },
        "under_one_person": sum(p < 1.0 for p in people),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    overrides = json.loads(args.point.read_text())
    for item in args.set:
        path, value = item.split("=", 1)
        overrides[path] = ck.fixed_value(value)
    scenario = ck.with_overrides(load_scenario(ck.BASELINE), overrides)
    seeds = [replication_seed(scenario.seed, r) for r in range(args.n)]
    guard = scenario.violence.site_guard / scenario.crowd.unit_people
    out = {"point": str(args.point), "sets": args.set, "replications": args.n}
    out.update(summary(contests(scenario, seeds), guard))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
