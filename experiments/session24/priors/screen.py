"""One-at-a-time screen of the registry's priors on one scenario (session 24, helper P): which
priors move Almaty's peak crowd and the incumbent's hold.

    uv run python experiments/session24/priors/screen.py SCENARIO REGISTRY OUT.json \
        [-n 60] [--seed S] [--by entry|prior] [--only ID_OR_PATH ...] [--all-but ...]

Every run uses the same replication seeds (the scenario's base seed, or --seed): `point` (no
prior drawn), `all` (every prior drawn, as `run --uncertainty prior`), then for each group (a
registry entry with --by entry, one prior with --by prior) a run with that group's priors alone
drawn, everything else at point values (and with --all-but, every prior drawn but that group's).
A prior is drawn exactly as `run --uncertainty prior` draws it (`ensemble.uncertainty`:
`claims.draw_priors` on the replication's seed, one stream per path, so a prior's value in
replication r is the same in every run that draws it; coupled sets complete; the rules a blocks
crowd settles are not drawn). Almaty's peak crowd: the largest number active on any day
(`calibrate_kazakhstan.score`'s measure: active x people_per_agent). Written atomically, one
JSON with, per run, the shares of outcomes, Almaty's median peak, the share of runs whose peak
is above the sourced range (50,000), and every replication's peak and outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from transition_sim.claims import draw_priors, load_priors
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.ensemble.uncertainty import Uncertainty, _settled
from transition_sim.scenario import load_scenario
from transition_sim.scenario.address import scenario_values

CITY = "Almaty"
RANGE = (5_000, 50_000)  # A-peak-crowd


def measure(scenario, n: int, seed: int, priors, coupled) -> dict:
    unc = None if priors is None else Uncertainty(tuple(priors), coupled, 1, "screen")
    t0 = time.process_time()
    ens = run_ensemble(scenario, n, seed, workers=1, uncertainty=unc)
    cpu = time.process_time() - t0
    ts = ens.timeseries
    city = ts[ts.region == CITY]
    peak = city.groupby("replication").active.max() * scenario.scale.people_per_agent
    runs = ens.runs.set_index("replication").sort_index()
    peak = peak.reindex(runs.index)
    outcomes = runs.outcome.value_counts(normalize=True).to_dict()
    return {
        "n": n,
        "cpu_s": round(cpu, 2),
        "p_holds": float((runs.outcome == "incumbent_holds").mean()),
        "p_popular": float((runs.outcome == "popular_transition").mean()),
        "outcomes": {k: float(v) for k, v in outcomes.items()},
        "almaty_median_peak": float(peak.median()),
        "above_range": float((peak > RANGE[1]).mean()),
        "mean_log10_peak": float(np.log10(peak.clip(lower=1)).mean()),
        "peaks": [float(x) for x in peak],
        "outcome": list(runs.outcome),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("registry", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--by", choices=["entry", "prior"], default="entry")
    ap.add_argument("--only", nargs="*", default=None, help="groups to screen (ids or paths)")
    ap.add_argument("--all-but", action="store_true", help="also: all priors but the group")
    ap.add_argument("--no-base", action="store_true", help="skip the point and all runs")
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    registry = load_priors(args.registry)
    data = scenario_values(scenario)
    settled = _settled(data)
    # The priors this scenario draws at all (in range, a number, not settled): others are inert.
    probe = draw_priors(registry.priors, replication_seed(seed, 0), data)
    drawn = [p for p in registry.priors if p.path in probe and p.path not in settled]
    groups: dict[str, list] = {}
    for p in drawn:
        groups.setdefault(p.entry if args.by == "entry" else p.path, []).append(p)
    if args.only is not None:
        groups = {k: v for k, v in groups.items() if k in args.only}
    result = {
        "scenario": str(args.scenario),
        "registry": str(args.registry),
        "seed": seed,
        "n": args.n,
        "by": args.by,
        "drawn": [p.path for p in drawn],
        "not_drawn": [p.path for p in registry.priors if p not in drawn],
        "runs": {},
    }
    if args.out.exists():
        result["runs"] = json.loads(args.out.read_text())["runs"]

    def save() -> None:
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1))
        os.replace(tmp, args.out)

    todo = [] if args.no_base else [("point", None), ("all", drawn)]
    for key, members in groups.items():
        todo.append((f"only:{key}", members))
        if args.all_but:
            todo.append((f"all_but:{key}", [p for p in drawn if p not in members]))
    for name, priors in todo:
        if name in result["runs"]:
            continue
        r = measure(scenario, args.n, seed, priors, registry.coupled)
        r["members"] = None if priors is None else [p.path for p in priors][:200]
        result["runs"][name] = r
        save()
        print(
            f"{name:60s} holds {r['p_holds']:.3f} popular {r['p_popular']:.3f}"
            f" peak {r['almaty_median_peak']:>9.0f} above {r['above_range']:.3f}"
            f" cpu {r['cpu_s']:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
