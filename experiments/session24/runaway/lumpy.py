"""A copy of the blocks kernel's day (`transition_sim.core.blocks.block_day`, main c064789) in
which a deterring unit detains whole blocks' active people, in a random order of the blocks in
its sight, until it has its `unit_people` (the last block in part), instead of the same share of
every block in sight: the granularity of an agents unit, which takes whole agents (probe.py's
switch `lumpy`). Made from the installed source by text substitution, so it follows the kernel
as checked out; nothing in transition_sim/ is edited."""

from __future__ import annotations

import inspect

from transition_sim.core import blocks as B

_ns = dict(vars(B))
_arrest_src = inspect.getsource(B._arrest).replace("def _arrest(", "def _arrest_lumpy(")
_arrest_src = _arrest_src.replace(
    "    active_at: np.ndarray,\n) -> None:",
    "    active_at: np.ndarray,\n    s: np.ndarray,\n) -> None:",
)
OLD = """    frac = min(take / seen, 1.0)
"""
NEW = """    for c in range(k - 1, 0, -1):  # the blocks in sight in a random order (Fisher-Yates)
        j = int(uniform(s) * (c + 1))
        j = min(j, c)
        sight[c], sight[j] = sight[j], sight[c]
    left = take
"""
assert OLD in _arrest_src
_arrest_src = _arrest_src.replace(OLD, NEW)
OLD2 = """        cell = sight[c]
        o = occupant[cell]
        gone = 0.0
"""
NEW2 = """        cell = sight[c]
        o = occupant[cell]
        gone = 0.0
        if left <= 0.0:
            break
        held = active_at[as_index(cell)]
        frac = min(left / held, 1.0)
        left -= held * frac
"""
assert OLD2 in _arrest_src
_arrest_src = _arrest_src.replace(OLD2, NEW2).replace("cache=True", "cache=False")
exec(compile(_arrest_src, "<lumpy _arrest>", "exec"), _ns)

_day_src = inspect.getsource(B.block_day).replace("def block_day(", "def lumpy_day(")
OLD3 = "actives_seen, max_jail, clock, stats, sight, active_at)"
assert OLD3 in _day_src
_day_src = (
    _day_src.replace("_arrest(", "_arrest_lumpy(")
    .replace(OLD3, "actives_seen, max_jail, clock, stats, sight, active_at, s)")
    .replace("cache=True", "cache=False")
)
exec(compile(_day_src, "<lumpy block_day>", "exec"), _ns)
lumpy_day = _ns["lumpy_day"]
