"""The security factions' daily exposure to peaceful crowds, in one compiled call
(`TransitionModel._exposure`, [A-loyalty-crowd-pressure]).

The same operations in the same order as the array version it replaces (gathers, a division,
a cap at 1, a product, sums over units in unit order and then over regions in region order),
so the same floats, without a dozen small array operations a day.
"""

from __future__ import annotations

import numpy as np

from transition_sim.core.kernel import numba  # numba, with the cache folder kernel chose

__all__ = ["exposure"]


@numba.njit(cache=True)
def exposure(
    stats: np.ndarray,
    peaceful_column: int,
    first_active: int,
    pos: np.ndarray,
    actives_seen: np.ndarray,
    unit_slots: np.ndarray,
    unit_cell_at: np.ndarray,
    unit_capacity: np.ndarray,
    unit_region: np.ndarray,
    unit_bin: np.ndarray,
    unit_count: np.ndarray,
    k: int,
) -> np.ndarray:
    """Per faction (``k``), the mean over its units of how full of actives their vision is
    (capped at 1) times their region's peaceful share of today's actives (``stats``: regions x
    stats, actives by kind from ``first_active``). ``unit_bin``: region * k + faction."""
    regions = stats.shape[0]
    peaceful = np.zeros(regions)
    for r in range(regions):
        n_active = stats[r, first_active] + stats[r, first_active + 1] + stats[r, first_active + 2]
        if n_active > 0:
            peaceful[r] = float(stats[r, peaceful_column]) / float(n_active)
    parts = np.zeros(regions * k)
    for u in range(unit_slots.shape[0]):
        full = actives_seen[pos[unit_slots[u]] + unit_cell_at[u]] / unit_capacity[u]
        if full > 1.0:  # np.minimum(full, 1.0): a NaN stays NaN
            full = 1.0
        parts[unit_bin[u]] += full * peaceful[unit_region[u]]
    seen = np.zeros(k)
    for r in range(regions):  # region by region, as the tallies were always summed
        for j in range(k):
            seen[j] += parts[r * k + j]
    out = np.zeros(k)
    for j in range(k):
        if unit_count[j] > 0:
            out[j] = seen[j] / unit_count[j]
    return out
