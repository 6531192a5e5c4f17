"""(a) kz_aftermath (the baseline run on for 730 days) on both crowds, with the seeds of
tests/test_panel_claims.py's 200-run test (run_ensemble(seed=2022): replication_seed(2022, r)),
at point values, and each run's path to a popular transition (the day the office passed to the
opposition, the wave it came in, who held the office before, the street that day).

    nice -n 5 uv run python experiments/session27/diag/aftermath.py --runs 200 [--first 0]
        [--crowds agents,blocks] [--set crowd:section.field=value ...] [--tag NAME]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import OUT, scenario, with_values

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed

SEED = 2022


def build(crowd: str, folder: Path, sets: list[str], values: str | None = None, paths=None):
    sc = scenario(crowd, "kz_aftermath", folder)
    data = sc.model_dump()
    if values:  # the other baseline's calibrated values (common.CALIBRATED)
        data = with_values(data, crowd, values, *([paths.split(",")] if paths else []))
    for item in sets:
        who, assign = item.split(":", 1)
        if who != crowd:
            continue
        path, value = assign.split("=", 1)
        *parents, leaf = path.split(".")
        node = data
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[leaf] = json.loads(value)
    return type(sc).model_validate(data)


def one(scn, rep: int) -> dict:
    m = TransitionModel(scn, replication_seed(SEED, rep))
    el = m.elites
    take = el.take_office
    seen: list[dict] = []

    def watched(name: str, how: str, *a, **k):
        seen.append(
            {
                "day": m.day,
                "from": el.office,
                "to": name,
                "how": how,
                "street": el.street.active_share,
                "waves": m.waves,
                "legit": el.camps[el.office].legitimacy if el.office in el.camps else None,
                "stances": ",".join(f"{f.name}={f.stance}" for f in m.factions),
            }
        )
        return take(name, how, *a, **k)

    el.take_office = watched
    m.run()
    met = m.metrics()
    outcome = str(m.result().outcome)
    pop = next((s for s in seen if s["to"] == "opposition"), None)
    ev = [(d, a, act) for d, a, act, _ in m.events]
    end = pop["day"] if pop else scn.days
    reforms = [
        act == "reform_disappoints" for d, _, act in ev if act.startswith("reform_") and d < end
    ]
    streak = best = 0
    for disappointed in reforms:
        streak = streak + 1 if disappointed else 0
        best = max(best, streak)
    return {
        "rep": rep,
        "outcome": outcome,
        "path": ";".join(f"{s['day']}:{s['from']}>{s['to']}({s['how']})" for s in seen),
        "pop_day": pop["day"] if pop else None,
        "pop_from": pop["from"] if pop else None,
        "pop_street": pop["street"] if pop else None,
        "pop_wave": pop["waves"] if pop else None,
        "pop_stances": pop["stances"] if pop else None,
        "protest_waves": met["protest_waves"],
        "reforms_delivered": met["reforms_delivered"],
        "liberalization": met["liberalization"],
        "peak_active_share": met["peak_active_share"],
        "deaths": met["deaths"],
        "days_to_order": met["days_to_order"],
        "strikes": met["strikes"],
        "coups": met["coups"],
        "leave_office": sum(1 for _, _, act in ev if act == "leave_office"),
        # reforms before the street took the office (or before the end): how many disappointed,
        # the longest run of them, and the crowds' extra hardship at the end of the run
        "disappointed_before": sum(reforms),
        "delivered_before": len(reforms) - sum(reforms),
        "longest_disappointing_run": best,
        "hardship_extra_end": float(np.mean([c.hardship_extra for c in m.crowds]))
        if m.crowds
        else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--crowds", default="agents,blocks")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--tag", default="as_shipped")
    ap.add_argument("--values", default=None, help="agents or blocks: that baseline's values")
    ap.add_argument("--paths", default=None, help="with --values: only these (a,b,...)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="diag27-aftermath-"))
    summary = {}
    for crowd in args.crowds.split(","):
        scn = build(crowd, folder, args.set, args.values, args.paths)
        t0 = time.process_time()
        recs = []
        for rep in range(args.first, args.first + args.runs):
            recs.append(one(scn, rep) | {"crowd": crowd})
        df = pd.DataFrame(recs)
        name = f"aftermath_{args.tag}_{crowd}_{args.first}_{args.first + args.runs}"
        df.to_csv(OUT / f"{name}.csv", index=False)
        pop = df["outcome"] == "popular_transition"
        summary[crowd] = {
            "runs": len(df),
            "outcomes": df["outcome"].value_counts().to_dict(),
            "popular": float(pop.mean()),
            "popular_day_quantiles": df.loc[pop, "pop_day"]
            .quantile([0, 0.25, 0.5, 0.75, 1])
            .tolist(),
            "popular_within_60_days": float((df["pop_day"] < 60).mean()),
            "popular_from": df["pop_from"].value_counts().to_dict(),
            "mean_waves": float(df["protest_waves"].mean()),
            "cpu_s": time.process_time() - t0,
            "sets": args.set,
        }
        print(crowd, summary[crowd], flush=True)
        (OUT / f"{name}.json").write_text(json.dumps(summary[crowd], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
