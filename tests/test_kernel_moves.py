"""The kernel's move: uniform over the empty cells in vision (three candidates per random draw,
the first empty taken, `kernel.CANDIDATE_BITS`), the scan when the draws find none, and the
same moves from the same seed."""

from __future__ import annotations

import numpy as np
from scipy import stats

from transition_sim.core import kernel
from transition_sim.core.crowd import CrowdRules, RegionCrowd

SIDE, VISION = 9, 2  # von Neumann radius 2: 12 cells in vision
CORNER = 8  # row 0, column 8: most of its vision wraps around the torus
BLOCKER = 10**6  # an occupant that is no agent: it never moves
MOVES = 6000
ALPHA = 1e-3


def rules() -> CrowdRules:
    return CrowdRules(
        legitimacy=0.5, threshold=0.1, arrest_constant=2.3, max_jail_term=10, movement=True,
        batches=0, social_signal=0.0, contagion_signal=0.0, memory_effect=0.0, memory_gain=0.0,
        memory_decay=0.0, crime_drive=0.0, arrests_per_unit=0,
    )  # fmt: skip


def lone_unit(empty: list[int], seed: int = 0, side: int = SIDE, vision: int = VISION):
    """A region whose one agent, a unit standing aside (no tallies, no arrests), is on `CORNER`,
    with every other cell blocked except the vision cells `empty` (indices into its vision)."""
    rng = np.random.default_rng(seed)
    no = np.zeros(0)
    c = RegionCrowd(rng, side, 0, np.zeros(1, dtype=np.int64), no, no, no, vision, "von_neumann")
    c.unit_deters[:] = False
    c.recount()
    c.occupant[:] = BLOCKER
    c.occupant[c.neighbors[CORNER, empty]] = -1
    c.occupant[CORNER], c.pos[0] = 0, CORNER
    return c


def kernel_moves(c: RegionCrowd, moves: int) -> np.ndarray:
    """Where the unit moves, `moves` times, put back on `CORNER` after each."""
    targets = np.empty(moves, dtype=np.int64)
    r = rules()
    for i in range(moves):
        c.step(r)
        targets[i] = c.pos[0]
        c.occupant[targets[i]], c.occupant[CORNER], c.pos[0] = -1, 0, CORNER
    return targets


def biased_moves(c: RegionCrowd, moves: int) -> np.ndarray:
    """A planted bug: of each draw's three candidates, the empty one listed first in the vision
    (not the first drawn), so that cells early in the vision are favoured."""
    vision, k, mask = c.neighbors[CORNER], c.neighbors.shape[1], kernel.CANDIDATE_MASK
    bits = kernel.CANDIDATE_BITS
    targets = np.empty(moves, dtype=np.int64)
    for i in range(moves):
        while True:
            word = int(kernel._next(c.stream))
            fields = (word >> 43, (word >> 22) & mask, (word >> 1) & mask)
            empty = [j for f in fields if c.occupant[vision[j := f * k >> bits]] < 0]
            if empty:
                targets[i] = vision[min(empty)]
                break
    return targets


def uniformity_p(targets: np.ndarray, cells: np.ndarray) -> float:
    """Chi-square goodness-of-fit p-value of `targets` against uniform over `cells`."""
    counts = np.array([(targets == x).sum() for x in cells])
    assert counts.sum() == len(targets), "a move went to a cell that was not empty"
    return float(stats.chisquare(counts).pvalue)


def test_a_move_is_uniform_over_the_empty_cells_in_vision() -> None:
    empty = [0, 3, 4, 7, 11]  # 5 of 12: a draw's three candidates often hold two empty cells
    c = lone_unit(empty)
    assert uniformity_p(kernel_moves(c, MOVES), c.neighbors[CORNER, empty]) > ALPHA


def test_the_uniformity_test_detects_a_biased_choice_among_the_candidates() -> None:
    empty = [0, 3, 4, 7, 11]
    c = lone_unit(empty)
    assert uniformity_p(biased_moves(c, MOVES), c.neighbors[CORNER, empty]) < ALPHA


def draws(before: np.ndarray, after: np.ndarray, most: int = 100) -> int:
    """How many numbers the stream drew to go from state `before` to `after`."""
    s = before.copy()
    for i in range(most):
        if np.array_equal(s, after):
            return i
        kernel._next(s)
    raise AssertionError("more draws than expected")


def test_when_the_draws_find_no_empty_cell_the_scan_does() -> None:
    """Vision radius 7 (112 cells), one empty: the 3 x `EMPTY_TRIES` candidates miss it in most
    moves (the scan then draws once more), and the move still always finds it; with none empty
    the agent stays put."""
    c = lone_unit([57], side=21, vision=7)
    scans = 0
    for _ in range(200):
        before = c.stream.copy()
        assert kernel_moves(c, 1)[0] == c.neighbors[CORNER, 57]
        scans += draws(before, c.stream) == kernel.EMPTY_TRIES + 1
    assert scans > 100
    full = lone_unit([], side=21, vision=7)
    assert (kernel_moves(full, 50) == CORNER).all()


def test_two_empty_cells_half_found_by_the_scan_are_equally_likely() -> None:
    """With 2 empty of 112, the draws miss both in 3/4 of the moves: draws and scan together
    still pick each half the time."""
    c = lone_unit([5, 90], side=21, vision=7)
    assert uniformity_p(kernel_moves(c, 2000), c.neighbors[CORNER, [5, 90]]) > ALPHA


def test_the_same_seed_gives_the_same_moves() -> None:
    runs = [kernel_moves(lone_unit([0, 3, 4, 7, 11], seed=s), 300) for s in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
