"""The kernel updates tallies from the rows of the vision (`kernel.row_spans`) instead of the
neighbour table where it can: both must count the same cells."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from transition_sim.core import kernel
from transition_sim.core.crowd import neighbor_table, neighborhood_offsets


@pytest.mark.parametrize("shape", ["von_neumann", "moore"])
@pytest.mark.parametrize(("radius", "side"), [(1, 3), (1, 5), (2, 5), (3, 7), (7, 15), (7, 22)])
def test_rows_count_the_cells_of_the_table(shape: str, radius: int, side: int) -> None:
    offsets = neighborhood_offsets(radius, shape, side)
    table = neighbor_table(radius, shape, side)
    dxs, widths, ok = kernel.row_spans(offsets, side)
    assert ok
    for cell in range(side * side):
        by_table = np.zeros(side * side, dtype=np.int32)
        by_rows = np.zeros(side * side, dtype=np.int32)
        kernel._tally.py_func(by_table, table, cell, 1)
        kernel._tally_rows.py_func(by_rows, dxs, widths, side, cell, 1)
        assert np.array_equal(by_rows, by_table), cell


@pytest.mark.parametrize(("radius", "side"), [(2, 4), (7, 10), (7, 14)])
def test_rows_are_refused_where_offsets_wrap_onto_each_other(radius: int, side: int) -> None:
    offsets = neighborhood_offsets(radius, "von_neumann", side)
    assert not kernel.row_spans(offsets, side)[2]


@numba.njit
def _window_mismatches(table: np.ndarray, bits: np.ndarray, side: int) -> tuple[int, int]:
    """Moves from every cell to every cell in its vision: (moves whose tallies by windows
    differ from the table's, moves done by windows)."""
    size = side * side
    by_table = np.zeros(size, dtype=np.int32)
    by_window = np.zeros(size, dtype=np.int32)
    bad = done = 0
    for old in range(size):
        for j in range(table.shape[1]):
            new = table[old, j]
            by_table[:] = 0
            by_window[:] = 0
            kernel._shift(by_table, table, old, new)
            if kernel._shift_window(by_window, bits, side, kernel.reciprocal(side), old, new):
                done += 1
                bad += not np.array_equal(by_window, by_table)
    return bad, done


@pytest.mark.parametrize("shape", ["von_neumann", "moore"])
# sides up to kernel.WINDOW: a row's spans rotated into one operation; above: a window of the
# row, cut in two where it wraps
@pytest.mark.parametrize(
    ("radius", "side"), [(1, 3), (2, 5), (3, 7), (7, 15), (7, 23), (10, 31), (7, 33), (3, 40)]
)
def test_a_move_by_windows_shifts_the_cells_of_the_table(
    shape: str, radius: int, side: int
) -> None:
    offsets = neighborhood_offsets(radius, shape, side)
    table = neighbor_table(radius, shape, side)
    dxs, widths, ok = kernel.row_spans(offsets, side)
    bits = kernel.row_bits(dxs, widths)
    assert ok and len(bits) > 0
    bad, done = _window_mismatches(table, bits, side)
    assert bad == 0
    assert done > 0  # windows wider than the torus are refused, not every one


def test_rows_too_wide_for_a_window_have_no_masks() -> None:
    offsets = neighborhood_offsets(11, "von_neumann", 40)
    dxs, widths, ok = kernel.row_spans(offsets, 40)
    assert ok and len(kernel.row_bits(dxs, widths)) == 0


@numba.njit
def _division_mismatches(side: int, cells: np.ndarray) -> int:
    magic = kernel.reciprocal(side)
    bad = 0
    for c in cells:
        bad += kernel._row_col_by(c, side, magic) != (c // side, c % side)
    return bad


@pytest.mark.parametrize("side", [*range(1, 130), 1000, 4096, 10320, kernel.MAX_SIDE])
def test_row_and_column_by_multiplication_are_the_division(side: int) -> None:
    size = side * side
    cells = np.unique(np.r_[np.arange(min(size, 20_000)), np.arange(max(0, size - 20_000), size)])
    assert _division_mismatches(side, cells.astype(np.int64)) == 0
