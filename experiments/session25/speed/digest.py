"""The blocks digest: 24 replications of the crowd of blocks at point 1025 (1,000 people per
agent, seed 20220105), every replication's outcome, metrics, time series and events hashed.

    uv run python experiments/session25/speed/digest.py [-n 24] [--point FILE]

A speed change must leave this digest byte-identical (the golden hashes hold no scenario of
blocks). Prints the digest, and one hash per replication (to find the first that differs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session24" / "resolution"))
from runs import scenario_for  # noqa: E402

from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402

POINT = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"


def run_hash(result) -> str:
    h = hashlib.sha256()
    h.update(result.outcome.encode())
    h.update(json.dumps(result.metrics, sort_keys=True, default=repr).encode())
    for table in (result.timeseries_table, result.events_table):
        h.update(table.schema.to_string().encode())
        for column in table.columns:
            for chunk in column.chunks:
                for buf in chunk.buffers():
                    if buf is not None:
                        h.update(buf.to_pybytes())
        h.update(str(table.to_pylist()).encode())
    return h.hexdigest()


def digest(
    n: int, point: Path = POINT, ppa: int = 1000, seed: int = 20220105
) -> tuple[str, list[str]]:
    scenario = scenario_for(point, ppa)
    runs = [run_hash(simulate(scenario, replication_seed(seed, i))) for i in range(n)]
    return hashlib.sha256("".join(runs).encode()).hexdigest(), runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=24)
    ap.add_argument("--point", type=Path, default=POINT)
    ap.add_argument("--ppa", type=int, default=1000)
    args = ap.parse_args()
    total, runs = digest(args.n, args.point, args.ppa)
    for i, h in enumerate(runs):
        print(i, h)
    print("digest", total)


if __name__ == "__main__":
    main()
