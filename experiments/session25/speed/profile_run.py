"""Where a replication of the crowd of blocks at point 1025 (1,000 people per agent) spends its
CPU: `-n` replications (seed 20220105) after one warm-up, total process_time per replication,
then the same under cProfile (top functions by own time and cumulative time).

    uv run python experiments/session25/speed/profile_run.py [-n 40] [--out FILE] [--agents]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
from digest import POINT, scenario_for  # noqa: E402

from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--agents", action="store_true", help="the shipped agents baseline instead")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--freeze", action="store_true", help="gc.collect() and gc.freeze() first")
    args = ap.parse_args()
    if args.agents:
        scenario = load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml")
    else:
        scenario = scenario_for(POINT, 1000)
    simulate(scenario, 0)
    if args.freeze:
        import gc

        gc.collect()
        gc.freeze()
    seeds = [replication_seed(20220105, i) for i in range(args.n)]
    t0 = time.process_time()
    for s in seeds:
        simulate(scenario, s)
    cpu = (time.process_time() - t0) / args.n * 1000
    print(f"CPU ms per replication: {cpu:.1f}")
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    for s in seeds:
        simulate(scenario, s)
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats(45)
    st.sort_stats("cumulative").print_stats(60)
    text = f"CPU ms per replication (no profiler): {cpu:.1f}\n" + buf.getvalue()
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
