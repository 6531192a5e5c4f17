"""A crowd of blocks: each citizen agent is a block of residents holding the share who are active
[A-block-crowd].

The agents representation (`crowd.RegionCrowd`) scales one person up: an agent standing for
`people_per_agent` residents is all active or all quiet, so it fluctuates like one person, and
ignition, driven by the noise of a few agents, depends on the resolution (docs/ODD.md §8,
"Resolution"). Here (``crowd.representation: blocks``, docs/ODD.md §7.13) a block holds, by kind
of protester, the share of its people who are active and the share in jail, and obeys Epstein's
rule person by person in the limit of many people with persistent traits:

- A block's people have the population's traits (hardship H uniform on the scenario's range
  plus the region's shift, clipped to [0, 1]; risk aversion R uniform), so the share of them who
  are active is the probability mass of {clip(clip(H) + extra) (1 - L) - R P > T} (`rule_share`,
  exact), less those of them in jail (jailed people were active: persistent traits).
- A block of finitely many people differs from the population: its kind mix is multinomial and
  the distribution of each trait is tilted by a persistent ``eps u (1 - u)`` on its quantiles,
  with eps of standard deviation 2 / sqrt(people): the noise of a fixed number of residents does
  not depend on how they are grouped, and every block equals the population in expectation.
- P reads units to actives in sight in deterrence-equivalents: a unit agent stands for
  ``crowd.unit_people`` of them whatever the resolution, the actives are the people in the
  blocks in sight (the block's own included) and the deciding person herself, over unit_people.
  A vision in residents is exact: its outer ring of cells counts by the share needed.
- Units stand at points, not on cells: a unit is seen from the cells whose centres lie in a
  diamond (a square with Moore vision) of the vision's area around it, and moves each day to a
  uniform point of it, so the units a resident sees are binomial with the same share of the city
  at any resolution (whole cells and a lattice vision made their rare low counts, which ignite a
  neighbourhood, depend on the grid). With ``crowd.guarding`` a deterring unit's move heads for
  a site with that chance, as an agents unit's does: of 8 uniform points of its disc, the one
  nearest a site (Chebyshev distance to the site cell's centre).
- A deterring unit detains ``unit_people`` active people a day (or all it sees, if fewer), from
  the blocks in its sight in proportion to their active people; a jailed person serves a term
  uniform on {0..max_jail_term} days, as an agent does (a block's jail is a ring of release days).
- Blocks are places and do not move (peaceful actives do not gather: crowd.gathering).

A block holds the region's urban population over its n blocks (n is the agents' count on the
grid, whose side is rounded), so a region holds its residents exactly at any resolution, and a
vision in residents is that many residents' cells. The day's statistics have the agents' layout
(`kernel.STAT_*`), in citizen agents as floats: active people / `scale.people_per_agent`, so the
model reads both crowds alike (a region's citizens: `BlockCrowd.citizens`).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from transition_sim.core.crowd import (
    CrowdRules,
    neighbor_table,
    neighborhood_offsets,
)
from transition_sim.core.kernel import (  # the float layout's first entries
    ARREST_CONSTANT,
    CONTAGION_SIGNAL,
    CRIME,
    CRIME_DRIVE,
    GUARDING,
    HARDSHIP_EXTRA,
    LEGITIMACY,
    MEMORY_DECAY,
    MEMORY_EFFECT,
    MEMORY_GAIN,
    MOVE_PROPOSALS,
    N_FLOAT,
    N_STATS,
    PEACEFUL,
    SOCIAL_SIGNAL,
    STAT_ACTIVE,
    STAT_ARRESTS,
    STAT_ENGAGED,
    STAT_JAILED,
    STAT_QUIET,
    THRESHOLD,
    VIOLENT,
    as_index,
    numba,
    seed_stream,
    shuffle,
    uniform,
)

__all__ = ["BlockCrowd", "BlockPopulation", "crime_share", "rule_share"]

PREFETCH_BLOCKS = 8  # turns ahead whose block's rows are fetched (`_prefetch`; 4 before session 27)
MOVE_TRIES = 16  # draws of a unit's move before it stays (a vision's outer ring: by its share)
# Layout of the float parameters of `block_day`: the kernel's, then the blocks' own.
(
    PER_BLOCK,  # people_per_agent / unit_people: a block's people in deterrence-equivalents
    SELF,  # 1 / unit_people: the deciding person herself
    VISION_CELLS,  # the cells in vision, a fractional outer ring counted by its share
    REACH,  # a unit's sight and move: the radius, in cells, of a disc of the vision's area
    MOORE,  # 1: the disc is a square (Moore vision), else a diamond (von Neumann)
    EXACT_RATIO,  # 1: P(arrest) from the ratio of units to actives unrounded (arrest_ratio)
) = range(N_FLOAT, N_FLOAT + 6)
# A guarding unit's move (crowd.guarding) weighs as many points as an agent weighs cells.
GUARD_PROPOSALS = MOVE_PROPOSALS
# Layout of the integer parameters of `block_day`.
MAX_JAIL_TERM, MOVEMENT, ARRESTS_PER_UNIT, CLOCK = range(4)
# Layout of a block's row of `block_day`'s scratch `rows` (`block_rows`): two cache lines.
ACTIVE_AT, JAILED_AT, EXPERIENCE_AT, PEOPLE_AT, TRAITS_AT, ROW = 0, 3, 6, 7, 10, 16
_P_ONE = -38.0  # 1.0 - math.exp(x) is 1.0 for every x <= this: exp(-38) = 3.1e-17 < 2^-54
_GAUSS = 0.5 / math.sqrt(3.0)  # 2-point Gauss-Legendre nodes on [0, 1]: 1/2 -+ this


def block_rows(n: int) -> np.ndarray:
    """`block_day`'s scratch for `n` blocks: `ROW` floats a block (128 bytes), the first row
    at the start of a 64-byte cache line, so that each row is two whole lines."""
    buf = np.empty(n * ROW + 8)
    skip = (-buf.ctypes.data % 64) // 8
    return buf[skip : skip + n * ROW].reshape(n, ROW)


# -- the share of a block's people who are active -------------------------------------------
@numba.njit(cache=True, inline="always")
def _q(r: float, lo: float, hi: float, p: float, t: float, nl: float, e: float) -> float:
    """Pr over H ~ U(lo, hi) that clip(clip(H) + e) nl - r p > t (a person of risk r)."""
    c = t + r * p
    if c < 0.0:
        return 1.0  # the grievance is never negative
    if nl <= 0.0:
        return 0.0
    w = c / nl
    if w >= 1.0:
        return 0.0
    w -= e  # now clip(H) > w, with clip(H) + e clipped to [0, 1] and w + e in [0, 1)
    if w < 0.0:
        return 1.0
    if w >= 1.0:
        return 0.0
    if hi <= lo:
        return 1.0 if lo > w else 0.0
    return min(max((hi - w) / (hi - lo), 0.0), 1.0)


@numba.njit(cache=True)
def rule_share(
    lo: float,
    hi: float,
    rlo: float,
    rhi: float,
    eh: float,
    er: float,
    p: float,
    t: float,
    nl: float,
    e: float,
) -> float:
    """The share of a block's people with clip(clip(H) + e) nl - R p > t, exactly.

    H is uniform on (lo, hi), R on (rlo, rhi), each tilted on its quantiles u by `eh`, `er`:
    the block's share of people below quantile u is u + eps u (1 - u) (|eps| <= 1). For fixed R
    the active people are those above a hardship quantile that is piecewise linear in R, so
    the integrand over R's quantile is a piecewise cubic: 2-point Gauss-Legendre between the
    kinks is exact."""
    return _rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, e, np.empty(8))


@numba.njit(cache=True, inline="always")
def _rule_share(
    lo: float,
    hi: float,
    rlo: float,
    rhi: float,
    eh: float,
    er: float,
    p: float,
    t: float,
    nl: float,
    e: float,
    cuts: np.ndarray,
) -> float:
    """`rule_share`, with `cuts` (8 floats) its scratch: a block's decision allocates nothing."""
    if rhi <= rlo or p <= 0.0:
        q = _q(rlo, lo, hi, p, t, nl, e)
        return q - eh * q * (1.0 - q)
    # Most blocks, most days, have nobody active: then nobody of the lowest risk is either.
    # `_q` does not grow with r when p > 0 (in floats too: each step is monotone) and every
    # node below lies at or above rlo, so each term below would be 0.5 (b - a) x 0.0 x a factor
    # >= 0, i.e. 0.0: the sum is 0.0 exactly, returned without the kinks and the nodes.
    if _q(rlo, lo, hi, p, t, nl, e) == 0.0:
        return 0.0
    cuts[0] = 0.0
    m = 1
    for c in (0.0, nl, nl * e, nl * (1.0 + e), nl * (lo + e), nl * (hi + e)):
        v = ((c - t) / p - rlo) / (rhi - rlo)
        if 0.0 < v < 1.0:  # insertion sort: the kinks inside (0, 1), in order
            i = m
            while cuts[i - 1] > v:
                cuts[i] = cuts[i - 1]
                i -= 1
            cuts[i] = v
            m += 1
    cuts[m] = 1.0
    m += 1
    total = 0.0
    for i in range(m - 1):
        a, b = cuts[i], cuts[i + 1]
        if b <= a:
            continue
        for x in (a + (0.5 - _GAUSS) * (b - a), a + (0.5 + _GAUSS) * (b - a)):
            q = _q(rlo + x * (rhi - rlo), lo, hi, p, t, nl, e)
            # The nodes' r grow (in floats too: each step is monotone, and a segment's second
            # node is at most its end), so from the first q of 0.0 on every q is 0.0 and every
            # term +0.0 (0.5 (b - a) > 0 times +0.0 times 1 + er (1 - 2x) >= 0): adding them
            # leaves `total` (>= +0.0) as it is.
            if q == 0.0:
                return total
            total += 0.5 * (b - a) * (q - eh * q * (1.0 - q)) * (1.0 + er * (1.0 - 2.0 * x))
    return total


@numba.njit(cache=True)
def crime_share(rlo: float, rhi: float, er: float, p: float, t: float, drive: float) -> float:
    """The share of a block's organized-crime people with drive - R p > t (R tilted by `er`)."""
    if p <= 0.0:
        return 1.0 if drive > t else 0.0
    r = (drive - t) / p
    if rhi <= rlo:
        return 1.0 if rlo < r else 0.0
    v = min(max((r - rlo) / (rhi - rlo), 0.0), 1.0)
    return v + er * v * (1.0 - v)


@numba.njit(cache=True, inline="always")
def _wrap(v: float, side: int) -> float:
    """``v % side`` as numba computes it (Python's float modulo: libm's fmod, then the sign
    fixed), without the call for v in [-side, 2 side), the range of every use here: there fmod
    is v - side (exact), v, or v with side added once (the same rounding); a zero is +0.0."""
    if v >= side:
        return v - side if v < 2.0 * side else v % side
    if v < 0.0:
        return v + side if v >= -side else v % side
    return v + 0.0  # -0.0 % side is +0.0


@numba.njit(cache=True, inline="always")
def _mod(i: int, side: int) -> int:
    """``i % side`` (Python's: in 0..side-1) without a division for i in [-side, 2 side), the
    range of a row or column of a unit's sight (within (side - 1) // 2 of a cell's): an integer
    division per row of a sight, twice a move, cost more than the row's additions."""
    if i < 0:
        return i + side if i >= -side else i % side
    if i >= side:
        return i - side if i < 2 * side else i % side
    return i


# -- memory -----------------------------------------------------------------------------------
@intrinsic
def _prefetch(typingctx, ary, i, j):
    """Ask the CPU to fetch the cache line of ``ary[i, j]`` (a 2-d array) for writing: a hint
    (nothing is read, nothing can fault, the index need not be in range). A day visits blocks in
    a random order and a unit detains from blocks all over its sight: each block's row of each
    array (its jail ring above all, 768 bytes) and its cell's row of the neighbour table are
    mostly outside the first levels of cache, and fetching them a few steps ahead overlaps the
    waits (`block_day`)."""

    def codegen(context, builder, signature, args):
        ary_t = signature.args[0]
        arr = context.make_array(ary_t)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(
            context, builder, ary_t, arr, [args[1], args[2]], wraparound=False
        )
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
        )
        # write, highest locality (keep in every level), data cache
        builder.call(fetch, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(ary, i, j), codegen


@numba.njit(cache=True, inline="always")
def _prefetch_row(ary: np.ndarray, i: int) -> None:
    """`_prefetch` the lines of row `i` of `ary` (its first entry to its last, a line apart
    at most)."""
    step = max(64 // ary.itemsize, 1)
    for j in range(0, ary.shape[1], step):
        _prefetch(ary, as_index(i), as_index(j))
    _prefetch(ary, as_index(i), as_index(ary.shape[1] - 1))


# -- tallies ----------------------------------------------------------------------------------
@numba.njit(cache=True, inline="always")
def _tally(tally: np.ndarray, nbr: np.ndarray, wv: np.ndarray, cell: int, delta: float) -> None:
    """Add `delta` to the tally of every cell in `cell`'s vision, times the share of it in
    vision (`wv`, by offset: symmetric, so a tally is also what a cell sees). Unsigned indices:
    no wraparound of negative ones to test."""
    for j in range(nbr.shape[1]):
        tally[as_index(nbr[as_index(cell), as_index(j)])] += delta * wv[as_index(j)]


@numba.njit(cache=True)
def fresh_tally(
    nbr: np.ndarray, wv: np.ndarray, cells: np.ndarray, weights: np.ndarray, size: int
) -> np.ndarray:
    """For every cell, the sum of `weights` of `cells` in its vision."""
    tally = np.zeros(size)
    for i in range(cells.shape[0]):
        _tally(tally, nbr, wv, cells[i], weights[i])
    return tally


@numba.njit(cache=True, inline="always")
def _within(dx: float, dy: float, reach: float, moore: bool) -> bool:
    return (max(dx, dy) if moore else dx + dy) <= reach


@numba.njit(cache=True, inline="always")
def _span(dx: float, y: float, y0: int, r: int, reach: float, moore: bool) -> tuple[int, int]:
    """The columns j in y0-r..y0+r whose cell centre, in a row `dx` from the point (., y), is
    within `reach` of it: an interval, lo > hi if none. The distance |j + 0.5 - y| grows (in
    floats too) away from y0 = int(y): the interval is guessed, then fixed by `_within` at
    its ends, so that it holds exactly the cells that testing each would find."""
    if not _within(dx, abs(y0 + 0.5 - y), reach, moore):
        return 1, 0
    half = reach if moore else reach - dx
    lo = min(max(math.ceil(y - 0.5 - half), y0 - r), y0)
    hi = max(min(math.floor(y - 0.5 + half), y0 + r), y0)
    while lo > y0 - r and _within(dx, abs(lo - 0.5 - y), reach, moore):
        lo -= 1
    while not _within(dx, abs(lo + 0.5 - y), reach, moore):
        lo += 1
    while hi < y0 + r and _within(dx, abs(hi + 1.5 - y), reach, moore):
        hi += 1
    while not _within(dx, abs(hi + 0.5 - y), reach, moore):
        hi -= 1
    return lo, hi


@numba.njit(cache=True, inline="always")
def _unit_tally(
    tally: np.ndarray, x: float, y: float, reach: float, moore: bool, side: int, delta: float
) -> None:
    """Add `delta` to every cell whose centre is within `reach` of the point (x, y): the cells
    from which a unit standing there is seen (and that it sees)."""
    r = min(int(reach) + 1, (side - 1) // 2)  # no cell twice on a small torus
    x0, y0 = int(x), int(y)
    for i in range(x0 - r, x0 + r + 1):
        dx = abs(i + 0.5 - x)
        lo, hi = _span(dx, y, y0, r, reach, moore)
        row, col = (i % side) * side, lo % side
        for _ in range(lo, hi + 1):
            tally[row + col] += delta
            col = col + 1 if col + 1 < side else 0  # wrapped without a division


@numba.njit(cache=True)
def units_tally(x: np.ndarray, y: np.ndarray, reach: float, moore: bool, side: int) -> np.ndarray:
    """Per cell, the units standing at the points (x, y) in its sight: `_unit_tally` of each,
    in order (one call for all: a call from Python per unit cost more than its tally)."""
    tally = np.zeros(side * side)
    for u in range(x.shape[0]):
        _unit_tally(tally, x[u], y[u], reach, moore, side, 1.0)
    return tally


@numba.njit(cache=True, inline="always")
def _spans(
    x: float, y: float, reach: float, moore: bool, side: int, r: int, out: np.ndarray
) -> None:
    """The `_span` of each row x0-r..x0+r (x0 = int(x)) around the point (x, y), into `out`
    (2r + 1 rows of lo, hi): the cells `_unit_tally` and `_arrest` visit, found once for the
    point (`block_day` keeps them by unit while it stands there)."""
    x0, y0 = int(x), int(y)
    for k in range(2 * r + 1):
        lo, hi = _span(abs(x0 - r + k + 0.5 - x), y, y0, r, reach, moore)
        out[k, 0], out[k, 1] = lo, hi


@numba.njit(cache=True, inline="always")
def _spans_tally(
    tally: np.ndarray, x: float, r: int, spans: np.ndarray, side: int, delta: float
) -> None:
    """`_unit_tally` along the spans `_spans` found for the point (x, .): each row's cells in
    at most two runs of whole columns, the span up to the torus's edge and the rest from column
    0 (a span is at most 2r + 1 <= side cells: it wraps once at most). The same additions to
    the same cells as one cell at a time with the column wrapped, without that test per cell."""
    x0 = int(x)
    for k in range(2 * r + 1):
        lo, hi = spans[k, 0], spans[k, 1]
        if hi < lo:
            continue
        row, col = _mod(x0 - r + k, side) * side, _mod(lo, side)
        count = hi - lo + 1
        first = min(count, side - col)
        for c in range(row + col, row + col + first):
            tally[as_index(c)] += delta
        for c in range(row, row + count - first):
            tally[as_index(c)] += delta


@numba.njit(cache=True)
def sync_deterrence(
    ux: np.ndarray,
    uy: np.ndarray,
    reach: float,
    moore: bool,
    side: int,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
) -> None:
    """Bring the tally of deterring units up to date with `deters` (written by the model)."""
    for u in range(deters.shape[0]):
        if deters[u] != counted[u]:
            _unit_tally(cops_seen, ux[u], uy[u], reach, moore, side, 1.0 if deters[u] else -1.0)
            counted[u] = deters[u]


# -- the day ----------------------------------------------------------------------------------
@numba.njit(cache=True, inline="always")
def _decide(
    b: int,
    nbr: np.ndarray,
    wv: np.ndarray,
    pos: np.ndarray,
    people: np.ndarray,
    traits: np.ndarray,
    active: np.ndarray,
    jailed: np.ndarray,
    experience: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    f: np.ndarray,
    cuts: np.ndarray,
    active_at: np.ndarray,
) -> int:
    """Block b's people decide: the active share of each kind, less its jailed people (`cuts`:
    `_rule_share`'s scratch; `active_at`: `block_day`'s active people by cell). Returns the
    change (-1, 0, 1) of the count of cells whose active people are above 0 (its own, which
    held `own`: `active_at` holds the same sum of the same row)."""
    cell, k = pos[b], f[VISION_CELLS]
    own = active[b, 0] + active[b, 1] + active[b, 2]
    seen = actives_seen[cell]
    actives = (seen + own) * f[PER_BLOCK] + f[SELF]
    ratio = cops_seen[cell] / actives
    x = -f[ARREST_CONSTANT] * (ratio if f[EXACT_RATIO] != 0.0 else np.rint(ratio))
    # Below -38, exp(x) < 2^-54 and 1 - exp(x) rounds to 1.0: the same bits without exp (most
    # quiet blocks, units in sight of nobody active, were there, in libm's slow underflow path)
    p = 1.0 - math.exp(x) if x > _P_ONE else 1.0
    t = f[THRESHOLD] - f[CONTAGION_SIGNAL]
    t -= f[MEMORY_EFFECT] * experience[b] + f[SOCIAL_SIGNAL] * seen / k
    lo, hi, rlo, rhi = traits[b, 0], traits[b, 1], traits[b, 2], traits[b, 3]
    eh, er = traits[b, 4], traits[b, 5]
    nl, extra = 1.0 - f[LEGITIMACY], f[HARDSHIP_EXTRA]
    upset = _rule_share(lo, hi, rlo, rhi, eh, er, p, t, nl, extra, cuts)
    shares = (upset, upset, crime_share(rlo, rhi, er, p, t, f[CRIME_DRIVE]))
    new = 0.0
    for kind in range(3):
        a = max(people[b, kind] * shares[kind] - jailed[b, kind], 0.0)
        active[b, kind] = a
        new += a
    now = active[b, 0] + active[b, 1] + active[b, 2]
    active_at[as_index(cell)] = now
    if new != own:
        _tally(actives_seen, nbr, wv, cell, new - own)
    return (1 if now > 0.0 else 0) - (1 if own > 0.0 else 0)


@numba.njit(cache=True, inline="always")
def _arrest(
    x: float,
    y: float,
    take: float,
    f: np.ndarray,
    side: int,
    nbr: np.ndarray,
    wv: np.ndarray,
    occupant: np.ndarray,
    active: np.ndarray,
    jailed: np.ndarray,
    ring: np.ndarray,
    acted: np.ndarray,
    actives_seen: np.ndarray,
    max_jail: int,
    clock: int,
    stats: np.ndarray,
    sight: np.ndarray,
    active_at: np.ndarray,
    spans: np.ndarray,
) -> int:
    """A unit at (x, y) detains `take` (blocks' worth of) active people from the blocks in its
    sight, in proportion to their active people, for terms uniform on {0..max_jail} days
    (`sight`: scratch for the cells of the blocks in sight with active people, found once;
    `active_at`: `block_day`'s active people by cell; `spans`: `_spans` of (x, y)). Returns the
    cells in sight whose active people it took to 0 (none is below 0: they were above it)."""
    r = min(int(f[REACH]) + 1, (side - 1) // 2)
    x0 = int(x)
    seen, k = 0.0, 0
    for i in range(x0 - r, x0 + r + 1):
        lo, hi = spans[i - x0 + r, 0], spans[i - x0 + r, 1]
        row, col = _mod(i, side) * side, _mod(lo, side)
        for _ in range(lo, hi + 1):
            held = active_at[as_index(row + col)]  # 0.0 in a cell without a block: seen stays
            seen += held
            if held > 0.0:  # a block with none active (all kinds 0: none < 0) loses none
                sight[k] = row + col
                k += 1
            col = col + 1 if col + 1 < side else 0  # wrapped without a division
    if seen <= 0.0:
        return 0
    emptied = 0
    frac = min(take / seen, 1.0)
    width = ring.shape[1] // 3
    terms = min(max_jail, width - 2)  # terms from the last on outlast the run: kept together
    for c in range(k):
        if c + 2 < k:  # the rows of the block two ahead (`_prefetch`)
            ahead = sight[c + 2]
            _prefetch_row(ring, occupant[ahead])
            _prefetch(active, as_index(occupant[ahead]), as_index(0))
            _prefetch(jailed, as_index(occupant[ahead]), as_index(0))
            _prefetch_row(nbr, ahead)
        cell = sight[c]
        o = occupant[cell]
        gone = 0.0
        start = (clock + (1 if acted[o] else 0)) % width  # the day of its next decision
        for kind in range(3):
            a = active[o, kind] * frac
            if a <= 0.0:
                continue
            active[o, kind] -= a
            jailed[o, kind] += a
            gone += a
            stats[STAT_ARRESTS + kind] += a
            # a / (max_jail + 1) released on each of the days start..start+terms-1, the rest
            # on the last: the ring in two runs, without a modulo per day (a costly division)
            even, base = a / (max_jail + 1.0), kind * width
            wrap = min(start + terms, width)
            for d in range(base + start, base + wrap):
                ring[as_index(o), as_index(d)] += even
            for d in range(base, base + start + terms - wrap):
                ring[as_index(o), as_index(d)] += even
            last = (start + terms) % width
            ring[o, base + last] += a * (max_jail + 1.0 - terms) / (max_jail + 1.0)
        if gone > 0.0:
            _tally(actives_seen, nbr, wv, cell, -gone)
        now = active[o, 0] + active[o, 1] + active[o, 2]
        active_at[as_index(cell)] = now
        if not now > 0.0:
            emptied += 1
    return emptied


@numba.njit(cache=True, inline="always")
def _disc_point(s: np.ndarray, reach: float, moore: bool) -> tuple[bool, float, float]:
    """A uniform point of a unit's disc of sight, as an offset from where it stands (a diamond:
    by rejection from its square, at most `MOVE_TRIES` draws of two): whether one was drawn."""
    dx, dy = 0.0, 0.0
    for _ in range(MOVE_TRIES):
        dx, dy = (2.0 * uniform(s) - 1.0) * reach, (2.0 * uniform(s) - 1.0) * reach
        if _within(abs(dx), abs(dy), reach, moore):
            return True, dx, dy
    return False, dx, dy


@numba.njit(cache=True, inline="always")
def _site_gap(x: float, y: float, sites: np.ndarray, side: int) -> float:
    """Chebyshev torus distance from the point (x, y) to the centre of the nearest site's cell:
    the agents' `kernel._site_distance` between cells, for a unit standing at a point."""
    h = side / 2
    best = np.inf
    for c in sites:
        dx = abs(_wrap(x - c // side - 0.5 + h, side) - h)
        dy = abs(_wrap(y - c % side - 0.5 + h, side) - h)
        best = min(best, max(dx, dy))
    return best


@numba.njit(cache=True, inline="always")
def _toward_site(
    x: float, y: float, sites: np.ndarray, side: int, reach: float, moore: bool, s: np.ndarray
) -> tuple[bool, float, float]:
    """A guarding unit's move (crowd.guarding): the agents' `kernel._toward_site` at points. Of
    `GUARD_PROPOSALS` uniform points of its disc of sight (the agents' 8 random cells in
    vision), the one nearest a site (the first drawn on a tie), as an offset; whether any was
    drawn. Units stand at points, which several may share: no proposal is refused as taken."""
    found, best, bx, by = False, np.inf, 0.0, 0.0
    for _ in range(GUARD_PROPOSALS):
        inside, dx, dy = _disc_point(s, reach, moore)
        if inside:
            d = _site_gap(x + dx, y + dy, sites, side)
            if d < best:
                found, best, bx, by = True, d, dx, dy
    return found, bx, by


@numba.njit(cache=True, _nrt=False)
def _block_day(
    nbr: np.ndarray,
    wv: np.ndarray,
    occupant: np.ndarray,
    pos: np.ndarray,
    people_of: np.ndarray,
    traits_of: np.ndarray,
    active_of: np.ndarray,
    jailed_of: np.ndarray,
    ring: np.ndarray,
    experience_of: np.ndarray,
    ux: np.ndarray,
    uy: np.ndarray,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    sites: np.ndarray,
    side: int,
    f: np.ndarray,
    ip: np.ndarray,
    s: np.ndarray,
    unit_spans: np.ndarray,
    spans_at: np.ndarray,
    stats: np.ndarray,
    acted: np.ndarray,
    cuts: np.ndarray,
    active_at: np.ndarray,
    sight: np.ndarray,
    order: np.ndarray,
    rows: np.ndarray,
) -> None:
    """One day of one region of blocks, in place; the day's statistics (layout `kernel.STAT_*`,
    in blocks). Blocks 0..n-1 and units n..n+m-1 are activated once in a random order: a block
    releases the people whose term ends today and decides; a deterring unit detains, then moves
    to a uniformly random point of its disc of sight (units stand anywhere, not on cells), or
    with chance `GUARDING` heads for one of the region's `sites` (cells; `_toward_site`).
    `unit_spans` keeps by unit the `_spans` of the point `spans_at` (NaN: none yet), which it
    reads while the unit stands there: a unit's detentions, its move's leaving and, the next
    day, both again scan the same cells, found once.

    Compiled without numba's reference counting (`block_day` allocates its scratch and calls
    it): the inlined helpers that take arrays counted each of them up and down, atomically,
    around every decision and every detention (~40% of the day's time in session 25's
    profile); nothing here allocates or keeps an array, so there is nothing to count. `stats`
    (zeros), `acted` (False), `active_at` (zeros, by cell), `sight` ((2r + 1)^2 cells),
    `order` (0..n+m-1) and `rows` (`ROW` floats a block, its rows aligned to cache lines) are
    the day's scratch.

    A block's decision reads its people, traits, active and jailed shares and experience: five
    arrays, each row in a cache line or two of its own, fetched in the day's random order. The
    day copies them into `rows` first (`ROW` floats a block, two cache lines), works there, and
    copies the active and jailed shares and the experience back at its end: the same floats,
    read and written in the same order, from half the cache lines."""
    n, m = people_of.shape[0], deters.shape[0]
    active, jailed = rows[:, ACTIVE_AT : ACTIVE_AT + 3], rows[:, JAILED_AT : JAILED_AT + 3]
    people, traits = rows[:, PEOPLE_AT : PEOPLE_AT + 3], rows[:, TRAITS_AT : TRAITS_AT + 6]
    experience = rows[:, EXPERIENCE_AT]
    # A block's active people by its cell, the sum a unit's sight adds up, kept as they change:
    # a unit's scan then reads one array along rows of cells, not each block's row of shares.
    # `live` counts the cells whose active people are above 0: while it is 0, a unit's scan
    # would add up zeros (seen 0.0, nobody to detain) and is skipped, the same to the bit.
    live = 0
    for b in range(n):  # in the same pass, each block's row of `rows`
        for kind in range(3):
            rows[b, ACTIVE_AT + kind] = active_of[b, kind]
            rows[b, JAILED_AT + kind] = jailed_of[b, kind]
            rows[b, PEOPLE_AT + kind] = people_of[b, kind]
        rows[b, EXPERIENCE_AT] = experience_of[b]
        for i in range(6):
            rows[b, TRAITS_AT + i] = traits_of[b, i]
        held = active[b, 0] + active[b, 1] + active[b, 2]
        active_at[pos[b]] = held
        if held > 0.0:
            live += 1
    f[VISION_CELLS] = wv.sum()
    reach, moore = f[REACH], f[MOORE] != 0.0
    guard, steer = f[GUARDING], sites.shape[0] > 0  # opt-in: crowd.guarding
    sync_deterrence(ux, uy, reach, moore, side, deters, counted, cops_seen)
    width = ring.shape[1] // 3
    clock, max_jail = ip[CLOCK], ip[MAX_JAIL_TERM]
    today = clock % width
    take = ip[ARRESTS_PER_UNIT] / f[PER_BLOCK]
    r = min(int(reach) + 1, (side - 1) // 2)
    total = n + m
    shuffle(order, s)
    for turn in range(total):
        a = order[turn]
        # The rows of the block PREFETCH_BLOCKS turns ahead, and its cell's row of the table a
        # turn later (`_prefetch`; clamped to the last turn, a unit's cell if it is one).
        ahead = order[min(turn + PREFETCH_BLOCKS, total - 1)]
        if ahead < n:
            for kind in range(3):
                _prefetch(ring, as_index(ahead), as_index(kind * width + today))
            _prefetch_row(rows, ahead)  # the block's two lines of `rows`
        soon = order[min(turn + PREFETCH_BLOCKS - 1, total - 1)]
        if soon < n:  # a block's decision may tally its vision (a unit's move does not)
            _prefetch_row(nbr, pos[soon])
        if a < n:
            for kind in range(3):
                jailed[a, kind] = max(jailed[a, kind] - ring[a, kind * width + today], 0.0)
                ring[a, kind * width + today] = 0.0
            acted[a] = True
            live += _decide(a, nbr, wv, pos, people, traits, active, jailed, experience,
                            cops_seen, actives_seen, f, cuts, active_at)  # fmt: skip
            continue
        u = a - n
        if (deters[u] or (ip[MOVEMENT] != 0 and counted[u])) and not (
            spans_at[u, 0] == ux[u] and spans_at[u, 1] == uy[u]
        ):
            _spans(ux[u], uy[u], reach, moore, side, r, unit_spans[u])
            spans_at[u, 0], spans_at[u, 1] = ux[u], uy[u]
        if deters[u] and live > 0:
            live -= _arrest(ux[u], uy[u], take, f, side, nbr, wv, occupant, active, jailed,
                            ring, acted, actives_seen, max_jail, clock, stats, sight, active_at,
                            unit_spans[u])  # fmt: skip
        if ip[MOVEMENT] == 0:
            continue
        # As an agents unit's move (`kernel.crowd_day_rows`): a deterring unit heads for a site
        # with chance `guard` (a draw only when 0 < guard < 1, none without sites), else it
        # moves to a uniform point of its disc of sight
        chance = guard if deters[u] else 0.0
        heads = steer and chance >= 1.0
        if steer and 0.0 < chance < 1.0:
            heads = uniform(s) < chance
        if heads:
            inside, dx, dy = _toward_site(ux[u], uy[u], sites, side, reach, moore, s)
        else:
            inside, dx, dy = _disc_point(s, reach, moore)
        if not inside:
            continue
        x, y = _wrap(ux[u] + dx, side), _wrap(uy[u] + dy, side)
        x, y = (0.0 if x >= side else x), (0.0 if y >= side else y)  # rounding up to side
        if counted[u]:
            _spans_tally(cops_seen, ux[u], r, unit_spans[u], side, -1.0)
            _spans(x, y, reach, moore, side, r, unit_spans[u])
            spans_at[u, 0], spans_at[u, 1] = x, y
            _spans_tally(cops_seen, x, r, unit_spans[u], side, 1.0)
        ux[u], uy[u] = x, y
        pos[a] = int(x) * side + int(y)

    gain, decay = f[MEMORY_GAIN], f[MEMORY_DECAY]
    for b in range(n):  # in the same pass, the day's shares and experience back (`rows`)
        share = active[b, 0] + active[b, 1] + active[b, 2]
        experience_of[b] = experience[b] * (1.0 - decay) + gain * share * (1.0 - experience[b])
        engaged = cops_seen[pos[b]] > 0.5  # a unit in sight
        held = jailed[b, 0] + jailed[b, 1] + jailed[b, 2]
        for kind in range(3):
            stats[STAT_ACTIVE + kind] += active[b, kind]
            if engaged:
                stats[STAT_ENGAGED + kind] += active[b, kind]
            active_of[b, kind] = active[b, kind]
            jailed_of[b, kind] = jailed[b, kind]
        stats[STAT_JAILED] += held
        stats[STAT_QUIET] += max(1.0 - share - held, 0.0)


@numba.njit(cache=True)
def block_day(
    nbr: np.ndarray,
    wv: np.ndarray,
    occupant: np.ndarray,
    pos: np.ndarray,
    people: np.ndarray,
    traits: np.ndarray,
    active: np.ndarray,
    jailed: np.ndarray,
    ring: np.ndarray,
    experience: np.ndarray,
    ux: np.ndarray,
    uy: np.ndarray,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    sites: np.ndarray,
    side: int,
    f: np.ndarray,
    ip: np.ndarray,
    s: np.ndarray,
    unit_spans: np.ndarray,
    spans_at: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """One day of one region of blocks, in place; the day's statistics (layout `kernel.STAT_*`,
    in blocks): `_block_day`, with its scratch (`rows`: the crowd's, `block_rows`)."""
    n, m = people.shape[0], deters.shape[0]
    r = min(int(f[REACH]) + 1, (side - 1) // 2)
    stats = np.zeros(N_STATS)
    _block_day(
        nbr, wv, occupant, pos, people, traits, active, jailed, ring, experience, ux, uy,
        deters, counted, cops_seen, actives_seen, sites, side, f, ip, s, unit_spans, spans_at,
        stats, np.zeros(n, dtype=np.bool_), np.empty(8), np.zeros(side * side),
        np.empty((2 * r + 1) ** 2, dtype=np.int64), np.arange(n + m), rows,
    )  # fmt: skip
    return stats


@cache
def site_window(cell: int, radius: int, side: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The cells of a square of (2 radius + 1) reference cells centred on `cell`, with the share
    of each cell inside it; a reference cell is `scale` cells wide (a cell at unit_people people
    per agent), so the square holds the same residents at any resolution."""
    half = (radius + 0.5) * scale
    reach = min(math.ceil(half - 0.5), (side - 1) // 2)  # no cell twice on a small torus
    d = np.arange(-reach, reach + 1)
    inside = np.clip(np.minimum(d + 0.5, half) - np.maximum(d - 0.5, -half), 0.0, 1.0)
    x, y = divmod(cell, side)
    cells = ((x + d[:, None]) % side) * side + (y + d[None, :]) % side
    weights = inside[:, None] * inside[None, :]
    for a in (cells, weights):
        a.flags.writeable = False
    return cells.ravel(), weights.ravel()


@cache
def block_table(radius: int, shape: str, side: int) -> np.ndarray:
    """`crowd.neighbor_table` in 16-bit integers when every cell's index fits: half the bytes,
    so that more of it stays in cache (a tally reads a row of it, 112-144 cells in the blocks
    baseline; a grid of 53 x 53 cells has a table of 1.2 MB in 32 bits)."""
    table = neighbor_table(radius, shape, side)
    if side * side - 1 <= np.iinfo(np.int16).max:
        table = table.astype(np.int16)
        table.flags.writeable = False
    return table


@cache
def vision_weights(cells: float, shape: str, side: int) -> tuple[int, np.ndarray]:
    """The smallest radius whose vision holds at least `cells` cells, and by offset
    (`crowd.neighborhood_offsets`) the share of that cell in vision: 1, the outer ring's share
    such that the vision holds exactly `cells` cells (a vision in residents is then the same at
    any resolution, where a radius in whole cells can miss it by a tenth). Kept by its
    arguments: every region of that size, in every replication, reads the same (read-only)
    weights."""
    radius = 1
    while len(neighborhood_offsets(radius, shape, side)) < cells and 2 * radius + 1 < side:
        radius += 1
    off = neighborhood_offsets(radius, shape, side)
    signed = np.abs(np.where(off > side // 2, off - side, off))
    dist = signed.sum(axis=1) if shape == "von_neumann" else signed.max(axis=1)
    inner = int((dist < radius).sum())
    outer = np.clip((cells - inner) / max(len(off) - inner, 1), 0.0, 1.0)
    weights = np.where(dist < radius, 1.0, outer)
    weights.flags.writeable = False
    return radius, weights


# -- the region -------------------------------------------------------------------------------
class BlockCrowd:
    """Blocks and units of one region: blocks are agents 0..n-1, units n..n+m-1 (the attributes
    the model reads are the agents crowd's: `n`, `m`, `pos` (a unit's: the cell it stands in),
    `neighbors`, `actives_seen` in blocks' worth, `unit_faction`, `unit_deters`, `site_cells`,
    `hardship_extra`; and `site_forces`, `peaceful_near`, `add_units`, `remove_units`)."""

    def __init__(
        self,
        rng: np.random.Generator,
        side: int,
        unit_faction: np.ndarray,
        people: np.ndarray,
        traits: np.ndarray,
        vision_cells: float,
        shape: str,
        people_per_agent: float,
        unit_people: float,
        jail_days: int,
        weight: float = 1.0,
    ) -> None:
        self.rng, self.side, self.shape = rng, side, shape
        self.vision, self.vision_weights = vision_weights(vision_cells, shape, side)
        self.neighbors = neighbor_table(self.vision, shape, side)
        self.table = block_table(self.vision, shape, side)  # the kernel's copy (`block_table`)
        # A unit sees, and is seen from, the cells whose centres lie in a disc (a diamond, or a
        # square with Moore vision) of the vision's area around the point where it stands.
        area = vision_cells + 1.0  # the cells in vision and the own
        self.reach = math.sqrt(area / 2.0) if shape == "von_neumann" else math.sqrt(area) / 2.0
        self.n, self.m = len(people), len(unit_faction)
        if self.n > side * side:
            raise ValueError(f"{self.n} blocks do not fit on a {side}x{side} grid")
        self.people_per_agent, self.unit_people = float(people_per_agent), float(unit_people)
        # A block's people in the model's agents (`scale.people_per_agent`): blocks hold the
        # region's residents exactly, where the grid's rounded side makes n agents of
        # people_per_agent miss them by up to ~5% (and by a different share at each resolution).
        self.weight = float(weight)
        self.citizens = self.n * self.weight  # the region's residents, in agents
        # Blocks hold a cell each; units stand at points anywhere (`ux`, `uy`, in cells; `pos`
        # has their cell), so the count of units in a block's sight is binomial with the share
        # of the city in sight at any resolution. `occupant` holds the blocks.
        blocks = rng.permutation(side * side)[: self.n]
        self.ux, self.uy = rng.uniform(0.0, side, self.m), rng.uniform(0.0, side, self.m)
        self.pos = np.concatenate([blocks, self._cells(self.ux, self.uy)])
        self.occupant = np.full(side * side, -1, dtype=np.int64)
        self.occupant[blocks] = np.arange(self.n)
        self.stream = seed_stream(int(rng.integers(2**63)))
        self.people = np.ascontiguousarray(people, dtype=np.float64)  # share of each kind
        self.traits = np.ascontiguousarray(traits, dtype=np.float64)  # lo, hi, rlo, rhi, eh, er
        self.active = np.zeros((self.n, 3))
        self.jailed = np.zeros((self.n, 3))
        self.ring = np.zeros((self.n, 3 * (jail_days + 2)))  # jailed by kind and release day
        # Read-only zeros until the crowd is packed (`BlockPopulation._pack` then need not read
        # them: its flat ring starts as zeros) or stepped alone (`step` makes it writable).
        self.ring.flags.writeable = False
        self.experience = np.zeros(self.n)
        self.clock = 0
        self.hardship_extra = 0.0
        self.unit_faction = np.asarray(unit_faction, dtype=np.int64)
        self.unit_deters = np.ones(self.m, dtype=bool)
        self.site_cells = np.zeros(0, dtype=np.int64)
        self._windows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, float]] = {}
        # By unit, the cells it scans where it stands (`block_day`): none found yet.
        self._span_rows = 2 * min(int(self.reach) + 1, (side - 1) // 2) + 1
        self.unit_spans = np.zeros((self.m, self._span_rows, 2), dtype=np.int64)
        self.spans_at = np.full((self.m, 2), np.nan)
        self.rows = block_rows(self.n)  # `block_day`'s scratch, kept: no fresh pages a day
        self.recount(quiet=True)  # `active` is zeros

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        side: int,
        n: int,
        unit_faction: np.ndarray,
        kinds: tuple[float, float, float],
        hardship: tuple[float, float],
        risk: tuple[float, float],
        vision_cells: float,
        shape: str,
        people_per_agent: float,
        unit_people: float,
        jail_days: int,
        weight: float = 1.0,
    ) -> BlockCrowd:
        """`n` blocks of `people_per_agent` people (a block's, `weight` of the model's agents)
        drawn from the population: kinds in shares `kinds`, hardship uniform on `hardship`
        (shifted, clipped when read), risk aversion on `risk`; each block's kind mix
        multinomial and its traits tilted (module doc)."""
        size = max(round(people_per_agent), 1)
        people = rng.multinomial(size, kinds, size=n) / size
        tilt = np.clip(rng.normal(0.0, 2.0 / math.sqrt(people_per_agent), (n, 2)), -1.0, 1.0)
        traits = np.empty((n, 6))
        traits[:, 0], traits[:, 1] = hardship
        traits[:, 2], traits[:, 3] = risk
        traits[:, 4:] = tilt
        return cls(
            rng, side, unit_faction, people, traits, vision_cells, shape, people_per_agent,
            unit_people, jail_days, weight,
        )  # fmt: skip

    def _cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x.astype(np.int64) * self.side + y.astype(np.int64)).astype(np.int64)

    def _units_seen(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per cell, the units standing at (x, y) in its sight."""
        return units_tally(x, y, self.reach, self.shape != "von_neumann", self.side)

    def recount(self, quiet: bool = False) -> None:
        """Both tallies from scratch (after `active` or units were set by hand); `quiet`: no
        block is active (a new crowd), so that the actives' tally is zeros without counting it
        (`fresh_tally` of zero shares adds +0.0 everywhere: the same zeros)."""
        self._counted = self.unit_deters.copy()
        on = self._counted
        self.cops_seen = self._units_seen(self.ux[on], self.uy[on])
        if quiet:
            self.actives_seen = np.zeros(self.side**2)
            return
        self.actives_seen = fresh_tally(
            self.neighbors, self.vision_weights, self.pos[: self.n], self.active.sum(axis=1),
            self.side**2,
        )  # fmt: skip

    def floats(self, rules: CrowdRules, contagion: float) -> np.ndarray:
        """`block_day`'s float parameters (layout above)."""
        return np.array(
            [
                rules.legitimacy, rules.threshold, rules.arrest_constant, rules.social_signal,
                contagion, rules.memory_effect, rules.memory_gain, rules.memory_decay,
                rules.crime_drive, self.hardship_extra, 0.0, rules.guarding,  # gathering: agents
                self.people_per_agent / self.unit_people, 1.0 / self.unit_people, 0.0,
                self.reach, float(self.shape != "von_neumann"), float(rules.exact_ratio),
            ]
        )  # fmt: skip

    def step(self, rules: CrowdRules, contagion: float | None = None) -> np.ndarray:
        """One day; the day's statistics (layout `kernel.STAT_*`), in the model's agents: in
        blocks times `weight`."""
        c = rules.contagion_signal if contagion is None else contagion
        if not self.ring.flags.writeable:  # a new crowd's zeros, stepped alone: writable zeros
            self.ring = np.zeros(self.ring.shape)
        ints = np.array(
            [rules.max_jail_term, int(rules.movement), rules.arrests_per_unit, self.clock],
            dtype=np.int64,
        )
        stats = block_day(
            self.table, self.vision_weights, self.occupant, self.pos,
            self.people, self.traits, self.active, self.jailed, self.ring, self.experience,
            self.ux, self.uy, self.unit_deters, self._counted, self.cops_seen, self.actives_seen,
            self.site_cells, self.side,
            self.floats(rules, c), ints, self.stream, self.unit_spans, self.spans_at, self.rows,
        )  # fmt: skip
        self.clock += 1
        return stats * self.weight if self.weight != 1.0 else stats

    # -- units joining and leaving (the patron's) ------------------------------------------------
    def add_units(self, k: int, faction: int) -> None:
        """Place `k` new (deterring) units of `faction` at random points."""
        x, y = self.rng.uniform(0.0, self.side, k), self.rng.uniform(0.0, self.side, k)
        self.ux, self.uy = np.concatenate([self.ux, x]), np.concatenate([self.uy, y])
        self.pos = np.concatenate([self.pos, self._cells(x, y)])
        self.unit_faction = np.concatenate([self.unit_faction, np.full(k, faction)])
        self.unit_deters = np.concatenate([self.unit_deters, np.ones(k, dtype=bool)])
        self._counted = np.concatenate([self._counted, np.ones(k, dtype=bool)])
        self.cops_seen = self.cops_seen + self._units_seen(x, y)
        self.unit_spans = np.concatenate(
            [self.unit_spans, np.zeros((k, self._span_rows, 2), dtype=np.int64)]
        )
        self.spans_at = np.concatenate([self.spans_at, np.full((k, 2), np.nan)])
        self.m += k

    def remove_units(self, faction: int) -> None:
        """Remove every unit of `faction` (appended last, so the rest keep their indices)."""
        keep = self.unit_faction != faction
        k = int((~keep).sum())
        if k == 0:
            return
        on = ~keep & self._counted
        self.cops_seen = self.cops_seen - self._units_seen(self.ux[on], self.uy[on])
        self.ux, self.uy = self.ux[keep], self.uy[keep]
        self.pos = self.pos[: self.n + self.m - k]
        self.unit_faction = self.unit_faction[keep]
        self.unit_deters = self.unit_deters[keep]
        self._counted = self._counted[keep]
        self.unit_spans, self.spans_at = self.unit_spans[keep], self.spans_at[keep]
        self.m -= k

    # -- queries used by the model ----------------------------------------------------------------
    def _window(self, cell: int, radius: int) -> tuple[np.ndarray, np.ndarray, float]:
        """The site window of `cell` (`site_window`): its blocks, the share of each inside, and
        its half-width in cells; kept by cell and radius (blocks do not move)."""
        key = (cell, radius)
        if key not in self._windows:
            scale = math.sqrt(self.unit_people / self.people_per_agent)
            cells, weights = site_window(cell, radius, self.side, scale)
            blocks = self.occupant[cells]
            self._windows[key] = (blocks[blocks >= 0], weights[blocks >= 0], (radius + 0.5) * scale)
        return self._windows[key]

    def site_forces(
        self, cell: int, radius: int, turned_faction: np.ndarray
    ) -> tuple[float, float, float]:
        """In the site window of `cell` (`radius` in reference cells), in deterrence-equivalents:
        armed active people (their expected number: the contest draws whole people from it,
        `site_people`), units that do not deter and whose faction has turned (by faction
        index, the patron's last), and deterring units (units stand at points: their count in
        the window is binomial with its share of the city at any resolution)."""
        armed, turned, deters = self._window_forces(cell, radius, turned_faction)
        return armed * (self.people_per_agent / self.unit_people), turned, deters

    def site_people(
        self, cell: int, radius: int, turned_faction: np.ndarray
    ) -> tuple[float, float, float]:
        """`site_forces` as the site contest reads them: the armed people are whole people
        (`whole_people`), in deterrence-equivalents. A block's active share is an expected
        value, rarely exactly 0, and a contest is fought by people: at any resolution the window
        holds none of them with the same chance (the expected value itself, a fraction of a
        person, took sites no unit was near: docs/ODD.md §7.13, "Sites")."""
        armed, turned, deters = self._window_forces(cell, radius, turned_faction)
        return self.whole_people(armed * self.people_per_agent) / self.unit_people, turned, deters

    def _window_forces(
        self, cell: int, radius: int, turned_faction: np.ndarray
    ) -> tuple[float, float, float]:
        """In the site window of `cell`: armed active people in blocks' worth, turned units and
        deterring units (`site_forces`)."""
        blocks, w, half = self._window(cell, radius)
        armed, turned, deters = window_inputs(
            self.active, blocks, self.ux, self.uy, cell, half, self.side, self.unit_deters,
            self.unit_faction, turned_faction,
        )  # fmt: skip
        return float(w @ armed), turned, deters  # numpy's dot: its order of sums, as ever

    def peaceful_near(self, cell: int, radius: int) -> float:
        """Peaceful active people in the site window of `cell`, in deterrence-equivalents (their
        expected number; `peaceful_people` draws whole people)."""
        blocks, w, _ = self._window(cell, radius)
        peaceful = self.active[blocks, PEACEFUL]
        return float(w @ peaceful) * self.people_per_agent / self.unit_people

    def peaceful_people(self, cell: int, radius: int) -> float:
        """Peaceful active people in the site window of `cell` as the site contest reads them:
        whole people, in deterrence-equivalents, as the armed of `site_people`."""
        blocks, w, _ = self._window(cell, radius)
        peaceful = self.active[blocks, PEACEFUL]
        return self.whole_people(float(w @ peaceful) * self.people_per_agent) / self.unit_people

    def whole_people(self, expected: float) -> float:
        """A count of people with mean `expected`, Poisson: the blocks' active shares are the
        chances that each of many residents is active, and a sum of many rare independent
        chances is Poisson (docs/ODD.md §7.13, "Sites"). None expected, none drawn (no draw)."""
        return float(self.rng.poisson(expected)) if expected > 0.0 else 0.0


@numba.njit(cache=True)
def units_near(
    ux: np.ndarray,
    uy: np.ndarray,
    x: int,
    y: int,
    half: float,
    side: int,
    deters: np.ndarray,
    faction: np.ndarray,
    turned_faction: np.ndarray,
) -> tuple[float, float]:
    """Units that do not deter and whose faction has turned, and deterring units, standing
    within `half` (torus distance along each axis) of the centre of cell (x, y): counts, as
    floats."""
    turned, deterring = 0, 0
    h = side / 2
    for u in range(ux.shape[0]):
        dx = abs(_wrap(ux[u] - x - 0.5 + h, side) - h)
        dy = abs(_wrap(uy[u] - y - 0.5 + h, side) - h)
        if dx <= half and dy <= half:
            if deters[u]:
                deterring += 1
            elif turned_faction[faction[u]]:
                turned += 1
    return float(turned), float(deterring)


@numba.njit(cache=True)
def window_inputs(
    active: np.ndarray,
    blocks: np.ndarray,
    ux: np.ndarray,
    uy: np.ndarray,
    cell: int,
    half: float,
    side: int,
    deters: np.ndarray,
    faction: np.ndarray,
    turned_faction: np.ndarray,
) -> tuple[np.ndarray, float, float]:
    """What `BlockCrowd._window_forces` reads in the window of `cell` (its `blocks`, half-width
    `half`), in one call: each block's armed active share (violent + crime, the sum numpy's
    `active[blocks, VIOLENT] + active[blocks, CRIME]` makes, in a new array) and `units_near`
    the centre of `cell`."""
    armed = np.empty(blocks.shape[0])
    for i in range(blocks.shape[0]):
        armed[i] = active[blocks[i], VIOLENT] + active[blocks[i], CRIME]
    turned, deterring = units_near(ux, uy, cell // side, cell % side, half, side, deters,
                                   faction, turned_faction)  # fmt: skip
    return armed, turned, deterring


# -- every region -----------------------------------------------------------------------------
BLOCK = ("people", "traits", "active", "jailed", "ring", "experience")
AGENT = ("pos",)
UNIT = ("unit_deters", "_counted", "unit_faction", "ux", "uy")
CELL = ("occupant", "cops_seen", "actives_seen")
REPLACED = ("pos", "cops_seen")  # replaced by `add_units`/`remove_units` and `recount`


def _starts(sizes: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)


class BlockPopulation:
    """Every region's blocks, with the arrays the model reads packed flat (`flat`, with
    `agent_at`, `cell_at` and `layout` as `population.Population` has them); each region is
    stepped by its own call of `block_day`, on views of the flat arrays."""

    def __init__(self, crowds: list[BlockCrowd]) -> None:
        self.crowds = crowds
        self.layout = 0
        self.flat: dict[str, np.ndarray] = {}
        self._packed: dict[str, list[np.ndarray]] = {}  # by array: each crowd's view of it
        self._pack()
        # A day's `block_day` parameters by region (a row each: `BlockCrowd.floats` and its
        # integers), kept from day to day: `_floats_today` writes the day's values over each
        # crowd's own ones (`_fixed`), so that a row is what `BlockCrowd.floats` builds.
        self._fixed = np.zeros((len(crowds), N_FLOAT + 6))
        for r, c in enumerate(crowds):
            self._fixed[r, PER_BLOCK:] = (
                c.people_per_agent / c.unit_people, 1.0 / c.unit_people, 0.0, c.reach,
                float(c.shape != "von_neumann"), 0.0,
            )  # fmt: skip
        self._floats = np.empty_like(self._fixed)
        self._ints = np.zeros((len(crowds), 4), dtype=np.int64)
        self._ints_of: tuple | None = None
        self._weights = np.array([[c.weight] for c in crowds])

    def _pack(self) -> None:
        """Pack each group of arrays whose crowds replaced one (all, the first time): a group
        whose every crowd still holds the views packed last time is packed already (the
        blocks' arrays, above all their jail rings, are never replaced: units joining or
        leaving repack the rest only)."""
        cs, flat = self.crowds, dict(self.flat)
        for names, size in (
            (BLOCK, lambda c: c.n),
            (AGENT, lambda c: c.n + c.m),
            (UNIT, lambda c: c.m),
            (CELL, lambda c: c.side * c.side),
        ):
            if all(
                name in self._packed
                and all(getattr(c, name) is v for c, v in zip(cs, self._packed[name], strict=True))
                for name in names
            ):
                continue
            at = _starts([size(c) for c in cs])
            for name in names:
                parts = [getattr(c, name) for c in cs]
                if name == "ring":  # a new crowd's ring is read-only zeros: not read, not copied
                    whole = np.zeros((at[-1], parts[0].shape[1]))
                    for r, part in enumerate(parts):
                        if part.flags.writeable:  # stepped alone before (`BlockCrowd.step`)
                            whole[at[r] : at[r + 1]] = part
                else:
                    whole = np.concatenate(parts)
                flat[name] = whole
                for r, c in enumerate(cs):
                    setattr(c, name, whole[at[r] : at[r + 1]])
                self._packed[name] = [getattr(c, name) for c in cs]
            flat[f"{names[0]}@"] = at
        self.flat = flat
        self.agent_at, self.cell_at = flat["pos@"], flat["occupant@"]
        self._views = [[getattr(c, a) for a in REPLACED] for c in cs]
        self.layout += 1

    def refresh(self) -> None:
        """Pack again if a crowd replaced its arrays."""
        # `REPLACED` written out: checked daily, two attribute reads a region are cheaper than
        # a generator over the names (as `population.Population.packed`)
        for c, (pos, cops_seen) in zip(self.crowds, self._views, strict=True):
            if c.pos is not pos or c.cops_seen is not cops_seen:
                self._pack()
                return

    def _floats_today(self, rules: CrowdRules, contagion: np.ndarray) -> np.ndarray:
        """Each region's `BlockCrowd.floats` for today, as rows (the same values, written by
        column for every region at once)."""
        f = self._floats
        f[:] = self._fixed
        f[:, LEGITIMACY : SOCIAL_SIGNAL + 1] = (
            rules.legitimacy, rules.threshold, rules.arrest_constant, rules.social_signal,
        )  # fmt: skip
        f[:, CONTAGION_SIGNAL] = contagion
        f[:, MEMORY_EFFECT : CRIME_DRIVE + 1] = (
            rules.memory_effect, rules.memory_gain, rules.memory_decay, rules.crime_drive,
        )  # fmt: skip
        f[:, HARDSHIP_EXTRA] = [c.hardship_extra for c in self.crowds]
        f[:, GUARDING] = rules.guarding
        f[:, EXACT_RATIO] = float(rules.exact_ratio)
        return f

    def step(self, rules: CrowdRules, contagion: np.ndarray) -> np.ndarray:
        """One day in every region (each its own `contagion`): regions x `kernel.N_STATS`;
        each region's row is its `BlockCrowd.step` (the same call of `block_day`, its
        parameters written for every region at once)."""
        self.refresh()
        f = self._floats_today(rules, contagion)
        ints = (rules.max_jail_term, int(rules.movement), rules.arrests_per_unit)
        ip = self._ints
        if ints != self._ints_of:  # the same all run long, as a rule
            self._ints_of = ints
            ip[:, :CLOCK] = ints
        out = np.empty((len(self.crowds), N_STATS))
        for r, c in enumerate(self.crowds):
            ip[r, CLOCK] = c.clock
            out[r] = block_day(
                c.table, c.vision_weights, c.occupant, c.pos, c.people, c.traits, c.active,
                c.jailed, c.ring, c.experience, c.ux, c.uy, c.unit_deters, c._counted,
                c.cops_seen, c.actives_seen, c.site_cells, c.side, f[r], ip[r], c.stream,
                c.unit_spans, c.spans_at, c.rows,
            )  # fmt: skip
            c.clock += 1
        out *= self._weights  # in the model's agents (x 1.0, where it is 1, changes nothing)
        return out


def warm_up() -> None:
    """Compile the block kernel (or load it from numba's cache) on a tiny region."""
    rng = np.random.default_rng(0)
    crowd = BlockCrowd.build(
        rng, 5, 10, np.zeros(2, dtype=np.int64), (0.8, 0.1, 0.1), (0.0, 0.7), (0.0, 1.0), 1,
        "von_neumann", 100, 1000.0, 3,
    )  # fmt: skip
    rules = CrowdRules(0.5, 0.1, 2.3, 3, True, 0, 0.1, 0.0, 0.1, 0.1, 0.1, 0.5, 1)
    BlockPopulation([crowd]).step(rules, np.zeros(1))
    crowd.site_forces(0, 1, np.zeros(2, dtype=np.bool_))
