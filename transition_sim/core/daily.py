"""Compiled helpers of the model's day: each does what a dozen small array operations did, in
one call, with the same operations in the same order (the same floats, the same counts).

- `exposure`: the security factions' exposure to peaceful crowds (`TransitionModel._exposure`,
  [A-loyalty-crowd-pressure]): gathers, a division, a cap at 1, a product, sums over units in
  unit order and then over regions in region order.
- `site_forces`: who is near a strategic site (`RegionCrowd.site_forces`), as counts.
"""

from __future__ import annotations

import numpy as np

# numba, with the cache folder kernel chose
from transition_sim.core.kernel import ACTIVE, PEACEFUL, numba

__all__ = ["exposure", "site_forces"]


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


@numba.njit(cache=True)
def site_forces(
    window: np.ndarray,
    occupant: np.ndarray,
    n: int,
    kind: np.ndarray,
    state: np.ndarray,
    unit_deters: np.ndarray,
    unit_faction: np.ndarray,
    turned_faction: np.ndarray,
) -> tuple[int, int, int]:
    """On the cells of ``window`` (citizens are agents 0..n-1, units n..): armed actives, units
    that do not deter and whose faction has turned (``turned_faction`` by faction index, the
    patron's last, at -1), and deterring units."""
    rebels = turned = defenders = 0
    for c in window:
        o = occupant[c]
        if o >= n:
            u = o - n
            if unit_deters[u]:
                defenders += 1
            else:
                f = unit_faction[u]
                if turned_faction[f if f >= 0 else f + turned_faction.shape[0]]:
                    turned += 1
        elif o >= 0 and state[o] == ACTIVE and kind[o] != PEACEFUL:
            rebels += 1
    return rebels, turned, defenders
