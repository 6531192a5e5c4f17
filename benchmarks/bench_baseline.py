"""Baseline replications per second: this tree against an older commit, in one benchmark run.

    uv run python benchmarks/bench_baseline.py [--old-ref 6c1d11e] [-n 100] [--repeats 3]

The older commit is checked out in a temporary `git worktree` (removed afterwards) with its own
environment (`uv sync --frozen`); each repeat runs `-n` replications of each tree's own
`scenarios/kazakhstan_2022.yaml` on one worker, in a fresh subprocess after one warm-up
replication, old and new one after the other so that both see the same load. 6c1d11e is the
last commit with the approximate crowd (quiet days, vectorized batches). ``--old-tree DIR``
uses a checkout that has its own environment instead; ``--smoke`` compares this tree with itself
on one replication. A script, not a test: results go to benchmarks/results/baseline.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from _common import ROOT, add_common_args, commit, old_tree, table, write

CODE = """
import sys, time
try:
    from transition_sim.ensemble.runner import run_ensemble
except ImportError:  # trees before the ensemble/studies split
    from transition_sim.experiment.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate
kernel = [0.0]  # CPU seconds in the crowd's day (the compiled kernel and its call)
try:
    from transition_sim.core.population import Population
    day = Population.step
    def timed_day(self, *args):
        t = time.process_time()
        try:
            return day(self, *args)
        finally:
            kernel[0] += time.process_time() - t
    Population.step = timed_day
except ImportError:  # trees before the population: no split
    kernel[0] = float("nan")
sc = load_scenario(sys.argv[1])
simulate(sc, 0)  # warm-up: imports, compiled code, caches
n = int(sys.argv[2])
start, cpu, kernel[0] = time.perf_counter(), time.process_time(), kernel[0] * 0
run_ensemble(sc, n, 1, workers=1)
cpu = time.process_time() - cpu
print(n / (time.perf_counter() - start), n / cpu, (cpu - kernel[0]) / n * 1000)
"""


def rate(tree: Path, n: int) -> tuple[float, float, float]:
    """Replications per second of `tree`'s baseline, measured in a subprocess: per second of
    wall time, and per second of the process's CPU time (less sensitive to a loaded machine);
    and the CPU milliseconds per replication outside the crowd's compiled day (the Python
    model day, construction and tables; NaN for trees without `Population`)."""
    out = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-c", CODE,
         str(tree / "scenarios" / "kazakhstan_2022.yaml"), str(n)],
        cwd=tree, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    wall, cpu, python = out.split()[-3:]
    return float(wall), float(cpu), float(python)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-ref", default="6c1d11e")
    ap.add_argument("--old-tree", type=Path, default=None, help="a checkout to use as the old")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    add_common_args(ap)
    args = ap.parse_args()
    if args.smoke:
        args.old_tree, args.n, args.repeats = ROOT, 1, 1
    rates: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
    with old_tree(args.old_ref, args.old_tree) as old:
        for _ in range(args.repeats):
            rates["old"].append(rate(old, args.n))
            rates["new"].append(rate(ROOT, args.n))
    old_label = commit(args.old_tree) if args.old_tree else args.old_ref
    rows = []
    for name, label in (("old", old_label), ("new", "this tree")):
        wall = sorted(w for w, _, _ in rates[name])
        cpu = statistics.median(c for _, c, _ in rates[name])
        python = statistics.median(p for _, _, p in rates[name])
        rows.append([label, f"{wall[0]:.1f}, {statistics.median(wall):.1f}, {wall[-1]:.1f}",
                     f"{cpu:.1f}", f"{python:.1f}"])  # fmt: skip
    ratios = {}
    for i, kind in enumerate(("wall", "CPU")):
        ratio = [n[i] / o[i] for n, o in zip(rates["new"], rates["old"], strict=True)]
        ratios[kind] = ratio
        rows.append([f"new / old ({kind} time)", f"min {min(ratio):.2f}",
                     f"median {statistics.median(ratio):.2f}", ""])  # fmt: skip
    # the time outside the kernel: new / old (a time, not a rate)
    ratio = [n[2] / o[2] for n, o in zip(rates["new"], rates["old"], strict=True)]
    ratios["outside the kernel"] = ratio
    rows.append(["new / old (CPU outside the kernel)", "", "",
                 f"min {min(ratio):.2f}, median {statistics.median(ratio):.2f}"])  # fmt: skip
    note = (
        f"{args.n} baseline replications, 1 worker, {args.repeats} repeats, old and new"
        f" alternating in fresh subprocesses; python {sys.version.split()[0]}."
    )
    columns = ["code", "replications/s of wall time (min, median, max)",
               "of CPU time (median)",
               "CPU ms per replication outside the crowd kernel (median)"]  # fmt: skip
    for row in rows:
        print(" | ".join(row))
    write("baseline", args, {"baseline": table(columns, rows, note)}, rates=rates, ratios=ratios)


if __name__ == "__main__":
    main()
