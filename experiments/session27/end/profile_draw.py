"""CPU (process_time) of one replication's draw from the priors, split by step, on the
shipped baseline: `python profile_draw.py [N]` (N draws, default 300)."""

from __future__ import annotations

import sys
import time

from transition_sim.claims import draw_priors
from transition_sim.cli.scenarios import prior_uncertainty
from transition_sim.ensemble.seeds import replication_seed
from transition_sim.ensemble.uncertainty import drawn_scenario, with_values
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario, settled_paths

FILE = "scenarios/kazakhstan_2022.yaml"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    scenario = load_scenario(FILE)
    u = prior_uncertainty(1, None)
    print(f"{len(u.priors)} priors, {len(u.coupled)} coupled sets")
    seeds = [replication_seed(scenario.seed, r) for r in range(n)]
    parts = dict.fromkeys(["dump", "settled", "draw", "with_values", "validate"], 0.0)
    for s in seeds:
        t0 = time.process_time()
        data = scenario_values(scenario)
        t1 = time.process_time()
        keep = settled_paths(data)
        t2 = time.process_time()
        drawn = draw_priors(u.priors, s, data)
        values = {p: v for p, v in drawn.items() if p not in keep}
        t3 = time.process_time()
        out, _ = with_values(data, values, u.coupled)
        t4 = time.process_time()
        Scenario.model_validate(out)
        t5 = time.process_time()
        for k, a, b in zip(parts, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
            parts[k] += b - a
    t0 = time.process_time()
    for s in seeds:
        drawn_scenario(scenario, s, u)
    total = time.process_time() - t0
    print(f"drawn_scenario: {1e3 * total / n:.3f} ms per draw (process_time, {n} draws)")
    for k, v in parts.items():
        print(f"  {k:12s} {1e3 * v / n:.3f} ms")


if __name__ == "__main__":
    main()
