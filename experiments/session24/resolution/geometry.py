"""What a resident of the blocks baseline reads, by resolution, without running a day: per region
(the model as built, seeds 0..9), the residents in a person's sight (the vision's cells, its
outer ring by its share, and her own block), the mean units (deterring) in a block's sight, the
variance over the mean of the units in a block's sight (1 for a Poisson count) and the share of
blocks that see at most half the mean, the unit agents, blocks and grid side; sight and units
also over the same at 1,000 people per agent.

    uv run python experiments/session24/resolution/geometry.py OUT.json \
        [--resolutions ...] [--set P=V]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runs import POINT, scenario_for

from transition_sim.core.model import TransitionModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--resolutions", type=int, nargs="+", default=[4000, 2000, 1000, 500])
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = ap.parse_args()
    result: dict = {}
    for ppa in args.resolutions:
        sc = scenario_for(POINT, ppa, args.set)
        sight, units, counts, spread = [], [], [], []
        for seed in range(10):
            model = TransitionModel(sc, seed)
            sight.append([c.vision_weights.sum() * c.n * c.people_per_agent / c.side**2
                          + c.people_per_agent for c in model.crowds])  # fmt: skip
            units.append([c.cops_seen[c.pos[: c.n]].mean() for c in model.crowds])
            counts.append([c.m for c in model.crowds])
            seen = [c.cops_seen[c.pos[: c.n]] for c in model.crowds]
            spread.append([[x.var() / x.mean(), (x <= 0.5 * x.mean()).mean()] for x in seen])
        result[str(ppa)] = {
            "regions": [r.name for r in sc.regions],
            "residents_in_sight": np.mean(sight, axis=0).tolist(),
            "units_in_sight": np.mean(units, axis=0).tolist(),
            "unit_agents": np.mean(counts, axis=0).tolist(),
            "units_in_sight_variance_over_mean": np.mean(spread, axis=0)[:, 0].tolist(),
            "share_of_blocks_seeing_half_the_mean_or_fewer": np.mean(spread, axis=0)[:, 1].tolist(),
            "blocks": [c.n for c in model.crowds],
            "grid_side": [c.side for c in model.crowds],
        }
    ref = result.get("1000")
    if ref:
        for v in result.values():
            v["sight_over_1000"] = (
                np.array(v["residents_in_sight"]) / ref["residents_in_sight"]
            ).tolist()
            v["units_over_1000"] = (np.array(v["units_in_sight"]) / ref["units_in_sight"]).tolist()
    for p, v in result.items():
        print(p, np.round(v["residents_in_sight"], 0), np.round(v.get("units_over_1000", []), 4))
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
