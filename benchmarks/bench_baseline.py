"""Baseline replications per second: this tree against an older commit, in one benchmark run.

    uv run python benchmarks/bench_baseline.py [--old-ref 6c1d11e] [-n 100] [--repeats 3]

The older commit is checked out in a temporary `git worktree` (removed afterwards) with its own
environment (`uv sync --frozen`); each repeat runs `-n` replications of each tree's own
`scenarios/kazakhstan_2022.yaml` on one worker, in a fresh subprocess after one warm-up
replication, old and new one after the other so that both see the same load. 6c1d11e is the
last commit with the approximate crowd (quiet days, vectorized batches). A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = """
import sys, time
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate
sc = load_scenario(sys.argv[1])
simulate(sc, 0)  # warm-up: imports, compiled code, caches
n = int(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
run_ensemble(sc, n, 1, workers=1)
print(n / (time.perf_counter() - start), n / (time.process_time() - cpu))
"""


def rate(tree: Path, n: int) -> tuple[float, float]:
    """Replications per second of `tree`'s baseline, measured in a subprocess: per second of
    wall time, and per second of the process's CPU time (less sensitive to a loaded machine)."""
    uv = shutil.which("uv") or "uv"
    out = subprocess.run(
        [uv, "run", "--frozen", "--project", str(tree), "python", "-c", CODE,
         str(tree / "scenarios" / "kazakhstan_2022.yaml"), str(n)],
        cwd=tree, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    wall, cpu = out.split()[-2:]
    return float(wall), float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-ref", default="6c1d11e")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    old = Path(tempfile.mkdtemp(prefix="ts-old-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.old_ref],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        subprocess.run(
            [
                shutil.which("uv") or "uv",
                "sync",
                "--frozen",
                "--project",
                str(old),
                "-q",
                "--python",
                sys.executable,
            ],
            check=True,
        )
        rates: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
        for _ in range(args.repeats):
            rates["old"].append(rate(old, args.n))
            rates["new"].append(rate(ROOT, args.n))
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False
        )
        shutil.rmtree(old.parent, ignore_errors=True)
    print(f"{args.n} baseline replications, 1 worker, {args.repeats} repeats;"
          f" load average {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}")  # fmt: skip
    print("| code | replications/s of wall time (min, median, max) | of CPU time (median) |")
    print("|---|---|---|")
    for name, label in (("old", f"{args.old_ref} (approximate)"), ("new", "this tree (exact)")):
        wall = sorted(w for w, _ in rates[name])
        cpu = statistics.median(c for _, c in rates[name])
        mid = statistics.median(wall)
        print(f"| {label} | {wall[0]:.1f}, {mid:.1f}, {wall[-1]:.1f} | {cpu:.1f} |")
    for i, kind in enumerate(("wall", "CPU")):
        ratio = [n[i] / o[i] for n, o in zip(rates["new"], rates["old"], strict=True)]
        mid = statistics.median(ratio)
        print(f"new / old ({kind} time): min {min(ratio):.2f}, median {mid:.2f}")


if __name__ == "__main__":
    main()
