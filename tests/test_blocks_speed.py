"""The structures that make the block kernel fast (core/blocks.py, session 21) give what the plain
ones gave: tallies kept incrementally equal a fresh count after days with arrests, moves and
units that stop deterring; a unit's window holds exactly the cells within its reach; a block's
active share is the one sorting its kinks gives; every jailed person has a release day; and a
day of blocks gives, bit for bit, what the kernel before those changes gave (a pin: the golden
hashes hold no scenario of blocks)."""

from __future__ import annotations

import functools
import hashlib
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transition_sim.core.blocks import (
    _GAUSS,
    BlockCrowd,
    _q,
    _unit_tally,
    _within,
    fresh_tally,
    rule_share,
)
from transition_sim.core.crowd import CrowdRules

# legitimacy, threshold, arrest constant, max jail term, movement, batches, social signal,
# contagion, memory effect, gain, decay, crime drive, arrests per unit: many active people, a
# short jail (its ring wraps within the days run) and units that arrest and move
RULES = CrowdRules(0.3, 0.05, 2.3, 3, True, 0, 0.05, 0.1, 0.05, 0.2, 0.01, 0.3, 1)


def crowd_of(shape: str, side: int = 30, n: int = 600, units: int = 25) -> BlockCrowd:
    rng = np.random.default_rng(7)
    return BlockCrowd.build(
        rng, side, n, np.zeros(units, dtype=np.int64), (0.8, 0.12, 0.08), (0.0, 0.9),
        (0.0, 1.0), 60.0, shape, 250, 1000.0, 3,
    )  # fmt: skip


def run_days(crowd: BlockCrowd, days: int) -> list[np.ndarray]:
    """`days` days in which a third of the units stop deterring for a while (the tally of
    deterring units follows them) and the contagion varies."""
    out = []
    for day in range(days):
        crowd.unit_deters[:] = True
        if 3 <= day < 7:
            crowd.unit_deters[::3] = False
        out.append(crowd.step(RULES, 0.1 * (day % 3)))
    return out


@pytest.mark.parametrize(
    ("shape", "side", "n"),
    [("von_neumann", 30, 600), ("moore", 30, 600), ("von_neumann", 9, 60)],  # small torus
)
def test_tallies_kept_by_the_day_equal_a_fresh_count(shape: str, side: int, n: int) -> None:
    crowd = crowd_of(shape, side, n)
    x0 = crowd.ux.copy()
    stats = np.array(run_days(crowd, 12))
    assert stats[:, 5:8].sum() > 1.0  # people were detained
    assert (crowd.ux != x0).all()  # every unit moved
    active = crowd.active.sum(axis=1)
    assert active.max() > 0.05  # and some people are active at the end
    fresh = fresh_tally(
        crowd.neighbors, crowd.vision_weights, crowd.pos[: crowd.n], active, side * side
    )
    assert np.allclose(crowd.actives_seen, fresh, rtol=1e-9, atol=1e-9)
    deters = crowd.unit_deters
    assert np.array_equal(crowd.cops_seen, crowd._units_seen(crowd.ux[deters], crowd.uy[deters]))


def test_every_jailed_person_has_a_release_day() -> None:
    crowd = crowd_of("von_neumann")
    for day in range(9):  # past the ring's width (max jail 3 + 2): its runs wrap
        crowd.step(RULES)
        width = crowd.ring.shape[1] // 3
        held = crowd.ring.reshape(crowd.n, 3, width).sum(axis=2)
        assert np.allclose(held, crowd.jailed, rtol=1e-9, atol=1e-12), day
    assert crowd.jailed.sum() > 0.1


def brute_unit_tally(x: float, y: float, reach: float, moore: bool, side: int) -> np.ndarray:
    """Every cell of the window tested one by one (the kernel before session 21)."""
    tally = np.zeros(side * side)
    r = min(int(reach) + 1, (side - 1) // 2)
    x0, y0 = int(x), int(y)
    for i in range(x0 - r, x0 + r + 1):
        for j in range(y0 - r, y0 + r + 1):
            if _within(abs(i + 0.5 - x), abs(j + 0.5 - y), reach, moore):
                tally[(i % side) * side + j % side] += 1.0
    return tally


# points on cell borders and centres, and reaches that end exactly at a centre, as well as any
coordinate = st.one_of(
    st.integers(0, 59).map(float),
    st.integers(0, 59).map(lambda i: i + 0.5),
    st.floats(0.0, 59.999, allow_nan=False),
)
reach = st.one_of(st.integers(1, 24).map(lambda k: k / 2), st.floats(0.1, 12.0))


@settings(max_examples=300, deadline=None)
@given(x=coordinate, y=coordinate, reach=reach, moore=st.booleans(), side=st.integers(3, 60))
def test_a_units_window_holds_exactly_the_cells_within_reach(
    x: float, y: float, reach: float, moore: bool, side: int
) -> None:
    x, y = x % side, y % side
    tally = np.zeros(side * side)
    _unit_tally(tally, x, y, reach, moore, side, 1.0)
    assert np.array_equal(tally, brute_unit_tally(x, y, reach, moore, side))


def sorted_rule_share(*args: float) -> float:
    """`rule_share` as it was: its kinks collected, then sorted by numpy."""
    lo, hi, rlo, rhi, eh, er, p, t, nl, e = args
    if rhi <= rlo or p <= 0.0:
        q = _q(rlo, lo, hi, p, t, nl, e)
        return q - eh * q * (1.0 - q)
    cuts = [0.0, 1.0]
    for c in (0.0, nl, nl * e, nl * (1.0 + e), nl * (lo + e), nl * (hi + e)):
        v = ((c - t) / p - rlo) / (rhi - rlo)
        if 0.0 < v < 1.0:
            cuts.append(v)
    cuts = list(np.sort(np.array(cuts)))
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        if b <= a:
            continue
        for x in (a + (0.5 - _GAUSS) * (b - a), a + (0.5 + _GAUSS) * (b - a)):
            q = _q(rlo + x * (rhi - rlo), lo, hi, p, t, nl, e)
            total += 0.5 * (b - a) * (q - eh * q * (1.0 - q)) * (1.0 + er * (1.0 - 2.0 * x))
    return total


unit = st.floats(0.0, 1.0)


@settings(max_examples=400, deadline=None)
@given(
    lo=st.floats(-0.3, 0.8), width=st.floats(0.0, 1.0), rlo=unit, rwidth=st.floats(0.0, 1.0),
    eh=st.floats(-1.0, 1.0), er=st.floats(-1.0, 1.0), p=st.floats(0.0, 1.0),
    t=st.floats(-0.5, 0.5), nl=unit, e=st.floats(-0.5, 0.8),
)  # fmt: skip
def test_a_blocks_share_is_the_one_sorted_kinks_give(
    lo: float, width: float, rlo: float, rwidth: float, eh: float, er: float, p: float,
    t: float, nl: float, e: float,
) -> None:  # fmt: skip
    args = (lo, lo + width, rlo, rlo + rwidth, eh, er, p, t, nl, e)
    assert rule_share(*args) == sorted_rule_share(*args)


def test_equal_kinks_and_kinks_at_the_ends_are_kept_apart() -> None:
    # nl * e == 0 == the first kink; (c - t) / p exactly at rlo or rhi: no segment lost or added
    for args in [
        (0.0, 0.7, 0.0, 1.0, 0.1, -0.2, 0.5, 0.0, 0.6, 0.0),
        (0.0, 0.7, 0.0, 1.0, 0.0, 0.0, 0.5, -0.5, 0.5, 0.0),
        (0.2, 0.2, 0.0, 1.0, 0.3, 0.3, 0.25, 0.05, 0.3, 0.4),
    ]:
        assert rule_share(*args) == sorted_rule_share(*args)
        assert math.isfinite(rule_share(*args))


def digest(shape: str) -> str:
    """sha256 of a crowd's state and statistics over 15 days (see `run_days`)."""
    crowd = crowd_of(shape)
    h = hashlib.sha256()
    for stats in run_days(crowd, 15):
        h.update(np.ascontiguousarray(stats).tobytes())
    for a in (crowd.active, crowd.jailed, crowd.ring, crowd.experience, crowd.ux, crowd.uy,
              crowd.actives_seen, crowd.cops_seen):  # fmt: skip
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# Computed by the kernel before session 21's changes (commit 2fe820e): those changes are exact.
# A declared model change of the kernel updates these (and says so).
PINNED = {
    "von_neumann": "1312aaa8f545b86d4c5f26fb3bdd283ca66cd88163e878d5b88405104ffe9a70",
    "moore": "facbe43f653839af6fd3de1d9a090e256e6b0432877e2f6f391ddcc30e484b1e",
}


@pytest.mark.parametrize("shape", sorted(PINNED))
def test_a_day_of_blocks_is_what_it_was(shape: str) -> None:
    assert digest(shape) == PINNED[shape]


def test_units_joining_repack_all_but_the_blocks_arrays() -> None:
    # Session 23: repacking after units join or leave leaves the blocks' arrays (jail rings
    # above all) where they are; everything still reads and writes through the flat arrays.
    from transition_sim.core.blocks import AGENT, BLOCK, CELL, UNIT, BlockPopulation

    crowds = [crowd_of("von_neumann", 12, 80, 5), crowd_of("moore", 9, 50, 4)]
    pop = BlockPopulation(crowds)
    pop.step(RULES, np.array([0.1, 0.0]))
    before = {name: pop.flat[name] for name in BLOCK + AGENT + UNIT + CELL}
    layout = pop.layout
    crowds[1].add_units(3, 1)
    pop.step(RULES, np.array([0.1, 0.0]))
    assert pop.layout == layout + 1
    for name in BLOCK:
        assert pop.flat[name] is before[name]
    for name in AGENT + UNIT + ("cops_seen",):
        assert pop.flat[name] is not before[name]
    crowds[1].remove_units(1)
    pop.step(RULES, np.array([0.0, 0.1]))
    for name in BLOCK + AGENT + UNIT + CELL:
        joined = np.concatenate([getattr(c, name) for c in crowds])
        assert np.array_equal(pop.flat[name], joined), name
        for c in crowds:  # views: a write shows in the flat array
            assert np.shares_memory(getattr(c, name), pop.flat[name]), name
    assert pop.flat["unit_faction"].shape == (5 + 4,)


def numpy_site_forces(
    crowd: BlockCrowd, cell: int, radius: int, turned_faction: np.ndarray
) -> tuple[float, float, float, float]:
    """`site_forces` and `peaceful_near` as they were before session 23 (numpy, every call)."""
    from transition_sim.core.blocks import CRIME, PEACEFUL, VIOLENT, site_window

    scale = math.sqrt(crowd.unit_people / crowd.people_per_agent)
    cells, weights = site_window(cell, radius, crowd.side, scale)
    blocks = crowd.occupant[cells]
    half, side = (radius + 0.5) * scale, crowd.side
    x, y = divmod(cell, side)
    dx = np.abs((crowd.ux - x - 0.5 + side / 2) % side - side / 2)
    dy = np.abs((crowd.uy - y - 0.5 + side / 2) % side - side / 2)
    units = ((dx <= half) & (dy <= half)).astype(float)
    blocks, w = blocks[blocks >= 0], weights[blocks >= 0]
    armed = crowd.active[blocks][:, [VIOLENT, CRIME]].sum(axis=1)
    deters = crowd.unit_deters
    turned = turned_faction[crowd.unit_faction] & ~deters
    per = crowd.people_per_agent / crowd.unit_people
    peaceful = float(w @ crowd.active[blocks, PEACEFUL]) * crowd.people_per_agent
    return (
        float(w @ armed) * per, float(units @ turned), float(units @ deters),
        peaceful / crowd.unit_people,
    )  # fmt: skip


@pytest.mark.parametrize("shape", ["von_neumann", "moore"])
def test_site_forces_are_what_numpy_counted(shape: str) -> None:
    # Session 23: a site's window kept by cell, units counted by a compiled loop; the same
    # floats as before, units on cell borders and across the torus's edges included.
    rng = np.random.default_rng(3)
    crowd = crowd_of(shape, side=30, n=600, units=40)
    crowd.unit_faction = rng.integers(0, 3, crowd.m)
    for day in range(6):
        crowd.unit_deters[:] = rng.random(crowd.m) < 0.6
        crowd.step(RULES, 0.1)
        assert crowd.active.sum() > 0.1
        # units moved by the day, then some set by hand: on cell borders, on centres, and
        # exactly on the edges of the windows of cells 465 (15, 15) and 0, across the torus
        crowd.ux[:10] = rng.integers(0, 30, 10).astype(float)
        crowd.uy[5:15] = rng.integers(0, 30, 10) + 0.5
        crowd.ux[15:18] = [0.0, 29.999999, 14.5]
        crowd.ux[18:24] = [16.5, 14.5, 18.5, 15.5, 29.5, 0.5]
        crowd.uy[18:24] = [15.5, 15.5, 15.5, 12.5, 0.5, 29.5]
        crowd.pos[crowd.n :] = crowd._cells(crowd.ux, crowd.uy)
        crowd.recount()
        for cell in (0, 29, 465, 899, int(rng.integers(900))):
            for radius in (0, 1, 3, 20):
                turned_faction = rng.random(4) < 0.5
                new = (
                    *crowd.site_forces(cell, radius, turned_faction),
                    crowd.peaceful_near(cell, radius),
                )
                assert new == numpy_site_forces(crowd, cell, radius, turned_faction), (
                    day, cell, radius,
                )  # fmt: skip


# -- session 25: the kernel without reference counting, kept spans, exp and fmod skipped -----
def test_kept_spans_are_the_spans_of_where_each_unit_stands() -> None:
    """A unit's kept cells (`unit_spans`) are read while it stands at `spans_at`: wherever it
    still stands there, they are what `_spans` finds afresh; units that joined have none yet."""
    from transition_sim.core.blocks import _spans

    crowd = crowd_of("von_neumann")
    run_days(crowd, 6)
    crowd.add_units(3, 0)
    run_days(crowd, 2)
    crowd.add_units(2, 0)
    rows = crowd.unit_spans.shape[1]
    r = rows // 2
    here = (crowd.spans_at[:, 0] == crowd.ux) & (crowd.spans_at[:, 1] == crowd.uy)
    assert here[:-2].sum() >= crowd.m - 5 - 2  # the moving units' spans are kept
    assert np.isnan(crowd.spans_at[-2:]).all()  # just joined: none yet
    for u in np.flatnonzero(here):
        fresh = np.zeros((rows, 2), dtype=np.int64)
        _spans(crowd.ux[u], crowd.uy[u], crowd.reach, False, crowd.side, r, fresh)
        assert np.array_equal(crowd.unit_spans[u], fresh), u


@functools.cache
def _modulo_and_wrap() -> tuple:
    import numba

    from transition_sim.core.blocks import _wrap

    return numba.njit(lambda a, b: a % b), numba.njit(lambda a, b: _wrap(a, b))


@settings(max_examples=300, deadline=None)
@given(
    side=st.integers(1, 200),
    v=st.one_of(
        st.floats(-500.0, 500.0, allow_nan=False),
        st.integers(-400, 400).map(float),
        st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300]),
    ),
)
def test_wrap_is_numbas_float_modulo(side: int, v: float) -> None:
    """`_wrap` (no fmod call) gives the bits numba's ``v % side`` gives, in range or not."""
    modulo, wrap = _modulo_and_wrap()
    assert np.float64(wrap(v, side)).tobytes() == np.float64(modulo(v, side)).tobytes()


def test_arrest_chance_is_one_where_exp_is_skipped() -> None:
    """Below `_P_ONE` the kernel takes P(arrest) = 1.0 without exp: 1 - exp(x) is 1.0 there,
    and just above it the rounding still differs from 1.0 (the cut is not far from the edge,
    where exp would still be worth calling)."""
    import numba

    from transition_sim.core.blocks import _P_ONE

    one_minus_exp = numba.njit(lambda x: 1.0 - math.exp(x))
    rng = np.random.default_rng(5)
    for x in np.concatenate(
        [[_P_ONE, -745.0, -746.0, -1e300], _P_ONE - rng.exponential(50, 10_000)]
    ):
        assert one_minus_exp(x) == 1.0, x
    assert one_minus_exp(-36.0) != 1.0


def _point_digest(n: int) -> str:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "experiments" / "session25" / "speed" / "digest.py"
    spec = importlib.util.spec_from_file_location("speed25_digest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.digest(n)[0]


# experiments/session25/speed/digest.py: 24 replications of the crowd of blocks at point 1025
# (1,000 people per agent, seed 20220105), every outcome, metric, time series and event. A
# declared change of the blocks' results updates this (and says so). Session 26: the timeseries
# table keeps the blocks' counts as floats (was d76a2536..., on 05b6724 and through session 26's
# speed cuts); those floats cast to whole agents kind by kind rebuild d76a2536... exactly, so
# nothing but the table's reading changed.
POINT_1025_DIGEST = "4c0b5fd62d821acbaa9239b2b6b6b8f842d5f08496f51d249d56b8e876102efc"


def test_24_runs_at_point_1025_are_what_they_were() -> None:
    assert _point_digest(24) == POINT_1025_DIGEST


# -- session 26: the Python around the kernel ------------------------------------------------
def test_a_population_day_is_each_crowds_own_day() -> None:
    """`BlockPopulation.step` writes every region's parameters at once and its counts into one
    array: each region's row is, bit for bit, what stepping that crowd alone gives
    (`BlockCrowd.step`: its own `floats`, integers and weight), through units joining and
    leaving, a shock's hardship and a rule changed mid-run; the crowds end in the same state."""
    from dataclasses import replace

    from transition_sim.core.blocks import BlockPopulation

    def crowds() -> list[BlockCrowd]:
        rng = np.random.default_rng(11)
        out = []
        for shape, side, n, units, weight in (
            ("von_neumann", 20, 300, 12, 1.7), ("moore", 12, 100, 6, 1.0),
            ("von_neumann", 16, 200, 9, 0.4),
        ):  # fmt: skip
            out.append(BlockCrowd.build(
                rng, side, n, rng.integers(0, 2, units), (0.8, 0.12, 0.08), (0.0, 0.9),
                (0.0, 1.0), 40.0, shape, 250, 1000.0, 4, weight,
            ))  # fmt: skip
        return out

    alone, packed = crowds(), crowds()
    pop = BlockPopulation(packed)
    rules = replace(RULES, guarding=0.3, exact_ratio=True)
    for day in range(12):
        if day == 4:
            rules = replace(rules, arrests_per_unit=2, legitimacy=0.2)
        for cs in (alone, packed):
            cs[1].hardship_extra = 0.05 * day
            if day == 3:
                cs[0].add_units(4, 2)
            if day == 8:
                cs[0].remove_units(2)
            for c in cs:
                c.unit_deters[:] = day % 5 != 2
        contagion = np.array([0.1 * (day % 3), 0.02 * day, 0.0])
        rows = pop.step(rules, contagion)
        for r, c in enumerate(alone):
            own = c.step(rules, float(contagion[r]))
            assert rows[r].tobytes() == own.tobytes(), (day, r)
    assert rows[:, :3].sum() > 0.5  # people were active: the days compared something
    for a, b in zip(alone, packed, strict=True):
        for name in ("active", "jailed", "ring", "experience", "ux", "uy", "cops_seen",
                     "actives_seen", "stream"):  # fmt: skip
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
        assert a.clock == b.clock == 12


def test_a_population_days_parameters_are_each_crowds_floats() -> None:
    from dataclasses import replace

    from transition_sim.core.blocks import BlockPopulation

    crowds = [crowd_of("von_neumann", 12, 80, 5), crowd_of("moore", 9, 50, 4)]
    crowds[1].hardship_extra = 0.125
    pop = BlockPopulation(crowds)
    rules = replace(RULES, guarding=0.7, exact_ratio=True, crime_drive=0.33)
    rows = pop._floats_today(rules, np.array([0.25, 0.5]))
    for r, (c, x) in enumerate(zip(crowds, (0.25, 0.5), strict=True)):
        assert rows[r].tobytes() == c.floats(rules, x).tobytes(), r


@pytest.mark.parametrize("shape", ["von_neumann", "moore"])
def test_a_new_crowds_tallies_are_a_fresh_count(shape: str) -> None:
    """A new crowd's tallies skip counting its (zero) actives and tally its units in one call:
    the same arrays, bit for bit, as the full count (`recount`) and as one `_unit_tally` per
    unit, here on a small torus with units near its edges."""
    from transition_sim.core.blocks import units_tally

    for side, n, units in ((30, 600, 40), (7, 30, 9)):
        crowd = crowd_of(shape, side, n, units)
        quiet = (crowd.cops_seen.copy(), crowd.actives_seen.copy())
        crowd.recount()
        assert quiet[0].tobytes() == crowd.cops_seen.tobytes()
        assert quiet[1].tobytes() == crowd.actives_seen.tobytes()
        assert crowd.cops_seen.sum() > 0
        one_by_one = np.zeros(side * side)
        for x, y in zip(crowd.ux, crowd.uy, strict=True):
            _unit_tally(one_by_one, x, y, crowd.reach, shape == "moore", side, 1.0)
        together = units_tally(crowd.ux, crowd.uy, crowd.reach, shape == "moore", side)
        assert together.tobytes() == one_by_one.tobytes()


def test_a_new_crowds_jail_ring_is_packed_as_zeros_without_reading_it() -> None:
    """A new crowd's ring is read-only zeros (packing starts the flat ring as zeros, and need
    not read them): a write to it fails loudly instead of being lost; a crowd stepped alone
    first holds its own writable ring, and packing keeps what that ring holds."""
    from transition_sim.core.blocks import BlockPopulation

    fresh, stepped = crowd_of("von_neumann", 12, 80, 5), crowd_of("moore", 9, 50, 4)
    with pytest.raises(ValueError, match="read-only"):
        fresh.ring[0, 0] = 1.0
    run_days(stepped, 4)
    assert stepped.ring.flags.writeable and stepped.ring.sum() > 0.0  # detentions to come
    held = stepped.ring.copy()
    pop = BlockPopulation([fresh, stepped])
    assert pop.flat["ring"].tobytes() == np.concatenate([np.zeros_like(fresh.ring), held]).tobytes()
    assert fresh.ring.flags.writeable and np.shares_memory(fresh.ring, pop.flat["ring"])


def test_a_replications_crowds_are_freed_when_simulate_returns() -> None:
    """`simulate` lets go of the model's crowds (`TransitionModel.close`) once it holds the
    result: their arrays are freed at once, not when the collector finds the model (a cycle
    of references), so the next replication reuses their memory; the result is the one the
    model gives without it."""
    import gc
    import importlib.util
    import weakref
    from pathlib import Path

    from transition_sim.core import model as model_module
    from transition_sim.core.model import TransitionModel
    from transition_sim.simulate import simulate

    path = Path(__file__).parents[1] / "experiments" / "session25" / "speed" / "digest.py"
    spec = importlib.util.spec_from_file_location("speed25_digest", path)
    assert spec is not None and spec.loader is not None
    digest_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digest_module)
    scenario = digest_module.scenario_for(digest_module.POINT, 4000)
    rings: list[weakref.ref] = []
    make = model_module.make_population

    def watched(crowds):
        population = make(crowds)
        rings.append(weakref.ref(population.flat["ring"]))
        return population

    model_module.make_population = watched
    gc.disable()
    try:
        result = simulate(scenario, 5)
        assert len(rings) == 1 and rings[0]() is None  # freed, with the collector off
        kept = TransitionModel(scenario, seed=5)
        kept.run()
        assert rings[1]() is not None  # a model not closed holds them
        other = kept.result()
    finally:
        gc.enable()
        model_module.make_population = make
    assert digest_module.run_hash(result) == digest_module.run_hash(other)


# -- session 27: the kernel's scratch rows, live cells, wraps without division -----------------
def test_scratch_rows_are_aligned_and_only_scratch() -> None:
    """`block_rows` gives each block two whole cache lines; the day copies the blocks' arrays
    into them and back, so whatever a crowd's rows held before a day (here NaN, or another
    crowd's values) does not reach the results: the pinned day of blocks is the same."""
    from transition_sim.core.blocks import ROW, block_rows

    for n in (1, 7, 600):
        rows = block_rows(n)
        assert rows.shape == (n, ROW) and rows.ctypes.data % 64 == 0
        assert rows.strides == (ROW * 8, 8)
    crowd = crowd_of("von_neumann")
    h = hashlib.sha256()
    for day in range(15):
        crowd.rows[:] = np.nan if day % 2 else 1e300
        crowd.unit_deters[:] = True
        if 3 <= day < 7:
            crowd.unit_deters[::3] = False
        h.update(np.ascontiguousarray(crowd.step(RULES, 0.1 * (day % 3))).tobytes())
    for a in (crowd.active, crowd.jailed, crowd.ring, crowd.experience, crowd.ux, crowd.uy,
              crowd.actives_seen, crowd.cops_seen):  # fmt: skip
        h.update(np.ascontiguousarray(a).tobytes())
    assert h.hexdigest() == PINNED["von_neumann"]


def test_mod_is_pythons_modulo() -> None:
    """`_mod` (a comparison instead of a division in its range) is Python's ``i % side``, in
    its range and outside it."""
    import numba

    from transition_sim.core.blocks import _mod

    mod = numba.njit(lambda i, side: _mod(i, side))
    for side in (1, 2, 3, 16, 38, 101):
        for i in range(-3 * side - 2, 3 * side + 3):
            assert mod(i, side) == i % side, (i, side)


def test_a_quiet_region_detains_nobody_and_its_day_is_the_same() -> None:
    """With nobody active in the region (the kernel then skips its units' scans of their
    sight), nobody is detained and the tallies stay a fresh count; the day's units still move."""
    crowd = crowd_of("von_neumann")
    quiet = replace_rules(legitimacy=0.99, threshold=0.9, contagion_signal=0.0)
    x0 = crowd.ux.copy()
    for _ in range(5):
        stats = crowd.step(quiet, 0.0)
        assert stats[:3].sum() == 0.0 and stats[5:8].sum() == 0.0
    assert (crowd.ux != x0).all() and crowd.ring.sum() == 0.0
    deters = crowd.unit_deters
    assert np.array_equal(crowd.cops_seen, crowd._units_seen(crowd.ux[deters], crowd.uy[deters]))


def replace_rules(**changes) -> CrowdRules:
    from dataclasses import replace

    return replace(RULES, **changes)
