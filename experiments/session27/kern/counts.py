"""Counts of the block kernel's work per replication, from a modified copy of
transition_sim/core/blocks.py (counters in extra slots of the day's statistics; a scratch copy
in a temporary folder, nothing kept): `replay.py`'s recorded calls replayed by it. Counters:
deterring unit turns (each scans its sight), of them those when the region had a block with
active people (anywhere), those with one in the rows the unit's sight covers, those with one in
its sight (seen > 0); block decisions, of them those of a block with active people before or
after, and those whose active share changed (a vision tally); region-days with no active
people at the start of the day.

    uv run python experiments/session27/kern/counts.py [--ppa 2000] [-n 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import variants  # noqa: E402
from replay import fresh, record  # noqa: E402

EXTRA = 9
NAMES = [
    "unit turns (deterring)",
    "  region had an active block",
    "  an active block in the rows seen",
    "  an active block in sight",
    "block decisions",
    "  active before or after",
    "  share changed (tally)",
    "region-days",
    "  quiet at the start",
]
variants.VARIANTS["counts"] = [
    ("    stats = np.zeros(N_STATS)\n", f"    stats = np.zeros(N_STATS + {EXTRA})\n"),
    (
        "        if deters[u]:\n            _arrest(",
        """        if deters[u]:
            stats[11] += 1
            found = False
            for c_ in range(side * side):
                if active_at[c_] > 0.0:
                    found = True
                    break
            if found:
                stats[12] += 1
            x0_ = int(ux[u])
            found = False
            for i_ in range(x0_ - r, x0_ + r + 1):
                for j_ in range(side):
                    if active_at[(i_ % side) * side + j_] > 0.0:
                        found = True
            if found:
                stats[13] += 1
            found = False
            for i_ in range(x0_ - r, x0_ + r + 1):
                lo_, hi_ = unit_spans[u][i_ - x0_ + r, 0], unit_spans[u][i_ - x0_ + r, 1]
                for j_ in range(lo_, hi_ + 1):
                    if active_at[(i_ % side) * side + j_ % side] > 0.0:
                        found = True
            if found:
                stats[14] += 1
        if deters[u]:
            _arrest(""",
    ),
    (
        "            _decide(a, nbr,",
        """            before_ = active[a, 0] + active[a, 1] + active[a, 2]
            stats[15] += 1
            _decide(a, nbr,""",
    ),
    (
        "            continue\n        u = a - n\n",
        """            after_ = active[a, 0] + active[a, 1] + active[a, 2]
            if before_ > 0.0 or after_ > 0.0:
                stats[16] += 1
            if before_ != after_:
                stats[17] += 1
            continue
        u = a - n
""",
    ),
    (
        "    shuffle(order, s)\n",
        """    shuffle(order, s)
    stats[18] += 1
    quiet_ = True
    for b in range(n):
        if active_at[pos[b]] > 0.0:
            quiet_ = False
    if quiet_:
        stats[19] += 1
""",
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--ppa", type=int, default=2000)
    args = ap.parse_args()
    calls = record(args.n, args.ppa)
    # the counters are patched into main's blocks.py before session 27 (05f38ed): the work
    # there is what the session's cuts skip; the calls recorded by this tree carry one
    # argument more (`rows`), which that kernel does not take
    base = variants.source_at("05f38ed")
    folder = Path(tempfile.mkdtemp(prefix="kern27-"))
    kernel = variants.load("counts", folder, base).block_day
    total = np.zeros(EXTRA)
    for a in fresh(calls, 23):
        total += kernel(*a)[11:]
    print(f"ppa {args.ppa}, {args.n} replications, per replication:")
    for name, v in zip(NAMES, total / args.n, strict=True):
        print(f"  {name:40s} {v:10.1f}")


if __name__ == "__main__":
    main()
