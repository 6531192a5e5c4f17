"""Mechanism outputs and one-input swaps for the ten cases, at one stated setting.

    nice -n 5 uv run python experiments/diagnosis/run.py JOB [JOB ...] [-n 20] [--workers 2]
        --out FILE.csv

Setting: the chosen point of experiments/calibration/results/arrest_exact_k1.5/ (exact arrest
ratio, arrest constant 1.5) with `crowd.gathering: 1` and `violence.peaceful_occupation: 0.5`
(gather's g1_po0.5), applied to the baseline as `library_crowds.library_at` does. A JOB is
`case` (as encoded) or `case:swap` (a SWAPS entry, applied to a temporary copy of the case
file only: a diagnostic, never a proposal to edit the case). `--base` and `--setting` name
another point (a robustness check). Seeds 0..n-1, as gather's mechanism.py (so its
arrest_exact_k1.5/mechanism.csv rows at g1_po0.5 are the same runs).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "experiments" / "calibration" / "results" / "arrest_exact_k1.5"
SETTING = {"crowd.gathering": 1, "violence.peaceful_occupation": 0.5}
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
from library_crowds import library_at  # noqa: E402

DECISIVE = ["leave_office", "occupy_seat", "transfer_office", "coup", "order_restored"]


def _drop_decline(d: dict) -> None:
    d["shocks"] = [s for s in d["shocks"] if s.get("kind") != "long_decline"]


def _add_decline(magnitude: float):
    def apply(d: dict) -> None:
        d["shocks"] = d["shocks"] + [
            {"day": 0, "label": "swap", "kind": "long_decline", "magnitude": magnitude}
        ]

    return apply


def _set(path: str, value: object):
    def apply(d: dict) -> None:
        node = d
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return apply


def _fold_camps(d: dict) -> None:
    """Remove every camp but the incumbent's (allies and rivals); their power and the factions'
    loyalty to them go to the incumbent (one camp left, as in Belarus 2020 or Russia 2011)."""
    others = [c for c in d["camps"] if not c.get("incumbent")]
    ruler = next(c for c in d["camps"] if c.get("incumbent"))
    ruler["power"] = round(ruler["power"] + sum(c["power"] for c in others), 6)
    d["camps"] = [ruler]
    gone = {c["name"] for c in others}
    if (d.get("patron") or {}).get("aligned_with") in gone:  # a patron backing the folded camp
        d["patron"]["aligned_with"] = ruler["name"]
    for f in (d.get("factions") or {}).values():
        if f and "loyalty" in f:
            moved = sum(v for k, v in f["loyalty"].items() if k in gone)
            f["loyalty"] = {k: v for k, v in f["loyalty"].items() if k not in gone}
            f["loyalty"][ruler["name"]] = round(f["loyalty"].get(ruler["name"], 0) + moved, 6)


def _second_camp_legitimacy(value: float):
    """The camps other than the incumbent's keep their power but get this legitimacy."""

    def apply(d: dict) -> None:
        for c in d["camps"]:
            if not c.get("incumbent"):
                c["legitimacy"] = value

    return apply


def _add_ally(d: dict) -> None:
    """A coalition partner by rule 8 (power 0.25 from the incumbent's, legitimacy 0.6,
    cohesion 0.7, resistance 0.5, defection 0.1), `ally_of` the incumbent."""
    ruler = next(c for c in d["camps"] if c.get("incumbent"))
    ruler["power"] = round(ruler["power"] - 0.25, 6)
    d["camps"] = d["camps"] + [
        {"name": "Partner", "power": 0.25, "legitimacy": 0.6, "cohesion": 0.7, "resistance": 0.5,
         "punishment": 1.0, "exit_keeps": 0.5, "exit_safety": 0.2, "ally_of": ruler["name"],
         "defection": 0.1}
    ]  # fmt: skip


def _scale(factor: float):
    """Every region's urban population and every faction's units times `factor` (same ratio)."""

    def apply(d: dict) -> None:
        for r in d["regions"]:
            r["urban_population"] = int(r["urban_population"] * factor)
        for f in (d.get("factions") or {}).values():
            if f and f.get("units"):
                f["units"] = max(1, round(f["units"] * factor))

    return apply


SWAPS = {
    "no_decline": _drop_decline,  # a hold's long_decline shock removed
    "decline5": _add_decline(5.0),  # Zimbabwe 2008's long_decline (x5) given to an ouster
    "nonviolent": _set("protesters.violent_share", 0.0),  # an ouster's violent share (rule 4)
    "violent": _set("protesters.violent_share", 0.09253),  # a hold's violent share
    "one_camp": _fold_camps,  # no second camp: its power folded into the incumbent's
    "camp2_legit0.35": _second_camp_legitimacy(0.35),  # the second camp as low as the ruler
    "add_ally": _add_ally,  # a hold given a coalition partner (rule 8)
    "small": _scale(1820 / 16380),  # Russia scaled to Serbia's size (units with it)
    "patron_off": _set("patron", {"enabled": False}),
}


def case_file(cases: Path, case: str, swap: str | None) -> Path:
    path = cases / f"{case}.yaml"
    if swap is None:
        return path
    data = yaml.safe_load(path.read_text())
    SWAPS[swap](data)
    out = cases / f"{case}__{swap}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def one(job: tuple[str, int, str, str]) -> dict:
    spec, seed, base_dir, setting = job
    case, _, swap = spec.partition(":")
    base = Path(base_dir)
    overrides = (
        json.loads((base / "fixed.json").read_text())
        | json.loads(setting)
        | json.loads((base / "chosen.json").read_text())
    )
    with tempfile.TemporaryDirectory() as tmp:
        cases = library_at(overrides, Path(tmp))
        scenario = load_scenario(case_file(cases, case, swap or None))
    model = TransitionModel(scenario, seed=seed)
    model.run()
    r = model.result()
    ev = r.events
    act = ev.action
    first = {a: (int(ev.day[act == a].min()) if (act == a).any() else None) for a in DECISIVE}
    ended = [a for a in DECISIVE[:-1] if first[a] is not None]
    resist = ev[act == "resist"]
    return {
        "job": spec,
        "case": case,
        "swap": swap or "",
        "seed": seed,
        "outcome": r.outcome,
        "peak_share": r.metrics["peak_active_share"],
        "peak_protesters": r.metrics["peak_protesters"],
        "days_to_order": r.metrics["days_to_order"],
        "aside_or_defect": int(act.isin(["stance_stand_aside", "stance_defect"]).sum()),
        "sites_seized": int((act == "seize_site").sum()),
        "seat_occupied": int((act == "occupy_seat").sum()),
        "ruler_leaves": int((act == "leave_office").sum()),
        "office_changes": r.metrics["office_changes"],
        "camp_resists": len(resist),
        "resisting_camps": ";".join(sorted(set(resist.actor))),
        "first_order_restored": first["order_restored"],
        "decisive": min(ended, key=lambda a: first[a])
        if ended
        else "order_restored"
        if first["order_restored"] is not None
        else "none",
        "decisive_day": min((first[a] for a in ended), default=first["order_restored"]),
        "power_end": json.dumps({k[6:]: v for k, v in r.metrics.items() if k.startswith("power_")}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jobs", nargs="+")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, default=BASE, help="a calibration's results folder")
    ap.add_argument("--setting", default=json.dumps(SETTING), help="JSON overrides on the base")
    args = ap.parse_args()
    base, setting = str(args.base.resolve()), args.setting
    jobs = [(spec, seed, base, setting) for spec in args.jobs for seed in range(args.n)]
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for row in pool.map(one, jobs):
            rows.append(row)
            pd.DataFrame(rows).to_csv(args.out, index=False)  # incremental: a deadline
    t = pd.DataFrame(rows)
    print(t.groupby("job", sort=False)[["peak_share", "days_to_order", "aside_or_defect"]].mean())
    print(t.groupby("job", sort=False).outcome.value_counts().unstack(fill_value=0))


if __name__ == "__main__":
    main()
