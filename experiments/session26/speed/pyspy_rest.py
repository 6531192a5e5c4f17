"""The Python outside the block kernel in a py-spy raw profile (`py-spy record -f raw`).

Samples under `simulate`, less those whose leaf is the kernel's call (KERNEL, a frame as py-spy
names it, e.g. "BlockPopulation.step (transition_sim/core/blocks.py:1196)") and the warm-up's
imports and compilation, scaled so that they sum to MS (the ms per replication measured without
the profiler, e.g. by experiments/session25/speed/split.py); exclusive, then inclusive.

    python experiments/session26/speed/pyspy_rest.py RAW KERNEL MS
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

WARM_UP = ("_find_and_load ", "_DispatcherBase._compile_for_args")


def function(frame: str) -> str:
    return re.sub(r":\d+\)$", ")", frame)


def main() -> None:
    raw, kernel, ms = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    rest = total = 0
    excl: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, count = line.rstrip().rsplit(" ", 1)
        n, frames = int(count), stack.split(";")
        top = next((i for i, f in enumerate(frames) if f.startswith("simulate ")), None)
        if top is None:
            continue
        total += n
        if frames[-1].startswith(kernel) or any(f.startswith(WARM_UP) for f in frames):
            continue
        rest += n
        frames = frames[top:]
        excl[function(frames[-1])] += n
        for f in set(map(function, frames)):
            incl[f] += n
    scale = ms / rest
    print(f"rest {rest} of {total} samples in simulate; scaled so that the rest is {ms} ms")
    print("exclusive (ms per replication):")
    for k, v in excl.most_common(35):
        print(f"{v * scale:7.3f} {k}")
    print("inclusive (ms per replication):")
    for k, v in incl.most_common(60):
        print(f"{v * scale:7.3f} {k}")


if __name__ == "__main__":
    main()
