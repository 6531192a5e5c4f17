"""Replications of the blocks baseline at one resolution, each with its CPU time, appended to a
CSV (resumable: replications already in the file are skipped).

    uv run python experiments/session24/resolution/runs.py OUT.csv --ppa 2000 --stop 3000 \
        [--start 0] [--seed 20220105] [--point experiments/session23/blocks/point_1015.json]

The scenario is benchmarks/bench_resolution.py's: the baseline with the point's values set
(`with_values`, as session 23's resolution.py passed them with --set), then `at_resolution`
(people per agent changed, nothing else: units, protesters, lethality and detentions are per
capita in the scenario, blocks share a region's residents exactly, units are `unit_people`).
Replication i runs `simulate(scenario, replication_seed(seed, i))`, the seed `run_ensemble(...,
seed)` gives replication i, so rows equal bench_resolution's for the same i. One row per
replication: people_per_agent, replication, seed, outcome, deaths, detained,
deaths_per_million, detained_per_million, peak_active_share, cpu_s (process_time of simulate).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))
import numpy as np  # noqa: E402
from bench_resolution import at_resolution, with_values  # noqa: E402

from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402

FIELDS = ["people_per_agent", "replication", "seed", "outcome", "deaths", "detained",
          "deaths_per_million", "detained_per_million", "peak_active_share", "cpu_s"]  # fmt: skip
POINT = ROOT / "experiments" / "session23" / "blocks" / "point_1015.json"


def scenario_for(point: Path, ppa: int, extra: list[str] = ()):
    base = load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml")
    sets = [f"{k}={json.dumps(v)}" for k, v in json.loads(point.read_text()).items()]
    base = with_values(base, [*sets, *extra])
    return at_resolution(base, ppa, base.days)


def replication_row(scenario, ppa: int, i: int, base_seed: int) -> dict:
    """Replication i of ``scenario`` (at ``ppa`` people per agent) as a row of `FIELDS`, with
    the CPU time of its simulation."""
    per_million = 1e6 / scenario.urban_population
    seed = replication_seed(base_seed, i)
    t0 = time.process_time()
    res = simulate(scenario, seed)
    cpu = time.process_time() - t0
    m = res.metrics
    return {
        "people_per_agent": ppa, "replication": i, "seed": seed,
        "outcome": res.outcome, "deaths": m["deaths"], "detained": m["detained"],
        "deaths_per_million": m["deaths"] * per_million,
        "detained_per_million": m["detained"] * per_million,
        "peak_active_share": m["peak_active_share"], "cpu_s": round(cpu, 4),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--ppa", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--stop", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--point", type=Path, default=POINT)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    scenario = scenario_for(args.point, args.ppa, args.set)
    done = set()
    if args.out.exists():
        with args.out.open() as fh:
            done = {(int(r["people_per_agent"]), int(r["replication"])) for r in csv.DictReader(fh)}
    new = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        if new:
            w.writeheader()
        for i in range(args.start, args.stop):
            if (args.ppa, i) in done:
                continue
            w.writerow(replication_row(scenario, args.ppa, i, args.seed))
            fh.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
