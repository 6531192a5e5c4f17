"""Where the block kernel's time goes: `replay.py`'s recorded calls replayed by modified copies
of transition_sim/core/blocks.py, each with one part of the day switched off or changed (a
scratch copy in a temporary folder, compiled there; nothing of it is kept). A variant that
removes work changes the results, so the days after differ: its time is a rough measure of the
part, not an exact one. Prints the least and median CPU ms per replication of each variant, in
turn, `--rounds` times (the same load for all).

    uv run python experiments/session27/kern/variants.py [--ppa 2000] [-n 3] [--rounds 3] [NAME ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))
from replay import fresh, record  # noqa: E402

SOURCE = ROOT / "transition_sim" / "core" / "blocks.py"

# name: [(text in blocks.py, its replacement)]
VARIANTS: dict[str, list[tuple[str, str]]] = {
    "base": [],
    "no_units": [("        u = a - n\n", "        continue\n        u = a - n\n")],
    "no_arrest": [
        ("        if deters[u]:\n            _arrest(", "        if False:\n            _arrest(")
    ],
    "no_move": [("        if ip[MOVEMENT] == 0:\n            continue\n", "        continue\n")],
    "no_decide": [("            _decide(a, nbr,", "            if False: _decide(a, nbr,")],
    "no_release": [
        (
            "            for kind in range(3):\n                jailed[a, kind] = max(",
            "            for kind in range(0):\n                jailed[a, kind] = max(",
        )
    ],
    "no_prefetch": [
        ("        if ahead < n:\n", "        if False:\n"),
        (
            "        _prefetch_row(nbr, pos[order[",
            "        if False: _prefetch_row(nbr, pos[order[",
        ),
    ],
    "no_end": [
        (
            "    for b in range(n):\n        share = active[b, 0]",
            "    for b in range(0):\n        share = active[b, 0]",
        )
    ],
}


def load(name: str, folder: Path):
    text = SOURCE.read_text()
    for old, new in VARIANTS[name]:
        assert text.count(old) == 1, (name, old)
        text = text.replace(old, new)
    path = folder / f"blocks_{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"blocks_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(kernel, calls) -> float:
    args = fresh(calls)
    t0 = time.process_time()
    for a in args:
        kernel(*a)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--ppa", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    names = args.names or list(VARIANTS)
    calls = record(args.n, args.ppa)
    folder = Path(tempfile.mkdtemp(prefix="kern27-"))
    kernels = {}
    for name in names:
        kernels[name] = load(name, folder).block_day
        timed(kernels[name], calls[:20])  # compile
    times = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            times[name].append(timed(kernels[name], calls) / args.n * 1000)
    for name in names:
        t = times[name]
        print(f"{name:12s} min {min(t):6.2f}  median {np.median(t):6.2f}")


if __name__ == "__main__":
    main()
