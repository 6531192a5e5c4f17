"""Where the Python of a replication goes, without a profiler's distortion: chosen functions
wrapped with process_time timers (exclusive time: a wrapped callee's time is taken out of its
wrapped caller's), `-n` replications after a warm-up one, in ms per replication.

    uv run python experiments/session26/speed/split_python.py [-n 40] [--agents] [--ppa 1000]

Blocks: point 1025 (`experiments/session24/deaths/point_1025_guard0.json`) at `--ppa`;
`--agents`: the shipped baseline. Seeds `replication_seed(20220105, i)`. The wrappers cost
about a microsecond a call (a few hundred calls a day): the total is a little above an
unwrapped run's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
from digest import POINT, scenario_for  # noqa: E402

from transition_sim.core import actors, blocks, elites, model, population  # noqa: E402
from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.scenario.loader import load_scenario  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402

SPENT: dict[str, float] = {}
STACK: list[float] = []  # per open wrapped call: time spent in wrapped callees


def timed(name: str, fn):
    def wrapper(*a, **k):
        STACK.append(0.0)
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            dt = time.process_time() - t0
            inner = STACK.pop()
            SPENT[name] = SPENT.get(name, 0.0) + dt - inner
            if STACK:
                STACK[-1] += dt

    return wrapper


def wrap(owner, attr: str, name: str | None = None) -> None:
    setattr(
        owner,
        attr,
        timed(name or f"{getattr(owner, '__name__', owner)}.{attr}", getattr(owner, attr)),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--agents", action="store_true")
    ap.add_argument("--ppa", type=int, default=1000)
    ap.add_argument("--kernel-only", action="store_true", help="wrap only the kernels' calls")
    args = ap.parse_args()
    scenario = (
        load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml")
        if args.agents
        else scenario_for(POINT, args.ppa)
    )
    simulate(scenario, 0)
    wrap(blocks, "block_day", "KERNEL block_day")
    wrap(population, "population_day", "KERNEL population_day")
    if not args.kernel_only:
        wrap_python()
    SPENT.clear()
    t0 = time.process_time()
    for i in range(args.n):
        simulate(scenario, replication_seed(20220105, i))
    total = (time.process_time() - t0) / args.n * 1000
    SPENT["(outside wrapped)"] = total / 1000 * args.n - sum(SPENT.values())
    kernel = sum(v for k, v in SPENT.items() if k.startswith("KERNEL")) / args.n * 1000
    print(
        f"CPU ms per replication: total {total:.2f}, kernel {kernel:.2f}, rest {total - kernel:.2f}"
    )
    for k, v in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"{v / args.n * 1000:8.3f}  {k}")


def wrap_python() -> None:
    M = model.TransitionModel
    for attr in (
        "__init__",
        "_build_regions",
        "_day",
        "_violence",
        "_contest_sites",
        "_situation",
        "_update_loyalty",
        "_track_order",
        "_record",
        "_set_deterrence",
        "_update_legitimacy",
        "_aftermath",
        "result",
        "run",
    ):
        wrap(M, attr)
    wrap(model, "make_population")
    wrap(model, "block_crowd")
    wrap(model, "RegionCrowd", "RegionCrowd()")
    for cls in (blocks.BlockCrowd, blocks.BlockPopulation, population.Population):
        for attr in (
            "__init__",
            "recount",
            "_pack",
            "step",
            "refresh",
            "site_people",
            "peaceful_people",
        ):
            if attr in cls.__dict__:
                wrap(cls, attr, f"{cls.__name__}.{attr}")
    for cls in (actors.SecurityFaction, actors.RivalCamp, actors.Government, actors.ForeignPatron):
        wrap(cls, "step", f"{cls.__name__}.step")
    wrap(elites.ElitePolitics, "fade_threats", "ElitePolitics.fade_threats")


if __name__ == "__main__":
    main()
