"""Peak memory of ``transition-sim run SCENARIO -n N --out DIR``: the parent and its workers.

    uv run python benchmarks/bench_memory.py scenarios/kazakhstan_2022.yaml -n 1000 10000 -w 2
    uv run python benchmarks/bench_memory.py scenarios/kazakhstan_2022.yaml -n 1000 --no-out

Runs the command line in a subprocess and samples its process tree every ``--interval``
seconds with psutil:

- RSS summed over the tree: an upper bound, as pages the forked workers share with the parent
  count once per process;
- PSS summed over the tree (Linux): shared pages split between the processes sharing them,
  i.e. the tree's real footprint;
- the parent's own RSS, which is what grows with N if results are held in memory.

``--cli`` runs another installation's command (e.g. an older checkout's
``.venv/bin/transition-sim``) for a before/after comparison. A script, not a test: numbers
depend on the machine, so they are printed and written to benchmarks/results/memory.json, never
asserted. ``--smoke`` runs 1 replication on one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from _common import ROOT, add_common_args, table, write

MIB = 2**20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=ROOT / "scenarios" / "kazakhstan_2022.yaml",
        help="scenario YAML file (default: the baseline)",
    )
    parser.add_argument("-n", "--replications", type=int, nargs="+", default=[1000])
    parser.add_argument("-w", "--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--keep", choices=["all", "summary"], default="all")
    parser.add_argument("--no-out", action="store_true", help="run without --out")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    parser.add_argument(
        "--cli",
        default=None,
        help="command to run instead of this checkout's (e.g. /path/.venv/bin/transition-sim)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON record per N")
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.replications, args.workers, args.interval = [1], 1, 0.05
    return args


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(root: psutil.Process) -> tuple[int, int, int, int]:
    """(RSS summed, PSS summed, the parent's RSS, processes) of the tree now."""
    rss = pss = parent = count = 0
    for process in _tree(root):
        try:
            info = process.memory_full_info() if sys.platform == "linux" else None
            process_rss = info.rss if info else process.memory_info().rss
            rss += process_rss
            pss += getattr(info, "pss", process_rss)
            parent = process_rss if process.pid == root.pid else parent
            count += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return rss, pss, parent, count


def _quarters(values: list[int]) -> list[list[int]]:
    k = len(values)
    return [values[i * k // 4 : (i + 1) * k // 4] for i in range(4)]


def measure(args: argparse.Namespace, n: int) -> dict[str, Any]:
    command = (
        [args.cli]
        if args.cli
        else [sys.executable, "-c", "from transition_sim.cli import app; app()"]
    )
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        out = Path(tmp) / "out"
        run = [*command, "run", str(args.scenario), "--point", "-n", str(n)]
        run += ["-w", str(args.workers), "--json"]
        if not args.no_out:
            run += ["--out", str(out)]
            if args.keep != "all":
                run += ["--keep", args.keep]
        start = time.perf_counter()
        process = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        root = psutil.Process(process.pid)
        peak_rss = peak_pss = max_processes = 0
        parents: list[int] = []  # the parent's RSS at each sample, to see whether it grows
        while process.poll() is None:
            rss, pss, parent, count = _sample(root)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            parents.append(parent)
            max_processes = max(max_processes, count)
            time.sleep(args.interval)
        wall = time.perf_counter() - start
        stdout = process.stdout.read() if process.stdout else b""
        size = sum(p.stat().st_size for p in out.glob("*")) if out.is_dir() else 0
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(run)} exited {process.returncode}")
    summary = json.loads(stdout)
    return {
        "scenario": summary["scenario"],
        "replications": n,
        "workers": args.workers,
        "out": not args.no_out,
        "keep": args.keep,
        "peak_rss_sum_mib": round(peak_rss / MIB, 1),
        "peak_pss_sum_mib": round(peak_pss / MIB, 1),
        "peak_parent_rss_mib": round(max(parents, default=0) / MIB, 1),
        # the parent's peak RSS in each quarter of the run: flat if nothing accumulates
        "parent_rss_mib_by_quarter": [
            round(max(q, default=0) / MIB, 1) for q in _quarters(parents)
        ],
        "processes": max_processes,
        "wall_seconds": round(wall, 1),
        "replications_per_second": round(n / wall, 2),
        "result_mib": round(size / MIB, 1),
        "cli": args.cli or "this checkout",
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    records = []
    for n in args.replications:
        record = measure(args, n)
        records.append(record)
        if args.json:
            print(json.dumps(record), flush=True)
            continue
        print(
            f"{record['scenario']}: {n} replications, {args.workers} worker(s):"
            f" peak PSS {record['peak_pss_sum_mib']:.0f} MiB (RSS summed"
            f" {record['peak_rss_sum_mib']:.0f}, parent {record['peak_parent_rss_mib']:.0f}),"
            f" {record['wall_seconds']:.0f} s, results {record['result_mib']:.1f} MiB;"
            f" parent by quarter {record['parent_rss_mib_by_quarter']} MiB",
            flush=True,
        )
    command = "run -n N -w {w}{out}".format(w=args.workers, out="" if args.no_out else " --out DIR")
    rows = [
        [
            f"{r['replications']:,}",
            f"{r['peak_rss_sum_mib']:.0f} MiB",
            f"{r['peak_pss_sum_mib']:.0f} MiB",
            f"{r['peak_parent_rss_mib']:.0f} MiB",
            f"{r['wall_seconds']:.0f} s",
            f"{r['result_mib']:.1f} MiB",
        ]
        for r in records
    ]
    columns = [f"`{command}`, N", "RSS summed", "PSS summed", "parent RSS (peak)", "wall",
               "results"]  # fmt: skip
    write("memory", args, {"memory": table(columns, rows)}, runs=records)


if __name__ == "__main__":
    main()
