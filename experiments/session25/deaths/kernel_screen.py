"""The crowd of blocks alone, by block size: which term of the kernel makes the crowd depend on
the resolution at a fixed vision in residents?

The blocks baseline at point 1025 (`probe.py`'s scenario) is built at each resolution and its
day-0 shocks fired; then only the crowd runs, `--days` days: `Population.step` with the day-0
rules (legitimacy, crime drive and deployment frozen: no elites, no violence, no site contest,
no loyalty) and the regions' contagion (`contagion x network @ yesterday's active shares +
outrage`, the outrage fading as in the model). What is left is the kernel: decisions, arrests,
jail, memory, units' moves. One row per replication and resolution: the national active share
by day (active people / urban residents) and arrests (people). Settings (`--set`, as runs.py's)
switch terms off; `--tag` names the variant in the rows.

    uv run python experiments/session25/deaths/kernel_screen.py OUT.csv --ppa 4000 500 --n 40 \
        [--days 30] [--tag base] [--set crowd.arrest_ratio=exact ...]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session24" / "resolution"))
from runs import scenario_for  # noqa: E402

from transition_sim.core.kernel import STAT_ACTIVE, STAT_ARRESTS  # noqa: E402
from transition_sim.core.model import TransitionModel  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402

POINT = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"


def crowd_only(scenario, seed: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """National active share and arrests (people) by day, the crowd alone (module doc)."""
    m = TransitionModel(scenario, seed=seed)
    for event in m._shock_events:
        event.cancel()
    for s in m._shocks:
        if s.shock.day == 0:
            s.fire()
    sc, ppa = m.params, m.params.scale.people_per_agent
    rules = m._rules
    rules.legitimacy = m.elites.regime_legitimacy()
    rules.crime_drive = m.crime_drive()
    m._set_deterrence()
    residents = sum(c.citizens for c in m.crowds)
    share, arrests = np.zeros(days), np.zeros(days)
    region_share = np.zeros(len(m.crowds))
    for d in range(days):
        signal = sc.crowd.contagion * (m.network @ region_share) + m.outrage
        stats = m.population.step(rules, signal)
        if m.outraged:
            m.outrage *= 1.0 - sc.triggers.outrage_decay
        region_share = stats[:, STAT_ACTIVE : STAT_ACTIVE + 3].sum(axis=1) / m._citizens
        share[d] = stats[:, STAT_ACTIVE : STAT_ACTIVE + 3].sum() / residents
        arrests[d] = stats[:, STAT_ARRESTS : STAT_ARRESTS + 3].sum() * ppa
    return share, arrests


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--ppa", type=int, nargs="+", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--point", type=Path, default=POINT)
    ap.add_argument("--tag", default="base")
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    fields = ["tag", "people_per_agent", "replication"]
    fields += [f"share_{d}" for d in range(args.days)] + [f"arrests_{d}" for d in range(args.days)]
    new = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(fields)
        for ppa in args.ppa:
            scenario = scenario_for(args.point, ppa, args.set)
            for i in range(args.start, args.start + args.n):
                share, arrests = crowd_only(scenario, replication_seed(args.seed, i), args.days)
                w.writerow([args.tag, ppa, i, *share.tolist(), *arrests.tolist()])
                fh.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
