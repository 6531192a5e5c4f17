"""CPU time of a replication of the blocks baselines against the agents baseline, in this tree
and an older commit.

    uv run python benchmarks/bench_blocks.py [--old-ref 2f47c3a] [-n 40] [--repeats 3] [--smoke]

The blocks baseline is the one tried in session 20 and not shipped (tag
``trial/blocks-baseline-s20``, experiments/baseline_blocks/README.md): the shipped
scenarios/kazakhstan_2022.yaml with ``crowd.representation: blocks``, vision in residents
(78,400, von Neumann) and the 13 values calibrated with blocks (`BLOCKS`, copied from that tag's
scenario), built here from the shipped one (`blocks_baseline`) so that it follows main. Each
repeat runs `-n` replications of each baseline at point values (seed noise only, as
``run --point``) on one worker, in a fresh subprocess after one warm-up replication, this tree
and the older one after each other so that both see the same load. Times are the process's CPU
time (the machine is shared). 2f47c3a is main before session 23's cuts (2fe820e, before
session 21's). ``--old-tree DIR`` uses a checkout that has its own environment instead;
``--smoke`` runs one replication of each in this tree only. A script, not a test: results go
to benchmarks/results/blocks.json. Session 25 added the crowd of blocks at session 24's point
1025 (`point_1025`), where issue 13's cost target is asked, and measured against 05b6724
(main before session 25's cuts): ``--old-ref 05b6724``. Since session 26 the shipped baseline
is point 1025 at 2,000 people per agent (`point1025_2000`), and the agents baseline is
tests/agents_baseline.yaml (in older trees, their shipped scenario: `agents_baseline`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _common import ROOT, add_common_args, commit, old_tree, table, write

if TYPE_CHECKING:
    from transition_sim.scenario.schema import Scenario

HERE = Path(__file__).resolve().parent  # this script's folder: the old tree imports it

# The 13 values the session-19 calibration chose for the crowd of blocks (tag
# trial/blocks-baseline-s20, scenarios/kazakhstan_2022.yaml): (path, value), a path's parts
# keys, list indices, or a region's name.
BLOCKS: list[tuple[tuple[Any, ...], float]] = [
    (("crowd", "hardship", "high"), 0.7629),
    (("crowd", "social_signal"), 0.0402),
    (("crowd", "contagion"), 0.3584),
    (("protesters", "violent_share"), 0.0348),
    (("protesters", "crime_motivation"), 0.3833),
    (("violence", "protester_lethality", 3), 0.0004722),
    (("violence", "violent_lethality"), 1.448e-06),
    (("violence", "detention_share"), 0.00955),
    (("regions", "Almaty", "violent_share"), 0.1372),
    (("regions", "Almaty", "crime_share"), 0.0757),
    (("government", "lethal_force_armed_share"), 0.0004656),
    (("expectations", "protest_weight"), 2.831),
    (("triggers", "price_rise", "hardship"), 0.7132),
]

# Run in a subprocess by each tree (its own code): CPU ms per replication of the blocks baseline
# and of the agents baseline, and the blocks' share in the crowd's compiled day.
CODE = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from bench_blocks import blocks_baseline, point_1025
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate

agents = load_scenario(sys.argv[1])  # the agents baseline (`agents_baseline`)
n = int(sys.argv[2])
out = {}
for name, sc in (("blocks", blocks_baseline(agents)), ("point1025", point_1025(agents)),
                 ("point1025_2000", point_1025(agents, 2000)), ("agents", agents)):
    simulate(sc, 0)  # warm-up: imports, compiled code, caches
    cpu = time.process_time()
    runs = run_ensemble(sc, n, 1, workers=1, keep="summary").runs
    out[name] = (time.process_time() - cpu) / n * 1000
    out[name + "_outcomes"] = runs["outcome"].value_counts().to_dict()
print(json.dumps(out))
"""


def blocks_baseline(shipped: Scenario) -> Scenario:
    """The session-20 blocks baseline: `shipped` (the agents baseline) with the crowd of blocks,
    vision in residents and the values in `BLOCKS`."""
    from transition_sim.scenario.schema import Scenario

    data = shipped.model_dump()
    data["crowd"].update(
        representation="blocks", vision=None, vision_people=78_400, neighborhood="von_neumann"
    )
    for path, value in BLOCKS:
        *head, last = path
        node = data
        for key in head:
            if isinstance(node, list):  # regions: by name
                key = next(i for i, r in enumerate(node) if r["name"] == key)
            node = node[key]
        node[last] = value
    return Scenario.model_validate(data)


POINT_1025 = HERE.parent / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"


def point_1025(shipped: Scenario, people_per_agent: int = 1000) -> Scenario:
    """The crowd of blocks at session 24's re-calibrated point 1025 (the values of
    experiments/session24/deaths/point_1025_guard0.json set on the agents baseline, as
    benchmarks/bench_resolution.py's `with_values` sets them), at the 1,000 people per agent it
    was fitted at (session 25 measured issue 13's cost there), or at `people_per_agent`: 2,000 is
    the shipped baseline since session 26."""
    from transition_sim.scenario.schema import Scenario

    data = shipped.model_dump()
    data["scale"]["people_per_agent"] = people_per_agent
    for path, value in json.loads(POINT_1025.read_text()).items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return Scenario.model_validate(data)


def agents_baseline(tree: Path) -> Path:
    """The agents baseline of `tree`: tests/agents_baseline.yaml since session 26 made the crowd
    of blocks at point 1025 the shipped one, the shipped scenario before."""
    kept = tree / "tests" / "agents_baseline.yaml"
    return kept if kept.exists() else tree / "scenarios" / "kazakhstan_2022.yaml"


def measure(tree: Path, n: int) -> dict[str, Any]:
    """CPU ms per replication of both baselines in `tree`, measured in a fresh subprocess."""
    out = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-c", CODE,
         str(agents_baseline(tree)), str(n), str(HERE)],
        cwd=tree, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-ref", default="2f47c3a")
    ap.add_argument("--old-tree", type=Path, default=None, help="a checkout to use as the old")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    add_common_args(ap)
    args = ap.parse_args()
    if args.smoke:
        args.old_tree, args.n, args.repeats = ROOT, 1, 1
    raw: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with old_tree(args.old_ref, args.old_tree) as old:
        for _ in range(args.repeats):
            raw["old"].append(measure(old, args.n))
            raw["new"].append(measure(ROOT, args.n))
            print(raw["old"][-1], raw["new"][-1], file=sys.stderr, flush=True)
    old_label = commit(args.old_tree) if args.old_tree else args.old_ref
    rows = []
    for name, label in (("old", old_label), ("new", "this tree")):
        blocks = statistics.median(r["blocks"] for r in raw[name])
        agents = statistics.median(r["agents"] for r in raw[name])
        at_1025 = [r["point1025"] for r in raw[name] if "point1025" in r]
        p1025 = statistics.median(at_1025) if at_1025 else float("nan")
        at_2000 = [r["point1025_2000"] for r in raw[name] if "point1025_2000" in r]
        p2000 = statistics.median(at_2000) if at_2000 else float("nan")
        rows.append([label, f"{blocks:.0f}", f"{p1025:.0f}", f"{p2000:.0f}", f"{agents:.0f}",
                     f"{blocks / agents:.1f}×", f"{blocks / 2:.0f} s",
                     f"{p1025 / 2:.0f} s", f"{p2000 / 2:.0f} s"])  # fmt: skip
    columns = ["tree", "blocks: CPU ms per replication", "blocks at point 1025: CPU ms",
               "point 1025 at 2,000 people per agent: CPU ms",
               "agents: CPU ms per replication", "blocks / agents",
               "1,000 blocks replications on 2 cores",
               "1,000 at point 1025 on 2 cores",
               "1,000 at 1025, 2,000 ppa, on 2 cores"]  # fmt: skip
    note = (
        f"Medians over {args.repeats} repeats of {args.n} replications of each baseline at point"
        " values, one worker, CPU time of the process (both trees under the same load); the"
        " 1,000-replication columns are CPU time over 2 cores. Point 1025: session 24's"
        " re-calibrated blocks (experiments/session24/deaths/point_1025_guard0.json), the"
        " point issue 13's 30 s is asked at, at its 1,000 people per agent and at 2,000."
    )
    write("blocks", args, {"blocks": table(columns, rows, note)}, runs=raw,
          blocks_values=[[list(p), v] for p, v in BLOCKS])  # fmt: skip


if __name__ == "__main__":
    main()
