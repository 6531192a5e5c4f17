"""The crowd's compiled day: Epstein's rule and our extensions for one region, in one call.

`crowd_day` runs one day of one region exactly as Mesa's example does it
(`mesa.examples.advanced.epstein_civil_violence`), every day: all agents, citizens and units,
are activated once in a random order; an activated citizen decides and then moves, an activated
unit arrests and then moves. With ``batches > 0`` the order is cut into that many batches whose
citizens decide on the state at the start of their batch (docs/ODD.md §3).

What makes it fast: the counts a citizen needs (deterring units and actives in her vision) are
running tallies per cell, updated where they change (an active turns quiet or is jailed, an
active or a deterring unit moves, a unit changes stance); vision is symmetric, so the tally of a
cell is also the number of tallied agents that see it. On wide tori a tallied agent's move
updates both visions row by row at once, each row one masked vector operation
(`_shift_window`).

Random numbers come from a xoshiro256** stream whose four words live in the region
(`RegionCrowd.stream`, seeded from the replication's generator): the results depend on the seed
alone, not on numba's version, its cache, or the worker a replication runs on.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def _writable(folder: Path) -> bool:
    """Whether files can be created in `folder` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


# The modules whose compiled code numba caches. Numba keys a cached function on its own file
# only, but blocks.py and population.py inline this module's functions: the cache folder is
# named by a digest of all of them, so that a change to any one recompiles every one.
COMPILED_SOURCES = ("kernel.py", "blocks.py", "population.py", "daily.py")


def _sources_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in COMPILED_SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _numba_cache_dir() -> str:
    """Where numba caches compiled code: a folder named by the compiled sources' digest, in
    ``NUMBA_CACHE_DIR`` if set, else in ``__pycache__`` beside this module.

    Numba cannot cache beside a read-only install, and does not when ``PYTHONDONTWRITEBYTECODE``
    is set; then the user's cache folder (or the temporary folder) is used. A worker process
    inherits the parent's folder through ``NUMBA_CACHE_DIR`` and keeps it.
    """
    leaf = f"numba-{_sources_digest()}"
    base: Path | None = None
    if os.environ.get("NUMBA_CACHE_DIR"):
        base = Path(os.environ["NUMBA_CACHE_DIR"])
    elif not os.environ.get("PYTHONDONTWRITEBYTECODE") and _writable(
        Path(__file__).parent / "__pycache__"
    ):
        base = Path(__file__).parent / "__pycache__"
    else:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        for folder in (home / "transition_sim" / "numba", Path(tempfile.gettempdir()) / "ts-numba"):
            if _writable(folder):
                base = folder
                break
        else:
            base = Path(tempfile.gettempdir()) / "ts-numba"
    return str(base if base.name == leaf else base / leaf)


_CACHE_DIR = _numba_cache_dir()
os.environ["NUMBA_CACHE_DIR"] = _CACHE_DIR

import numba  # noqa: E402  (after NUMBA_CACHE_DIR is set)
import numpy as np  # noqa: E402
from llvmlite import ir  # noqa: E402
from numba.core import cgutils, types  # noqa: E402
from numba.extending import intrinsic  # noqa: E402

numba.config.CACHE_DIR = _CACHE_DIR  # in case numba was imported before this module


def _masked_vectors() -> bool:
    """Whether numba compiles for a CPU with AVX-512 F and BW (masked vector loads and stores
    of int16, which `_shift_window` uses: elsewhere LLVM emulates them, correctly but slower
    than the rows one by one). Numba's cache is kept per CPU and its features, so the answer
    stays with the code."""
    if numba.config.CPU_FEATURES is not None:
        features = numba.config.CPU_FEATURES.split(",")
        return "+avx512f" in features and "+avx512bw" in features
    if numba.config.CPU_NAME not in (None, "host"):
        return False
    try:
        from llvmlite import binding

        host = binding.get_host_cpu_features()
        return bool(host.get("avx512f", False) and host.get("avx512bw", False))
    except (RuntimeError, OSError):
        return False


MASKED_VECTORS = _masked_vectors()

QUIET, ACTIVE, JAILED = 0, 1, 2
PEACEFUL, VIOLENT, CRIME = 0, 1, 2
WINDOW = 32  # cells of a row one masked vector operation updates (`_add_masked`)
MOVE_PROPOSALS = 8  # cells in vision an armed active weighs when heading for a site
# A move's candidates: three cells in vision from each 64-bit draw, 21 bits each (bits 43-63,
# 22-42, 1-21), scaled to {0..k-1} by multiply-shift. An index then has probability q / 2**21 or
# (q + 1) / 2**21, q = 2**21 // k: any two cells' chances differ by a factor of at most
# 1 + 1/q <= 1 + k / (2**21 - k): 5.3e-5 at k = 112 (von Neumann radius 7), 3.1e-3 at the widest
# vision scenarios allow (Moore radius 40, k = 6,560).
CANDIDATE_BITS = 21
CANDIDATE_MASK = (1 << CANDIDATE_BITS) - 1
# P(arrest) by units and actives seen (`_p_by_counts`) for up to `P_UNITS` - 1 units seen.
P_UNITS, P_SEEN = 16, 32
# Turns ahead whose agent's fields, and whose agent's cell's, `crowd_day` prefetches.
PREFETCH_AGENTS, PREFETCH_CELLS = 4, 2
EMPTY_TRIES = 6  # draws (3 candidates each) before a move falls back to scanning for empty cells
# The widest grid `crowd_day` takes: side**3 < 2**40, for `_row_col_by` (10**8 cells: a
# neighbour table of tens of GB at vision 7).
MAX_SIDE = 10321

# Layout of the parameter arrays `crowd_day` takes (floats, then integers).
(
    LEGITIMACY,
    THRESHOLD,
    ARREST_CONSTANT,
    SOCIAL_SIGNAL,
    CONTAGION_SIGNAL,
    MEMORY_EFFECT,
    MEMORY_GAIN,
    MEMORY_DECAY,
    CRIME_DRIVE,
    HARDSHIP_EXTRA,
    GATHERING,
    GUARDING,
) = range(12)
N_FLOAT = 12
MAX_JAIL_TERM, MOVEMENT, BATCHES, ARRESTS_PER_UNIT, EXACT_RATIO = range(5)
N_INT = 5
# Layout of the day's statistics (counts of agents), each "by kind" entry three wide.
STAT_ACTIVE, STAT_QUIET, STAT_JAILED, STAT_ARRESTS, STAT_ENGAGED = 0, 3, 4, 5, 8
N_STATS = 11

_U64 = np.uint64
_UNIT = 1.0 / 9007199254740992.0  # 2**-53: a draw's top 53 bits to [0, 1)


# -- the random stream: xoshiro256** (Blackman & Vigna), seeded with splitmix64 ---------------
@numba.njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << _U64(k)) | (x >> _U64(64 - k))


@numba.njit(cache=True, inline="always")
def _step(
    s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64, np.uint64]:
    """One draw from the state (s0, s1, s2, s3): the number, then the next state. The hot loops
    keep the state in local variables: held in an array, it is loaded and stored at every draw
    (the compiler cannot tell that the other arrays written in the loop do not alias it)."""
    result = _rotl(s1 * _U64(5), 7) * _U64(9)
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@numba.njit(cache=True, inline="always")
def _next(s: np.ndarray) -> np.uint64:
    result, s0, s1, s2, s3 = _step(s[0], s[1], s[2], s[3])
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
    return result


@numba.njit(cache=True, inline="always")
def _below(r: np.uint64, n: int) -> int:
    """`below` from the drawn number r."""
    return int(float(r >> _U64(11)) * _UNIT * n)


@numba.njit(cache=True, inline="always")
def _below_scaled(r: np.uint64, scaled: float) -> int:
    """`_below(r, n)` with ``scaled = n * 2**-53``: one product less, the same result (scaling
    by a power of two is exact, so both round the exact product of r's top 53 bits and n once)."""
    return int(float(r >> _U64(11)) * scaled)


@numba.njit(cache=True, inline="always")
def as_index(i: int) -> np.uint64:
    """`i` (>= 0) as an unsigned index: numba skips the wraparound of negative indices then."""
    return _U64(i)


@numba.njit(cache=True, inline="always")
def _row_col(cell: int, side: int) -> tuple[int, int]:
    """Row and column of `cell` (>= 0): unsigned division, without the sign fix-ups of //."""
    c, n = _U64(cell), _U64(side)
    return np.int64(c // n), np.int64(c % n)


@numba.njit(cache=True, inline="always")
def _row_col_by(cell: int, side: int, magic: np.uint64) -> tuple[int, int]:
    """`_row_col` by a multiplication, ``magic = reciprocal(side)``: the row is
    ``cell * magic >> 40``, exact for every cell of the grid when side <= `MAX_SIDE` (the error
    of magic, at most 1, times cell is then under 2**40 / side). (A fallback to the division
    here, never taken, made numba's code for a generic x86-64 CPU a quarter slower.)"""
    c = _U64(cell)
    x = (c * magic) >> _U64(40)
    return np.int64(x), np.int64(c - x * _U64(side))


@numba.njit(cache=True, inline="always")
def reciprocal(side: int) -> np.uint64:
    """``2**40 // side + 1`` for `_row_col_by`."""
    return _U64((1 << 40) // side + 1)


@numba.njit(cache=True, inline="always")
def _to_unit(r: np.uint64) -> float:
    """A double in [0, 1) from the top 53 bits of ``r``."""
    return float(r >> _U64(11)) * _UNIT


@numba.njit(cache=True, inline="always")
def uniform(s: np.ndarray) -> float:
    """A double in [0, 1) from the stream's next number."""
    return _to_unit(_next(s))


@numba.njit(cache=True, inline="always")
def below(s: np.ndarray, n: int) -> int:
    """An integer in {0, ..., n-1}, uniform to within n / 2**53 (n is at most a few thousand)."""
    return int(uniform(s) * n)


@numba.njit(cache=True)
def seed_stream(seed: int) -> np.ndarray:
    """The four words of a stream, spread from one 64-bit seed by splitmix64."""
    s = np.empty(4, dtype=np.uint64)
    x = _U64(seed)
    for i in range(4):
        x += _U64(0x9E3779B97F4A7C15)
        z = x
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
        s[i] = z ^ (z >> _U64(31))
    return s


@numba.njit(cache=True)
def shuffle(a: np.ndarray, s: np.ndarray) -> None:
    """Fisher-Yates, in place."""
    for i in range(a.shape[0] - 1, 0, -1):
        j = below(s, i + 1)
        a[i], a[j] = a[j], a[i]


# -- tallies ----------------------------------------------------------------------------------
@numba.njit(cache=True, inline="always")
def _tally(tally: np.ndarray, nbr: np.ndarray, cell: int, delta: int) -> None:
    """Add `delta` to the tally of every cell in `cell`'s vision."""
    for j in range(nbr.shape[1]):
        tally[as_index(nbr[cell, j])] += delta


@numba.njit(cache=True, inline="always")
def _shift(tally: np.ndarray, nbr: np.ndarray, old: int, new: int) -> None:
    """Move one tallied agent from `old` to `new`."""
    for j in range(nbr.shape[1]):
        tally[as_index(nbr[old, j])] -= 1
        tally[as_index(nbr[new, j])] += 1


@numba.njit(cache=True)
def row_spans(offsets: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """The vision as rows: signed row offsets `dx` and half-widths `w` such that the cells in
    vision of (x, y) are (x + dx, y - w .. y + w) mod side, the centre excluded; and whether
    `offsets` is exactly that set (not when the torus is so small that offsets wrap onto each
    other). The rows let a tally be updated without reading the neighbour table."""
    k = offsets.shape[0]
    half = side // 2
    radius = 0
    for j in range(k):
        for v in (offsets[j, 0], offsets[j, 1]):
            radius = max(radius, min(v, side - v))
    width = np.full(2 * radius + 1, -1, dtype=np.int64)
    for j in range(k):
        dx = offsets[j, 0] if offsets[j, 0] <= half else offsets[j, 0] - side
        dy = offsets[j, 1] if offsets[j, 1] <= half else offsets[j, 1] - side
        width[dx + radius] = max(width[dx + radius], abs(dy))
    count = 0
    for r in range(2 * radius + 1):
        if width[r] >= 0:
            count += 2 * width[r] + 1
    rows = np.flatnonzero(width >= 0)
    dxs = rows - radius
    ok = side >= 2 * radius + 1 and count - 1 == k and width[radius] >= 0
    # every offset lies in its row's span and there are as many: the sets are equal
    for j in range(k):
        dx = offsets[j, 0] if offsets[j, 0] <= half else offsets[j, 0] - side
        dy = offsets[j, 1] if offsets[j, 1] <= half else offsets[j, 1] - side
        ok = ok and abs(dy) <= width[dx + radius]
    return dxs, width[rows], ok


@numba.njit(cache=True, inline="always")
def _tally_rows(
    tally: np.ndarray, dxs: np.ndarray, widths: np.ndarray, side: int, cell: int, delta: int
) -> None:
    """`_tally` from the rows of the vision (`row_spans`): contiguous runs of cells, no table
    to read (the table of a big grid does not stay in cache)."""
    x, y = _row_col(cell, side)
    for r in range(dxs.shape[0]):
        cx = x + dxs[r]
        cx = cx + side if cx < 0 else (cx - side if cx >= side else cx)
        base, w = cx * side, widths[r]
        if y - w >= 0 and y + w < side:
            for c in range(base + y - w, base + y + w + 1):
                tally[as_index(c)] += delta
        else:
            for dy in range(-w, w + 1):
                cy = y + dy
                cy = cy + side if cy < 0 else (cy - side if cy >= side else cy)
                tally[as_index(base + cy)] += delta
    tally[as_index(cell)] -= delta  # the centre is in its row's span, not in vision


@intrinsic
def _prefetch(typingctx, ary, index):
    """Ask the CPU to fetch ``ary[index]``'s cache line (a hint: nothing is read, nothing can
    fault, the index need not be in range). `crowd_day` visits agents in a random order: each
    agent's entries are in a different line of each array, mostly outside the first-level
    cache."""

    def codegen(context, builder, signature, args):
        ary_t = signature.args[0]
        arr = context.make_array(ary_t)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, ary_t, arr, [args[1]], wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # read, highest locality (keep in every level), data cache
        builder.call(fetch, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(ary, index), codegen


@intrinsic
def _add_masked(typingctx, tally, start, minus, plus):
    """``tally[start + j] += (bit j of plus) - (bit j of minus)`` for j < `WINDOW`, as one
    masked vector load and store: the cells whose bits are both clear are not read or written
    (nor need they exist). `tally` is a contiguous integer array (the tallies: int16),
    `minus` and `plus` integers."""
    lanes = WINDOW

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(
            context, builder, signature.args[0], ary, [args[1]], wraparound=False
        )
        i32 = ir.IntType(32)
        item = context.get_value_type(signature.args[0].dtype)
        size = item.width // 8
        vector, bits = ir.VectorType(item, lanes), ir.VectorType(ir.IntType(1), lanes)
        word = ir.IntType(lanes)
        down = builder.bitcast(builder.trunc(args[2], word), bits)
        up = builder.bitcast(builder.trunc(args[3], word), bits)
        mask = builder.or_(down, up)
        where = builder.bitcast(ptr, vector.as_pointer())
        load = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(vector, [where.type, i32, bits, vector]),
            f"llvm.masked.load.v{lanes}i{item.width}.p0",
        )
        store = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [vector, where.type, i32, bits]),
            f"llvm.masked.store.v{lanes}i{item.width}.p0",
        )
        value = builder.call(load, [where, i32(size), mask, ir.Constant(vector, None)])
        value = builder.add(value, builder.zext(up, vector))
        value = builder.sub(value, builder.zext(down, vector))
        builder.call(store, [value, where, i32(size), mask])
        return context.get_dummy_value()

    return types.void(tally, start, minus, plus), codegen


@numba.njit(cache=True)
def row_bits(dxs: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The vision's rows (`row_spans`) as bit masks for `_shift_window`: entry 2R + dx holds
    the columns y - R .. y + R of the cell (x, y)'s row x + dx that are in its vision (bit
    R + dy for column y + dy; the centre's bit clear), zero where |dx| > R; R the radius.
    Empty if the rows are not -R..R or a move's window does not fit `WINDOW` columns."""
    radius = (dxs.shape[0] - 1) // 2
    if dxs.shape[0] != 2 * radius + 1 or dxs[0] != -radius or 3 * radius + 1 > WINDOW:
        return np.zeros(0, dtype=np.int64)
    bits = np.zeros(4 * radius + 1, dtype=np.int64)
    for r in range(2 * radius + 1):
        w = widths[r]
        bits[r + radius] = ((1 << (2 * w + 1)) - 1) << (radius - w)
    bits[2 * radius] &= ~(1 << radius)
    return bits


@numba.njit(cache=True, inline="always")
def _window_row(
    tally: np.ndarray, base: int, start: int, cut: int, down: np.int64, up: np.int64
) -> None:
    """One row of a window (`_shift_window`) whose first column is `start` and whose bits from
    `cut` on wrap around to the row's column 0 (``base`` is the row's first cell)."""
    if cut >= WINDOW:
        _add_masked(tally, as_index(base + start), down, up)
    else:
        low = (np.int64(1) << cut) - 1
        _add_masked(tally, as_index(base + start), down & low, up & low)
        _add_masked(tally, as_index(base), down >> cut, up >> cut)


@numba.njit(cache=True, inline="always")
def _shift_window(
    tally: np.ndarray, bits: np.ndarray, side: int, magic: np.uint64, old: int, new: int
) -> bool:
    """Move one tallied agent from `old` to `new` (a cell in its vision), every row of the two
    visions at once: one masked operation (two where the torus wraps) over the window of
    columns that holds both of the row's spans (`row_bits`), so that a row both visions cross
    is read and written once. False, with nothing done, if the window is wider than the torus.
    (`magic`: see `_row_col_by`.)"""
    radius = (bits.shape[0] - 1) // 4
    xa, ya = _row_col_by(old, side, magic)
    xb, yb = _row_col_by(new, side, magic)
    half = side // 2
    dx, dy = xb - xa, yb - ya
    dx = dx - side if dx > half else (dx + side if dx < -half else dx)
    dy = dy - side if dy > half else (dy + side if dy < -half else dy)
    if 2 * radius + 1 + abs(dy) > side:
        return False
    start = ya - radius + min(0, dy)
    start = start + side if start < 0 else start
    cut = side - start
    cut = WINDOW if cut >= 2 * radius + 1 + abs(dy) else cut  # no wrap
    to_old, to_new = max(0, -dy), max(0, dy)  # the spans' shifts in the window
    first = min(-radius, dx - radius)
    row = xa + first
    row = row + side if row < 0 else row
    if side <= WINDOW:
        # A narrow torus: a whole row is one window; the spans, rotated to their columns
        # around the row, are one masked operation (not two where they wrap).
        ring = (np.int64(1) << side) - 1
        for q in range(first + 2 * radius, max(radius, dx + radius) + 2 * radius + 1):
            down, up = bits[as_index(q)] << to_old, bits[as_index(q - dx)] << to_new
            down = ((down << start) | (down >> (side - start))) & ring
            up = ((up << start) | (up >> (side - start))) & ring
            _add_masked(tally, as_index(row * side), down, up)
            row = row + 1 if row + 1 < side else 0
        return True
    for q in range(first + 2 * radius, max(radius, dx + radius) + 2 * radius + 1):
        down, up = bits[as_index(q)] << to_old, bits[as_index(q - dx)] << to_new
        _window_row(tally, row * side, start, cut, down, up)
        row = row + 1 if row + 1 < side else 0
    return True


@numba.njit(cache=True)
def sync_deterrence(
    nbr: np.ndarray,
    pos: np.ndarray,
    n: int,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
) -> None:
    """Bring the tally of deterring units up to date with `deters` (written by the model)."""
    for u in range(deters.shape[0]):
        if deters[u] != counted[u]:
            _tally(cops_seen, nbr, pos[n + u], 1 if deters[u] else -1)
            counted[u] = deters[u]


@numba.njit(cache=True)
def fresh_tally(nbr: np.ndarray, cells: np.ndarray, size: int) -> np.ndarray:
    """For every cell, how many of `cells` see it (a count from scratch). As int16: at most
    k <= 6,560 agents see a cell (one agent a cell), and a window row (`_shift_window`) is
    then one 512-bit masked operation."""
    tally = np.zeros(size, dtype=np.int16)
    for c in cells:
        _tally(tally, nbr, c, 1)
    return tally


# -- the rule ---------------------------------------------------------------------------------
# Hot paths are written out in `crowd_day` rather than in helpers taking arrays: numba counts
# references to every array handed to a function, and those atomic updates cost more than the
# rule itself. Helpers here take scalars, or run rarely (an arrest, a move with no empty cell
# drawn, an armed active's move).


@numba.njit(cache=True, inline="always")
def _is_active(
    grievance: float,
    risk: float,
    p_arrest: float,
    threshold: float,
    experience: float,
    seen_share: float,
    memory_effect: float,
    social_signal: float,
) -> bool:
    """G - R P > T, T lowered by memory and the social signal (docs/ODD.md §7.1-7.2)."""
    if memory_effect != 0.0:
        threshold -= memory_effect * experience
    if social_signal != 0.0:
        threshold -= social_signal * seen_share
    return grievance - risk * p_arrest > threshold


@numba.njit(cache=True)
def _arrest(
    u: int,
    n: int,
    nbr: np.ndarray,
    occupant: np.ndarray,
    pos: np.ndarray,
    kind: np.ndarray,
    state: np.ndarray,
    jail: np.ndarray,
    actives_seen: np.ndarray,
    max_jail_term: int,
    s: np.ndarray,
    stats: np.ndarray,
    row_off: np.ndarray,
    col_off: np.ndarray,
    side: int,
    dxs: np.ndarray,
    widths: np.ndarray,
    rows_ok: bool,
) -> bool:
    """Unit u jails a uniformly random active in its vision; False if it sees none. The vision
    is walked in the neighbour table's order, from the offsets (`_in_vision`: the table's row
    of a cell is a cache miss on large grids), and the tally updated by rows where they are the
    vision (`row_spans`)."""
    cell = pos[n + u]
    if actives_seen[cell] == 0:
        return False
    left = below(s, actives_seen[cell])
    x, y = _row_col(cell, side)
    for j in range(row_off.shape[0]):
        o = occupant[as_index(_in_vision(x, y, as_index(j), row_off, col_off, side))]
        if 0 <= o < n and state[as_index(o)] == ACTIVE:
            if left == 0:
                if rows_ok:
                    _tally_rows(actives_seen, dxs, widths, side, pos[o], -1)
                else:
                    _tally(actives_seen, nbr, pos[o], -1)
                state[o] = JAILED
                jail[o] = below(s, max_jail_term + 1)
                stats[STAT_ARRESTS + kind[o]] += 1
                return True
            left -= 1
    raise RuntimeError("tally of actives in vision is out of date")


@numba.njit(cache=True)
def _p_by_counts(p_arrest: np.ndarray) -> np.ndarray:
    """P(arrest) as `crowd_day` rounds it, ``p_arrest[rint(c / (s + 1.0))]``, at entry
    ``c * P_SEEN + s`` for c < `P_UNITS` units and s < `P_SEEN` actives seen. Exact for more
    actives seen, at s = `P_SEEN` - 1: the ratio rounds to 0 once s >= 2c (c / (s + 1) < 1/2),
    and P_SEEN > 2 (P_UNITS - 1). Ratios beyond `p_arrest` (more units than any vision holds)
    never occur: clamped."""
    table = np.empty(P_UNITS * P_SEEN)
    top = p_arrest.shape[0] - 1
    table[:] = p_arrest[0]  # where s >= 2c
    for c in range(P_UNITS):
        for s in range(min(2 * c, P_SEEN)):
            table[c * P_SEEN + s] = p_arrest[min(int(np.rint(c / (s + 1.0))), top)]
    return table


@numba.njit(cache=True)
def _site_distance(cell: int, sites: np.ndarray, side: int) -> int:
    """Chebyshev torus distance from `cell` to the nearest site."""
    x, y = cell // side, cell % side
    best = 2 * side
    for c in sites:
        dx = abs(x - c // side)
        dy = abs(y - c % side)
        best = min(best, max(min(dx, side - dx), min(dy, side - dy)))
    return best


@numba.njit(cache=True)
def _toward_site(
    cell: int, nbr: np.ndarray, occupant: np.ndarray, sites: np.ndarray, side: int, s: np.ndarray
) -> int:
    """An armed active's move (and a gathering peaceful one's): of `MOVE_PROPOSALS` random cells
    in vision, the empty one nearest a site (the first drawn on a tie), or -1 if none is empty."""
    best, target = 2 * side, -1
    for _ in range(MOVE_PROPOSALS):
        c = nbr[cell, below(s, nbr.shape[1])]
        if occupant[c] < 0:
            d = _site_distance(c, sites, side)
            if d < best:
                best, target = d, c
    return target


@numba.njit(cache=True, inline="always")
def _in_vision(x: int, y: int, j: np.uint64, row_off: np.ndarray, col_off: np.ndarray, side: int):
    """The j-th cell in the vision of cell (x, y), ``nbr[x * side + y, j]``, from its offsets
    (in [0, side)): reading the table is a cache miss on large grids."""
    cx, cy = x + row_off[j], y + col_off[j]
    return (cx - side if cx >= side else cx) * side + (cy - side if cy >= side else cy)


@numba.njit(cache=True, inline="always")
def _candidate(field: np.uint64, k: np.uint64) -> np.uint64:
    """A candidate's index in vision, floor(field * k / 2**bits), from a field of
    `CANDIDATE_BITS` bits."""
    return (field * k) >> _U64(CANDIDATE_BITS)


@numba.njit(cache=True, inline="always")
def _first_empty(
    x: int,
    y: int,
    r: np.uint64,
    k: np.uint64,
    row_off: np.ndarray,
    col_off: np.ndarray,
    row_start: np.ndarray,
    col_mod: np.ndarray,
    occupant: np.ndarray,
) -> tuple[int, bool]:
    """Of the three candidates drawn by `r` (see `CANDIDATE_BITS`) in the vision of (x, y), the
    first empty one (else the last), and whether any is empty. Branch-free: the three occupants
    are loaded together and the cell picked by selects (which candidate is empty is a coin toss
    the branch predictor cannot learn), the torus wrapped by table (`row_start[i]` is
    (i mod side) * side, `col_mod[i]` is i mod side, for i < 2 * side): a compare would become
    a branch. `occupant`: negative where a cell is empty, else >= 0 (the agents' `occupant`,
    or its marks in `crowd_day`)."""
    mask = _U64(CANDIDATE_MASK)
    j0 = _candidate(r >> _U64(64 - CANDIDATE_BITS), k)
    j1 = _candidate((r >> _U64(64 - 2 * CANDIDATE_BITS)) & mask, k)
    j2 = _candidate((r >> _U64(64 - 3 * CANDIDATE_BITS)) & mask, k)
    c0 = row_start[as_index(x + row_off[j0])] + col_mod[as_index(y + col_off[j0])]
    c1 = row_start[as_index(x + row_off[j1])] + col_mod[as_index(y + col_off[j1])]
    c2 = row_start[as_index(x + row_off[j2])] + col_mod[as_index(y + col_off[j2])]
    o0, o1, o2 = occupant[as_index(c0)], occupant[as_index(c1)], occupant[as_index(c2)]
    cell = c1 if o1 < 0 else c2
    cell = c0 if o0 < 0 else cell
    return cell, (o0 | o1 | o2) < 0  # occupants are -1 (empty) or >= 0


@numba.njit(cache=True, inline="always")
def _any_empty(
    x: int,
    y: int,
    row_off: np.ndarray,
    col_off: np.ndarray,
    side: int,
    occupant: np.ndarray,
    s0: np.uint64,
    s1: np.uint64,
    s2: np.uint64,
    s3: np.uint64,
) -> tuple[int, np.uint64, np.uint64, np.uint64, np.uint64]:
    """A uniformly random empty cell in the vision of cell (x, y), by scanning, or -1 if there
    is none; and the stream's next state (see `_step`)."""
    k = row_off.shape[0]
    empty = 0
    for j in range(k):
        empty += occupant[as_index(_in_vision(x, y, as_index(j), row_off, col_off, side))] < 0
    if empty == 0:
        return -1, s0, s1, s2, s3
    r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
    left = _below(r, empty)
    for j in range(k):
        c = _in_vision(x, y, as_index(j), row_off, col_off, side)
        if occupant[as_index(c)] < 0:
            if left == 0:
                return c, s0, s1, s2, s3
            left -= 1
    return -1, s0, s1, s2, s3


TABLES_HEAD = 3  # `day_tables`: filled (1.0), the arrest constant and the ratios they are for


def day_tables(k: int) -> np.ndarray:
    """Room for a region's per-day tables (`crowd_day_rows`'s `tables`) for a vision of `k`
    cells, not yet filled: P(arrest) by units and actives seen (`_p_by_counts`), the share of
    the vision active by actives seen, and P(arrest) by ratio (at most k + 1 ratios)."""
    return np.zeros(TABLES_HEAD + P_UNITS * P_SEEN + 2 * (k + 1))


@numba.njit(cache=True)
def _fill_day_tables(tables: np.ndarray, arrest_k: float, ratios: int, k: int) -> None:
    """Fill `tables` (`day_tables`) for this arrest constant and number of ratios."""
    p_arrest = 1.0 - np.exp(-arrest_k * np.arange(float(ratios)))
    head = TABLES_HEAD + P_UNITS * P_SEEN
    tables[TABLES_HEAD:head] = _p_by_counts(p_arrest)
    tables[head : head + k + 1] = np.arange(k + 1) / k
    tables[head + k + 1 : head + k + 1 + ratios] = p_arrest
    tables[0], tables[1], tables[2] = 1.0, arrest_k, ratios


@numba.njit(cache=True)
def vision_rows(offsets: np.ndarray, side: int) -> np.ndarray:
    """What `crowd_day` needs of the vision's rows (`row_spans`, `row_bits`), in one array that
    depends on the vision and the side alone, so that a caller stepping the same region day
    after day computes it once (`crowd_day_rows`): whether the rows are the vision, the number
    of rows and of masks, then the rows' offsets, their half-widths and the masks (the masks
    only where `_shift_window` serves: see `crowd_day_rows`)."""
    dxs, widths, rows_ok = row_spans(offsets, side)
    # Rows by windows (`_shift_window`): on a torus at most `WINDOW` wide one operation a row,
    # on a wide one one a row but where a window wraps (two then), on the tori between mostly
    # two (which costs about as much as the rows one by one, `_tally_rows`).
    wide = MASKED_VECTORS and rows_ok and (side <= WINDOW or side > 2 * dxs.shape[0])
    bits = row_bits(dxs, widths) if wide else np.zeros(0, dtype=np.int64)
    rows, nbits = dxs.shape[0], bits.shape[0]
    out = np.empty(3 + 2 * rows + nbits, dtype=np.int64)
    out[0], out[1], out[2] = rows_ok, rows, nbits
    out[3 : 3 + rows] = dxs
    out[3 + rows : 3 + 2 * rows] = widths
    out[3 + 2 * rows :] = bits
    return out


@numba.njit(cache=True)
def crowd_day(
    nbr: np.ndarray,
    offsets: np.ndarray,
    occupant: np.ndarray,
    pos: np.ndarray,
    kind: np.ndarray,
    hardship: np.ndarray,
    risk: np.ndarray,
    state: np.ndarray,
    jail: np.ndarray,
    experience: np.ndarray,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    sites: np.ndarray,
    side: int,
    f: np.ndarray,
    ip: np.ndarray,
    s: np.ndarray,
) -> np.ndarray:
    """`crowd_day_rows` with the vision's rows and the day's tables computed here
    (`vision_rows`, `day_tables`)."""
    tables = np.zeros(TABLES_HEAD + P_UNITS * P_SEEN + 2 * (nbr.shape[1] + 1))
    return crowd_day_rows(
        vision_rows(offsets, side), tables, nbr, offsets, occupant, pos, kind, hardship, risk,
        state, jail, experience, deters, counted, cops_seen, actives_seen, sites, side, f, ip, s,
    )  # fmt: skip


@numba.njit(cache=True)
def crowd_day_rows(
    rows: np.ndarray,
    tables: np.ndarray,
    nbr: np.ndarray,
    offsets: np.ndarray,
    occupant: np.ndarray,
    pos: np.ndarray,
    kind: np.ndarray,
    hardship: np.ndarray,
    risk: np.ndarray,
    state: np.ndarray,
    jail: np.ndarray,
    experience: np.ndarray,
    deters: np.ndarray,
    counted: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    sites: np.ndarray,
    side: int,
    f: np.ndarray,
    ip: np.ndarray,
    s: np.ndarray,
) -> np.ndarray:
    """One day of one region, in place; returns the day's statistics (layout `STAT_*`).

    `rows` is `vision_rows(offsets, side)`, `tables` the region's `day_tables` (filled here
    when their inputs changed: a caller keeps them from day to day); `nbr[c]` lists the cells
    in the vision of cell c, `offsets[j]` the (row, column) offset of `nbr[c, j]` from c, mod
    side; `occupant[c]` is the agent on c or -1; agents are citizens 0..n-1 then units
    n..n+m-1 (`pos`); `cops_seen` and `actives_seen` are the running tallies (`counted` says
    which units `cops_seen` counts).

    The order of all agents is shuffled and cut into batches (one agent each for random
    sequential activation). In a batch: 1. its citizens out of jail decide on the state at the
    start of the batch, the jailed serve a day; 2. its deterring units arrest, in order; 3.
    everyone in it who is not jailed moves, in order, to a uniformly random empty cell in
    vision (armed actives, peaceful ones with probability `GATHERING` and deterring units with
    probability `GUARDING`: see `_toward_site`).
    """
    n, m, k = kind.shape[0], deters.shape[0], nbr.shape[1]
    stats = np.zeros(N_STATS, dtype=np.int64)
    sync_deterrence(nbr, pos, n, deters, counted, cops_seen)
    rows_ok, n_rows = rows[0] != 0, rows[1]
    dxs, widths = rows[3 : 3 + n_rows], rows[3 + n_rows : 3 + 2 * n_rows]
    bits = rows[3 + 2 * n_rows : 3 + 2 * n_rows + rows[2]]
    windows = bits.shape[0] > 0
    # P(arrest) by the rounded ratio of units to actives seen, at most the units seen: at most
    # m when no cell is twice in a vision (rows_ok), and at most k (small regions: fewer exp)
    ratios = min(k, m) + 1 if rows_ok else k + 1
    exact, arrest_k = ip[EXACT_RATIO] != 0, f[ARREST_CONSTANT]  # opt-in: the ratio unrounded
    # P(arrest) by ratio and by counts, and the share of a vision active by the actives seen
    # (<= k): kept in `tables` from the day before unless their inputs changed (`day_tables`)
    if not (tables[0] == 1.0 and tables[1] == arrest_k and tables[2] == ratios):
        _fill_day_tables(tables, arrest_k, ratios, k)
    p_by = tables[TABLES_HEAD : TABLES_HEAD + P_UNITS * P_SEEN]
    share = tables[TABLES_HEAD + P_UNITS * P_SEEN : TABLES_HEAD + P_UNITS * P_SEEN + k + 1]
    p_arrest = tables[TABLES_HEAD + P_UNITS * P_SEEN + k + 1 :][:ratios]
    not_legit, extra = 1.0 - f[LEGITIMACY], f[HARDSHIP_EXTRA]
    base_threshold = f[THRESHOLD] - f[CONTAGION_SIGNAL]
    memory, social, crime_drive = f[MEMORY_EFFECT], f[SOCIAL_SIGNAL], f[CRIME_DRIVE]
    max_jail, movement, per_unit = ip[MAX_JAIL_TERM], ip[MOVEMENT] != 0, ip[ARRESTS_PER_UNIT]
    steer = sites.shape[0] > 0
    gather = f[GATHERING]  # opt-in: the chance a peaceful active's move heads for a site
    guard = f[GUARDING]  # opt-in: the chance a deterring unit's move heads for a site
    row_off, col_off = offsets[:, 0].copy(), offsets[:, 1].copy()
    k_u = _U64(k)
    col_mod = np.arange(2 * side)  # the torus's wrap, by table (see `_first_empty`)
    col_mod[side:] -= side
    row_start = col_mod * side
    if side > MAX_SIDE:
        raise ValueError("grid wider than kernel.MAX_SIDE")
    magic = reciprocal(side)  # a cell's row and column without a division

    total = n + m
    order = np.arange(total)
    # The stream's state in locals (see `_step`), stored back in `s` around the helpers that
    # draw from it (rare: arrests, armed actives' moves, moves with no empty cell drawn).
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for i in range(total - 1, 0, -1):  # `shuffle`, written out
        r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
        j = _below_scaled(r, (i + 1) * _UNIT)
        order[as_index(i)], order[as_index(j)] = order[as_index(j)], order[as_index(i)]
    batches = ip[BATCHES] if 0 < ip[BATCHES] < total else total
    n_top = max(n - 1, 0)  # the last citizen (`_prefetch`)
    if batches == total:
        # Random sequential activation (one agent a batch): the steps below agent by agent,
        # in one pass (the same operations in the same order, no batch's bookkeeping).
        # `occupant` in a byte a cell, -1 empty and 0 taken (what `_first_empty` reads), kept
        # with it by the moves: the moves' candidates are read here, in an eighth of the lines.
        marks = np.empty(occupant.shape[0], dtype=np.int8)
        for c in range(occupant.shape[0]):
            marks[as_index(c)] = min(occupant[as_index(c)], 0)
        for t in range(total):
            # The lines of agents a few turns ahead (their fields, then their cell's), fetched
            # while this one acts (`_prefetch`; no branch: clamped to the last turn, citizens).
            b = order[as_index(min(t + PREFETCH_AGENTS, total - 1))]
            bc = as_index(min(b, n_top))
            _prefetch(jail, bc)
            _prefetch(hardship, bc)
            _prefetch(risk, bc)
            _prefetch(experience, bc)
            _prefetch(kind, bc)
            _prefetch(state, bc)
            _prefetch(pos, as_index(b))
            cell_b = as_index(pos[as_index(order[as_index(min(t + PREFETCH_CELLS, total - 1))])])
            _prefetch(marks, cell_b)
            _prefetch(actives_seen, cell_b)
            _prefetch(cops_seen, cell_b)
            a = order[as_index(t)]
            au = as_index(a)
            citizen = a < n
            if citizen:
                iu = au
                if jail[iu] > 0:
                    jail[iu] -= 1
                else:
                    cell = as_index(pos[iu])
                    seen, cops = actives_seen[cell], cops_seen[cell]
                    # rounded half to even, like Python's round() in Mesa's example, unless
                    # exact; by table for the usual few units seen (no division, no rounding)
                    if exact:
                        p = 1.0 - np.exp(-arrest_k * (cops / (seen + 1.0)))
                    elif cops < P_UNITS:
                        p = p_by[as_index(cops * P_SEEN + min(seen, P_SEEN - 1))]
                    else:
                        p = p_arrest[as_index(int(np.rint(cops / (seen + 1.0))))]
                    if kind[iu] == CRIME:
                        grievance = crime_drive  # organized crime acts for a sponsor
                    else:
                        grievance = min(max(hardship[iu] + extra, 0.0), 1.0) * not_legit
                    active = _is_active(
                        grievance,
                        risk[iu],
                        p,
                        base_threshold,
                        experience[iu],
                        share[as_index(seen)],
                        memory,
                        social,
                    )
                    new = ACTIVE if active else QUIET
                    if state[iu] != new:
                        if state[iu] == ACTIVE or new == ACTIVE:
                            delta = -1 if state[iu] == ACTIVE else 1
                            if rows_ok:
                                _tally_rows(actives_seen, dxs, widths, side, pos[iu], delta)
                            else:
                                _tally(actives_seen, nbr, pos[iu], delta)
                        state[iu] = new
                if state[au] == JAILED:
                    continue
            elif deters[as_index(a - n)] and actives_seen[as_index(pos[au])] > 0:
                s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                for _ in range(per_unit):
                    if not _arrest(
                        a - n, n, nbr, occupant, pos, kind, state, jail, actives_seen,
                        max_jail, s, stats, row_off, col_off, side, dxs, widths, rows_ok,
                    ):  # fmt: skip
                        break
                s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            if not movement:
                continue
            is_active = citizen and state[au] == ACTIVE
            cell = pos[au]
            target = -1
            # the chance this move heads for a site: armed actives always, peaceful ones
            # `gather`, deterring units `guard`, anyone else never
            chance = guard if not citizen and deters[as_index(a - n)] else 0.0
            if is_active:
                chance = 1.0 if kind[au] != PEACEFUL else gather
            heads = steer and chance >= 1.0
            if steer and 0.0 < chance < 1.0:  # a draw only then
                r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
                heads = _to_unit(r) < chance
            if heads:
                s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                target = _toward_site(cell, nbr, occupant, sites, side, s)
                s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            else:
                # The first empty of i.i.d. uniform candidates: uniform over the empty cells
                # in vision (to within `CANDIDATE_BITS`' quantization), three per draw.
                x, y = _row_col_by(cell, side, magic)
                for _ in range(EMPTY_TRIES):
                    r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
                    c, empty = _first_empty(
                        x, y, r, k_u, row_off, col_off, row_start, col_mod, marks
                    )
                    if empty:
                        target = c
                        break
                if target < 0:
                    target, s0, s1, s2, s3 = _any_empty(
                        x, y, row_off, col_off, side, occupant, s0, s1, s2, s3
                    )
            if target < 0:
                continue
            occupant[as_index(cell)] = -1
            occupant[as_index(target)] = a
            marks[as_index(cell)], marks[as_index(target)] = -1, 0
            pos[au] = target
            if is_active or (not citizen and counted[as_index(a - n)]):
                tally = actives_seen if is_active else cops_seen
                if windows and _shift_window(tally, bits, side, magic, cell, target):
                    pass
                elif rows_ok:
                    _tally_rows(tally, dxs, widths, side, cell, -1)
                    _tally_rows(tally, dxs, widths, side, target, 1)
                else:
                    _shift(tally, nbr, cell, target)
    else:
        size, bigger = divmod(total, batches)  # as np.array_split: the first `bigger` have one more
        decision = np.empty(size + 1, dtype=np.int8)  # the batch's changes of state: to what,
        changed = np.empty(size + 1, dtype=np.int64)  # and whose
        start = 0
        for b in range(batches):
            stop = start + size + (b < bigger)
            # 1. Citizens decide on the state at the start of the batch; the jailed serve a day.
            # (Indices as as_index(...): every index here is >= 0.)
            changes = 0
            for t in range(start, stop):
                i = order[as_index(t)]
                if i >= n:
                    continue
                iu = as_index(i)
                if jail[iu] > 0:
                    jail[iu] -= 1
                    continue
                cell = as_index(pos[iu])
                seen, cops = actives_seen[cell], cops_seen[cell]
                # rounded half to even, like Python's round() in Mesa's example, unless exact; by
                # table for the usual few units seen (no division and rounding on the way)
                if exact:
                    p = 1.0 - np.exp(-arrest_k * (cops / (seen + 1.0)))
                elif cops < P_UNITS:
                    p = p_by[as_index(cops * P_SEEN + min(seen, P_SEEN - 1))]
                else:
                    p = p_arrest[as_index(int(np.rint(cops / (seen + 1.0))))]
                if kind[iu] == CRIME:
                    grievance = crime_drive  # organized crime acts for a sponsor
                else:
                    grievance = min(max(hardship[iu] + extra, 0.0), 1.0) * not_legit
                active = _is_active(
                    grievance,
                    risk[iu],
                    p,
                    base_threshold,
                    experience[iu],
                    share[as_index(seen)],
                    memory,
                    social,
                )
                new = ACTIVE if active else QUIET
                if state[iu] != new:  # applied below, in order, once the batch has decided
                    changed[as_index(changes)], decision[as_index(changes)] = i, new
                    changes += 1
            for q in range(changes):
                new, i = decision[as_index(q)], as_index(changed[as_index(q)])
                if state[i] == ACTIVE or new == ACTIVE:
                    delta = -1 if state[i] == ACTIVE else 1
                    if rows_ok:
                        _tally_rows(actives_seen, dxs, widths, side, pos[i], delta)
                    else:
                        _tally(actives_seen, nbr, pos[i], delta)
                state[i] = new
            # 2. Deterring units that see an active arrest, in order.
            for t in range(start, stop):
                a = order[as_index(t)]
                if (
                    a >= n
                    and deters[as_index(a - n)]
                    and actives_seen[as_index(pos[as_index(a)])] > 0
                ):
                    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                    for _ in range(per_unit):
                        if not _arrest(
                            a - n, n, nbr, occupant, pos, kind, state, jail, actives_seen,
                            max_jail, s, stats, row_off, col_off, side, dxs, widths, rows_ok,
                        ):  # fmt: skip
                            break
                    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
            # 3. Everyone not in jail moves, in order.
            if not movement:
                start = stop
                continue
            for t in range(start, stop):
                a = order[as_index(t)]
                au = as_index(a)
                citizen = a < n
                if citizen and state[au] == JAILED:
                    continue
                is_active = citizen and state[au] == ACTIVE
                cell = pos[au]
                target = -1
                # the chance this move heads for a site: armed actives always, peaceful ones
                # `gather`, deterring units `guard`, anyone else never
                chance = guard if not citizen and deters[as_index(a - n)] else 0.0
                if is_active:
                    chance = 1.0 if kind[au] != PEACEFUL else gather
                heads = steer and chance >= 1.0
                if steer and 0.0 < chance < 1.0:  # a draw only then
                    r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
                    heads = _to_unit(r) < chance
                if heads:
                    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
                    target = _toward_site(cell, nbr, occupant, sites, side, s)
                    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
                else:
                    # The first empty of i.i.d. uniform candidates: uniform over the empty cells
                    # in vision (to within `CANDIDATE_BITS`' quantization), three per draw.
                    x, y = _row_col_by(cell, side, magic)
                    for _ in range(EMPTY_TRIES):
                        r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
                        c, empty = _first_empty(
                            x, y, r, k_u, row_off, col_off, row_start, col_mod, occupant
                        )
                        if empty:
                            target = c
                            break
                    if target < 0:
                        target, s0, s1, s2, s3 = _any_empty(
                            x, y, row_off, col_off, side, occupant, s0, s1, s2, s3
                        )
                if target < 0:
                    continue
                occupant[as_index(cell)] = -1
                occupant[as_index(target)] = a
                pos[au] = target
                if is_active or (not citizen and counted[as_index(a - n)]):
                    tally = actives_seen if is_active else cops_seen
                    if windows and _shift_window(tally, bits, side, magic, cell, target):
                        pass
                    elif rows_ok:
                        _tally_rows(tally, dxs, widths, side, cell, -1)
                        _tally_rows(tally, dxs, widths, side, target, 1)
                    else:
                        _shift(tally, nbr, cell, target)
            start = stop
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3

    # End of day: protest memory, then the counts.
    gain, decay = f[MEMORY_GAIN], f[MEMORY_DECAY]
    remember, keep = gain != 0.0 or decay != 0.0, 1.0 - decay
    quiet = jailed = 0  # counted in locals: `stats` is memory the compiler must write through
    for i in range(n):
        iu = as_index(i)
        now = state[iu]
        if remember:
            e = experience[iu] * keep
            if now == ACTIVE:
                e += gain * (1.0 - e)
            experience[iu] = e
        if now == ACTIVE:
            stats[STAT_ACTIVE + kind[iu]] += 1
            if cops_seen[as_index(pos[iu])] > 0:
                stats[STAT_ENGAGED + kind[iu]] += 1
        elif now == QUIET:
            quiet += 1
        else:
            jailed += 1
    stats[STAT_QUIET] += quiet
    stats[STAT_JAILED] += jailed
    return stats
