"""The one test the switch leaves failing, measured on more runs: the share of popular
transitions in scenarios/kz_aftermath.yaml with the blocks baseline (tests/test_panel_claims.py
asks <= 0.1 on 40 runs, seed 2022; with blocks it got 5 of 40):

    uv run python experiments/session26/prior/aftermath_blocks.py 200

Same seed as the test (2022), one worker. Prints the share, the median liberalization and the
CPU seconds (process time)."""

import sys
import time

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario

n = int(sys.argv[1])
t = time.process_time()
runs = run_ensemble(load_scenario("scenarios/kz_aftermath.yaml"), replications=n, seed=2022,
                    workers=1).runs  # fmt: skip
share = float((runs.outcome == "popular_transition").mean())
liberalization = float(runs.liberalization.median())
cpu = round(time.process_time() - t, 1)
print({"n": n, "popular_transition": share, "liberalization_median": liberalization, "cpu_s": cpu})
