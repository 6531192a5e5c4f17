"""Where the block kernel's time goes: `replay.py`'s recorded calls replayed by modified copies
of transition_sim/core/blocks.py, each with one part of the day switched off or changed (a
scratch copy in a temporary folder, compiled there; nothing of it is kept). A variant that
removes work changes the results, so the days after differ: its time is a rough measure of the
part, not an exact one. Prints the least and median CPU ms per replication of each variant, in
turn, `--rounds` times (the same load for all).

    uv run python experiments/session27/kern/variants.py [--ppa 2000] [-n 3] [--rounds 3] [NAME ...]

A NAME ``git:REF`` is blocks.py as committed at REF (unmodified): ``base git:HEAD~1`` times the
working tree against a commit, in turn, on the same recorded calls.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
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
    "no_arrest": [("        if deters[u] and live > 0:\n", "        if False:\n")],
    "no_move": [("        if ip[MOVEMENT] == 0:\n            continue\n", "        continue\n")],
    "no_decide": [
        (
            "            live += _decide(a, nbr,",
            "            if False:\n                _decide(a, nbr,",
        )
    ],
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
    "no_move_tally": [
        ("            _spans_tally(cops_seen, ux[u], r, unit_spans[u], side, -1.0)\n", ""),
        ("            _spans_tally(cops_seen, x, r, unit_spans[u], side, 1.0)\n", ""),
    ],
    "no_move_spans": [("            _spans(x, y, reach, moore, side, r, unit_spans[u])\n", "")],
    "no_decide_tally": [("    if new != own:\n        _tally(", "    if False:\n        _tally(")],
    "decide_no_shares": [
        (
            "    upset = _rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, extra, cuts)\n"
            "    shares = (upset, upset, crime_share(rlo, rhi, er, p, t, f[CRIME_DRIVE]))\n",
            "    shares = (0.0 * p, 0.0 * t, 0.0 * lo)\n",
        )
    ],
    "no_prefetch_nbr": [
        (
            "        _prefetch_row(nbr, pos[order[",
            "        if False:\n            _prefetch_row(nbr, pos[order[",
        )
    ],
    "prefetch_2": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 2 ")],
    "prefetch_8": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 8 ")],
    # a second evaluation (of slightly other inputs, kept): the arithmetic's own cost
    "twice_rule_share": [
        (
            "    upset = _rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, extra, cuts)\n",
            "    upset = _rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, extra, cuts)\n"
            "    again = _rule_share(lo, hi, rlo, rhi, eh, er, p, t * 1.0000001, nl, extra, cuts)\n"
            "    upset = upset if again > -1.0 else again\n",
        )
    ],
    "twice_crime_share": [
        (
            "    shares = (upset, upset, crime_share(rlo, rhi, er, p, t, f[CRIME_DRIVE]))\n",
            "    crime = crime_share(rlo, rhi, er, p, t, f[CRIME_DRIVE])\n"
            "    again = crime_share(rlo, rhi, er, p, t * 1.0000001, f[CRIME_DRIVE])\n"
            "    shares = (upset, upset, crime if again > -1.0 else again)\n",
        )
    ],
    "no_ring_prefetch": [
        (
            "                _prefetch(ring, as_index(ahead), as_index(kind * width + today))\n",
            "                pass\n",
        )
    ],
    "release_skip_zero_write": [
        (
            "                jailed[a, kind] = max("
            "jailed[a, kind] - ring[a, kind * width + today], 0.0)\n"
            "                ring[a, kind * width + today] = 0.0\n",
            "                v = ring[a, kind * width + today]\n"
            "                if v != 0.0:\n"
            "                    jailed[a, kind] = max(jailed[a, kind] - v, 0.0)\n"
            "                    ring[a, kind * width + today] = 0.0\n",
        )
    ],
    "no_rows_prefetch": [
        (
            "                _prefetch_row(rows, ahead)\n",
            "                if turn < 0:\n                    _prefetch_row(rows, ahead)\n",
        )
    ],
    "no_exp_prefetch": [
        ("            _prefetch(experience_rows, as_index(ahead), as_index(0))\n", "")
    ],
    "copy_twice": [
        (
            "            rows[b, TRAITS_AT + i] = traits_of[b, i]\n",
            "            rows[b, TRAITS_AT + i] = traits_of[b, i]\n"
            "    for b in range(n):\n"
            "        for kind in range(3):\n"
            "            rows[b, ACTIVE_AT + kind] = active_of[b, kind]\n"
            "            rows[b, JAILED_AT + kind] = jailed_of[b, kind]\n"
            "            rows[b, PEOPLE_AT + kind] = people_of[b, kind]\n"
            "        rows[b, EXPERIENCE_AT] = experience_of[b]\n"
            "        for i in range(6):\n"
            "            rows[b, TRAITS_AT + i] = traits_of[b, i]\n",
        )
    ],
    "prefetch_6": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 6 ")],
    "prefetch_3": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 3 ")],
    "prefetch_12": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 12 ")],
    "prefetch_16": [("PREFETCH_BLOCKS = 4 ", "PREFETCH_BLOCKS = 16 ")],
    "arrest_ahead_4": [
        (
            "        if c + 2 < k:  # the rows of the block two ahead (`_prefetch`)\n"
            "            ahead = sight[c + 2]\n",
            "        if c + 4 < k:\n            ahead = sight[c + 4]\n",
        )
    ],
    "no_end": [
        (
            "    for b in range(n):\n        share = active[b, 0]",
            "    for b in range(0):\n        share = active[b, 0]",
        )
    ],
}


def source_at(ref: str) -> str:
    show = ["git", "-C", str(ROOT), "show", f"{ref}:transition_sim/core/blocks.py"]
    return subprocess.run(show, check=True, capture_output=True, text=True).stdout


def load(name: str, folder: Path, base: str | None = None):
    """The variant `name` of the working tree's blocks.py (or of the text `base`), or
    ``git:REF``: blocks.py at REF."""
    if name.startswith("git:"):
        show = ["git", "-C", str(ROOT), "show", f"{name[4:]}:transition_sim/core/blocks.py"]
        text = subprocess.run(show, check=True, capture_output=True, text=True).stdout
        name = "git_" + name[4:].replace("~", "_").replace("^", "_")
        path = folder / f"blocks_{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(f"blocks_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    text = SOURCE.read_text() if base is None else base
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
    args = fresh(calls, kernel.py_func.__code__.co_argcount)
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
