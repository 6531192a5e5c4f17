"""The kernel updates tallies from the rows of the vision (`kernel.row_spans`) instead of the
neighbour table where it can: both must count the same cells."""

from __future__ import annotations

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
