"""The crowd: the compiled kernel against a plain-Python reference of the same rule, its running
tallies, its random stream, and Epstein's rule (Mesa's example) in small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from transition_sim.core import kernel
from transition_sim.core.crowd import (
    ACTIVE,
    CRIME,
    JAILED,
    PEACEFUL,
    QUIET,
    VIOLENT,
    CrowdRules,
    DayStats,
    RegionCrowd,
)


def crowd(
    n=300, side=25, units=40, hardship=None, risk=None, kind=None, seed=0, vision=5,
    shape="von_neumann",
) -> RegionCrowd:  # fmt: skip
    """A region; hardship and risk aversion are uniform draws unless given (a value or array)."""
    rng = np.random.default_rng(seed)
    return RegionCrowd(
        rng,
        side,
        n,
        np.zeros(units, dtype=np.int64),
        np.zeros(n, dtype=np.int8) if kind is None else kind,
        rng.uniform(0, 1, n) if hardship is None else np.full(n, hardship, dtype=float),
        rng.uniform(0, 1, n) if risk is None else np.full(n, risk, dtype=float),
        vision,
        shape,
    )


def rules(**kw) -> CrowdRules:
    base = dict(
        legitimacy=0.5,
        threshold=0.1,
        arrest_constant=2.3,
        max_jail_term=10,
        movement=False,
        batches=0,
        social_signal=0.0,
        contagion_signal=0.0,
        memory_effect=0.0,
        memory_gain=0.0,
        memory_decay=0.0,
        crime_drive=0.0,
        arrests_per_unit=0,
    )
    return CrowdRules(**(base | kw))


# -- a plain-Python reference of the rule -------------------------------------------------------
# It counts everything afresh from the grid (no tallies) and draws from the same stream in the
# same order, so the kernel must reproduce it exactly.


def seen_by(c: RegionCrowd, cell: int) -> list[int]:
    """Agents on the cells in `cell`'s vision, in vision order."""
    return [int(c.occupant[x]) for x in c.neighbors[cell] if c.occupant[x] >= 0]


def actives_in_view(c: RegionCrowd, cell: int) -> list[int]:
    return [o for o in seen_by(c, cell) if o < c.n and c.state[o] == ACTIVE]


def deterring_in_view(c: RegionCrowd, cell: int) -> int:
    return sum(1 for o in seen_by(c, cell) if o >= c.n and c.unit_deters[o - c.n])


def site_distance(c: RegionCrowd, cell: int) -> int:
    s = c.side
    x, y = divmod(cell, s)
    return min(
        max(min(abs(x - q // s), s - abs(x - q // s)), min(abs(y - q % s), s - abs(y - q % s)))
        for q in c.site_cells
    )


def reference_day(c: RegionCrowd, r: CrowdRules) -> DayStats:
    n, m, k = c.n, c.m, c.neighbors.shape[1]
    s = c.stream
    arrests = np.zeros(3, dtype=np.int64)
    order = np.arange(n + m)
    kernel.shuffle(order, s)
    batches = r.batches if 0 < r.batches < n + m else n + m
    for batch in np.array_split(order, batches):
        decided = {}
        for i in batch[batch < n]:
            if c.jail[i] > 0:
                c.jail[i] -= 1
                continue
            cell = c.pos[i]
            seen = len(actives_in_view(c, cell))
            # Mesa: round(cops / actives) with Python's round, and math.exp (or unrounded)
            ratio = deterring_in_view(c, cell) / (seen + 1)
            p = 1.0 - math.exp(-r.arrest_constant * (ratio if r.exact_ratio else round(ratio)))
            if c.kind[i] == CRIME:
                grievance = r.crime_drive
            else:
                grievance = min(max(c.hardship[i] + c.hardship_extra, 0.0), 1.0) * (
                    1.0 - r.legitimacy
                )
            threshold = (
                r.threshold
                - r.contagion_signal
                - r.memory_effect * c.experience[i]
                - r.social_signal * (seen / k)
            )
            decided[i] = ACTIVE if grievance - c.risk_aversion[i] * p > threshold else QUIET
        for i, state in decided.items():
            c.state[i] = state
        for a in batch[batch >= n]:
            if not c.unit_deters[a - n]:
                continue
            for _ in range(r.arrests_per_unit):
                actives = actives_in_view(c, c.pos[a])
                if not actives:
                    break
                who = actives[kernel.below(s, len(actives))]
                c.state[who] = JAILED
                c.jail[who] = kernel.below(s, r.max_jail_term + 1)
                arrests[c.kind[who]] += 1
        if not r.movement:
            continue
        for a in batch:
            if a < n and c.state[a] == JAILED:
                continue
            cell = c.pos[a]
            vision = c.neighbors[cell]
            target = -1
            armed = a < n and c.state[a] == ACTIVE and c.kind[a] != PEACEFUL
            if armed and len(c.site_cells):
                best = math.inf
                for _ in range(kernel.MOVE_PROPOSALS):
                    x = vision[kernel.below(s, k)]
                    if c.occupant[x] < 0 and site_distance(c, x) < best:
                        best, target = site_distance(c, x), x
            else:
                for _ in range(kernel.EMPTY_TRIES):
                    # three candidates per draw, the first empty taken (kernel.CANDIDATE_BITS)
                    word, mask = int(kernel._next(s)), kernel.CANDIDATE_MASK
                    fields = (word >> 43, (word >> 22) & mask, (word >> 1) & mask)
                    cells = [vision[f * k >> kernel.CANDIDATE_BITS] for f in fields]
                    empty = [x for x in cells if c.occupant[x] < 0]
                    if empty:
                        target = empty[0]
                        break
                else:
                    empty = [x for x in vision if c.occupant[x] < 0]
                    if empty:
                        target = empty[kernel.below(s, len(empty))]
            if target >= 0:
                c.occupant[cell], c.occupant[target], c.pos[a] = -1, a, target
    if r.memory_gain or r.memory_decay:
        c.experience *= 1.0 - r.memory_decay
        act = c.state == ACTIVE
        c.experience[act] += r.memory_gain * (1.0 - c.experience[act])
    active = np.flatnonzero(c.state == ACTIVE)
    engaged = [i for i in active if deterring_in_view(c, c.pos[i]) > 0]
    return DayStats(
        active=np.bincount(c.kind[active], minlength=3),
        quiet=int((c.state == QUIET).sum()),
        jailed=int((c.state == JAILED).sum()),
        arrests=arrests,
        engaged=np.bincount(c.kind[engaged], minlength=3),
    )


def assert_tallies_are_fresh(c: RegionCrowd) -> None:
    cells = range(c.side * c.side)
    cops = [deterring_in_view(c, x) for x in cells]
    actives = [len(actives_in_view(c, x)) for x in cells]
    np.testing.assert_array_equal(c.cops_in_vision(), cops)
    np.testing.assert_array_equal(c.actives_seen, actives)


def assert_same(a: RegionCrowd, b: RegionCrowd) -> None:
    for name in ("pos", "occupant", "state", "jail", "experience", "stream", "unit_deters"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def assert_same_stats(a: DayStats, b: DayStats) -> None:
    assert (a.quiet, a.jailed) == (b.quiet, b.jailed)
    for name in ("active", "arrests", "engaged"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    side=st.integers(4, 12),
    density=st.floats(0.2, 0.9),
    unit_share=st.floats(0.0, 0.15),
    vision=st.integers(1, 3),
    shape=st.sampled_from(["von_neumann", "moore"]),
    batches=st.sampled_from([0, 1, 2, 5]),
    movement=st.booleans(),
    legitimacy=st.floats(0.2, 0.9),
    extensions=st.booleans(),
    sites=st.integers(0, 2),
    per_unit=st.integers(1, 2),
    exact=st.booleans(),
)
def test_kernel_matches_the_plain_python_rule(
    seed, side, density, unit_share, vision, shape, batches, movement, legitimacy, extensions,
    sites, per_unit, exact,
) -> None:  # fmt: skip
    """Day after day, with stances changing and patron units coming and going, the kernel and
    the reference produce the same grid, states, jail terms, memory, statistics and stream; and
    the kernel's running tallies equal counts made afresh."""
    n = int(density * side * side)
    m = min(int(unit_share * side * side), side * side - n)
    kinds = np.random.default_rng(seed).choice(3, size=n, p=[0.6, 0.25, 0.15]).astype(np.int8)
    fast, slow = (
        crowd(n, side, m, kind=kinds.copy(), seed=seed, vision=vision, shape=shape)
        for _ in range(2)
    )
    draw = np.random.default_rng(seed + 1)
    for c in (fast, slow):
        c.site_cells = np.arange(sites, dtype=np.int64) * (side + 1)
    for day in range(6):
        r = rules(
            legitimacy=legitimacy,
            movement=movement,
            batches=batches,
            arrests_per_unit=per_unit,
            max_jail_term=3,
            exact_ratio=exact,
            **(
                dict(
                    social_signal=0.3,
                    contagion_signal=0.01 * day,
                    memory_effect=0.1,
                    memory_gain=0.3,
                    memory_decay=0.05,
                    crime_drive=0.4 * (day % 2),
                )
                if extensions
                else {}
            ),
        )
        deters = draw.random(fast.m) < 0.7  # the model writes stances in place
        extra = draw.uniform(-0.2, 0.3)
        for c in (fast, slow):
            c.unit_deters[:] = deters
            c.hardship_extra = extra
        assert_same_stats(fast.step(r), reference_day(slow, r))
        assert_same(fast, slow)
        assert_tallies_are_fresh(fast)
        if day == 2:
            for c in (fast, slow):
                c.add_units(3, faction=-1)
        if day == 4:
            for c in (fast, slow):
                c.remove_units(faction=-1)
        assert_same(fast, slow)
        assert_tallies_are_fresh(fast)


def test_the_reference_comparison_exercises_every_path() -> None:
    """One busy run of the comparison above covers arrests, jail, moves with and without
    sites, stance changes and the patron's units (so its agreement means something)."""
    c = crowd(200, 20, 30, seed=3, vision=3, kind=(np.arange(200) % 3).astype(np.int8))
    c.site_cells = np.array([0, 210])
    total = DayStats(np.zeros(3, int), 0, 0, np.zeros(3, int), np.zeros(3, int))
    for day in range(8):
        c.unit_deters[:] = np.arange(c.m) % (2 + day % 2) > 0
        if day == 3:
            c.add_units(5, faction=-1)
        s = c.step(rules(legitimacy=0.3, movement=True, arrests_per_unit=1, crime_drive=0.5))
        total.active += s.active
        total.arrests += s.arrests
    assert (total.active > 0).all() and (total.arrests > 0).all()
    assert (c.jail > 0).any() and c.m == 35


# -- Epstein's rule in small cases ---------------------------------------------------------------


def test_without_police_a_citizen_is_active_exactly_when_grievance_exceeds_threshold() -> None:
    above = crowd(50, 20, 0, hardship=0.6, risk=1.0, vision=7)  # G = 0.6 (1 - 0.8) = 0.12 > 0.1
    below = crowd(50, 20, 0, hardship=0.4, risk=1.0, vision=7)  # G = 0.08 < 0.1
    above.step(rules(legitimacy=0.8, arrests_per_unit=1))
    below.step(rules(legitimacy=0.8, arrests_per_unit=1))
    assert (above.state == ACTIVE).all()
    assert (below.state == QUIET).all()


def test_police_in_vision_deter_and_arrest() -> None:
    # With cops everywhere P ~ 1: the risk-neutral turn active and get jailed, the risk-averse
    # stay quiet.
    bold = crowd(100, 20, 150, hardship=1.0, risk=0.0, vision=7)
    stats = bold.step(rules(legitimacy=0.8, arrests_per_unit=1))
    assert stats.arrests.sum() > 0
    assert (bold.state[bold.jail > 0] == JAILED).all()
    deterred = crowd(100, 20, 150, hardship=1.0, risk=1.0, vision=7)  # 0.2 - 1 < T
    deterred.step(rules(legitimacy=0.8, arrests_per_unit=1))
    assert (deterred.state == QUIET).all()


def test_units_that_stand_aside_neither_deter_nor_arrest() -> None:
    region = crowd(100, 20, 150, hardship=1.0, risk=1.0, vision=7)
    region.unit_deters[:] = False
    stats = region.step(rules(legitimacy=0.8, arrests_per_unit=1))
    assert (region.state == ACTIVE).all() and stats.arrests.sum() == 0
    assert (region.cops_in_vision() == 0).all()


def test_arrest_probability_rounds_half_to_even_like_mesa() -> None:
    """C/A = 1/2 rounds to 0 (P = 0, active), 3/2 rounds to 2 (P ~ 0.99, deterred)."""
    for cops, actives_around, expected in ((1, 1, ACTIVE), (3, 1, QUIET)):
        c = crowd(1 + actives_around, 7, cops, hardship=1.0, risk=1.0, vision=1, shape="moore")
        centre = 3 * 7 + 3
        ring = [2 * 7 + 2, 2 * 7 + 3, 2 * 7 + 4, 3 * 7 + 2]
        c.occupant[:] = -1
        c.pos[:] = [centre, *ring[:actives_around], *ring[actives_around:][:cops]]
        c.occupant[c.pos] = np.arange(c.n + c.m)
        c.state[1:] = ACTIVE
        c.jail[1:] = 5  # the others stay put (jailed citizens serve; units see no one to arrest)
        c.unit_deters[:] = True
        c.recount()
        c.state[1:] = ACTIVE
        c.step(rules(legitimacy=0.0, threshold=0.5, batches=1))  # G = 1, R P > 0.5 iff P > 0.5
        assert c.state[0] == expected, (cops, actives_around)


def test_agents_never_share_a_cell_and_the_jailed_stay_put() -> None:
    c = crowd(200, 20, 30, hardship=0.9, risk=0.3, seed=5, vision=7)
    for _ in range(20):
        jailed = np.flatnonzero(c.state == JAILED)
        before = c.pos[jailed].copy()
        c.step(rules(legitimacy=0.8, movement=True, arrests_per_unit=1))
        assert len(np.unique(c.pos)) == len(c.pos)
        assert (c.occupant[c.pos] == np.arange(len(c.pos))).all()
        still = c.state[jailed] == JAILED
        np.testing.assert_array_equal(c.pos[jailed][still], before[still])


def test_moves_are_uniform_over_the_empty_cells_in_vision() -> None:
    """Mesa moves to a random empty cell in vision. A lone free citizen among jailed ones, put
    back on the same cell every day: her destinations are uniform over the empty cells (both
    the random draws and the scan that follows many misses are exercised: 2 of 24 cells are
    empty, so the 18 candidates of `kernel.EMPTY_TRIES` draws all miss a fifth of the time)."""
    c = crowd(25, 7, 0, hardship=0.0, vision=2, shape="moore", seed=1)
    centre = 24
    vision = c.neighbors[centre]
    empty = vision[[5, 17]]
    outside = [x for x in range(49) if x != centre and x not in vision]
    taken = [x for x in vision if x not in empty] + outside[:2]
    c.occupant[:] = -1
    c.pos[:] = [centre, *taken]
    c.occupant[c.pos] = np.arange(c.n)
    c.state[1:], c.jail[1:] = JAILED, 10**9
    counts = {int(x): 0 for x in empty}
    for _ in range(4000):
        c.step(rules(movement=True))
        counts[int(c.pos[0])] += 1
        c.occupant[c.pos[0]], c.occupant[centre], c.pos[0] = -1, 0, centre
    assert sum(counts.values()) == 4000
    assert sps.chisquare(list(counts.values())).pvalue > 1e-3, counts


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_armed_actives_head_for_the_sites_and_peaceful_ones_do_not(seed) -> None:
    kind = np.zeros(300, dtype=np.int8)
    kind[:30] = VIOLENT
    c = crowd(units=0, kind=kind, hardship=np.full(300, 1.0), risk=np.zeros(300), seed=seed)
    c.site_cells = np.array([12 * c.side + 12])
    armed, peaceful = slice(0, 30), slice(30, 300)
    distance = np.vectorize(lambda cell: site_distance(c, cell))
    start = distance(c.pos[: c.n])
    for _ in range(10):
        c.step(rules(movement=True))
    assert (c.state == ACTIVE).all()
    end = distance(c.pos[: c.n])
    assert end[armed].mean() < 0.5 * start[armed].mean()
    assert abs(end[peaceful].mean() - start[peaceful].mean()) < 0.15 * start[peaceful].mean()


def test_batches_let_citizens_see_only_the_start_of_their_batch() -> None:
    """One batch is a synchronous update: with no police, a citizen just below threshold whose
    neighbours turn active the same day does not follow them; sequentially she may."""
    hardship = np.full(300, 0.95)  # G = 0.475 > T for everybody ...
    hardship[::2] = 0.15  # ... but these (G = 0.075) need the social signal to act
    r = dict(legitimacy=0.5, social_signal=2.0)
    sync = crowd(300, 25, 0, hardship=hardship, risk=np.zeros(300), seed=4)
    sync.step(rules(batches=1, **r))
    assert (sync.state[::2] == QUIET).all() and (sync.state[1::2] == ACTIVE).all()
    seq = crowd(300, 25, 0, hardship=hardship, risk=np.zeros(300), seed=4)
    seq.step(rules(batches=0, **r))
    assert (seq.state[::2] == ACTIVE).any()


# -- the random stream ------------------------------------------------------------------------


def test_same_seed_same_days_and_another_seed_other_days() -> None:
    def run(seed: int) -> list[np.ndarray]:
        c = crowd(seed=seed, vision=4)
        out = []
        for _ in range(5):
            s = c.step(rules(movement=True, arrests_per_unit=1, legitimacy=0.7))
            out += [c.pos.copy(), c.state.copy(), s.arrests.copy()]
        return out

    a, b, other = run(11), run(11), run(12)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(a, other, strict=True))


def test_the_stream_is_uniform() -> None:
    s = kernel.seed_stream(2024)
    u = np.array([kernel.uniform(s) for _ in range(20000)])
    assert sps.kstest(u, "uniform").pvalue > 1e-3
    draws = np.array([kernel.below(s, 7) for _ in range(7000)])
    assert sps.chisquare(np.bincount(draws, minlength=7)).pvalue > 1e-3
    assert draws.min() == 0 and draws.max() == 6
