"""Where do deaths' terms depend on the block size? One row per replication and resolution of the
blocks baseline at point 1025 (session 24's scenario: `../../session24/resolution/runs.py`'s
`scenario_for`), with the day's statistics summed over the run and regions, in people:

- active person-days by kind (peaceful, violent, crime), engaged ones (a deterring unit in the
  block's sight: what `model._violence` multiplies by the lethality), arrests;
- the engaged share of active person-days (the lethality exposure), arrests per active
  person-day, the death rate per engaged person-day;
- the deaths, the peak national active share, the day of the peak, the outcome.

    uv run python experiments/session25/deaths/probe.py OUT.csv --ppa 4000 1000 500 --n 200 \
        [--start 0] [--seed 20220105] [--point ...] [--set PATH=VALUE]

Replication i has seed replication_seed(seed, i) at every resolution (the rows of runs.py).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session24" / "resolution"))
from runs import scenario_for  # noqa: E402

from transition_sim.core.kernel import (  # noqa: E402
    STAT_ACTIVE,
    STAT_ARRESTS,
    STAT_ENGAGED,
)
from transition_sim.core.model import TransitionModel  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402

POINT = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"
KINDS = ("peaceful", "violent", "crime")
FIELDS = [
    "people_per_agent", "replication", "outcome", "deaths", "deaths_per_million",
    *[f"active_{k}" for k in KINDS], *[f"engaged_{k}" for k in KINDS], "arrests",
    "engaged_share", "arrests_per_active", "peak_active_share", "peak_day", "cpu_s",
]  # fmt: skip


def row(scenario, ppa: int, i: int, base_seed: int) -> dict:
    t0 = time.process_time()
    model = TransitionModel(scenario, seed=replication_seed(base_seed, i))
    model.run()
    res = model.result()
    cpu = time.process_time() - t0
    stats = np.array([s.sum(axis=0) for _, s, _, _ in model.rows], dtype=float) * ppa
    active = stats[:, STAT_ACTIVE : STAT_ACTIVE + 3]
    engaged = stats[:, STAT_ENGAGED : STAT_ENGAGED + 3]
    arrests = stats[:, STAT_ARRESTS : STAT_ARRESTS + 3].sum()
    daily = active.sum(axis=1)
    a, e = active.sum(axis=0), engaged.sum(axis=0)
    out = {
        "people_per_agent": ppa, "replication": i, "outcome": res.outcome,
        "deaths": res.metrics["deaths"],
        "deaths_per_million": res.metrics["deaths"] * 1e6 / scenario.urban_population,
        "arrests": arrests, "engaged_share": e.sum() / a.sum() if a.sum() else 0.0,
        "arrests_per_active": arrests / a.sum() if a.sum() else 0.0,
        "peak_active_share": res.metrics["peak_active_share"],
        "peak_day": int(np.argmax(daily)), "cpu_s": round(cpu, 4),
    }  # fmt: skip
    for k, name in enumerate(KINDS):
        out[f"active_{name}"], out[f"engaged_{name}"] = a[k], e[k]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--ppa", type=int, nargs="+", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--point", type=Path, default=POINT)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    new = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        if new:
            w.writeheader()
        for ppa in args.ppa:
            scenario = scenario_for(args.point, ppa, args.set)
            for i in range(args.start, args.start + args.n):
                w.writerow(row(scenario, ppa, i, args.seed))
                fh.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
