"""Grid sizes and unit splits, from a scenario's numbers: shared by the schema's and feasibility
checks and by the model that builds the grids (`transition_sim.core`)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["grid_side", "split_units"]


def grid_side(urban_population: int, people_per_agent: int, citizen_density: float) -> int:
    """Side of the square torus that holds the region's citizen agents at the crowd density."""
    citizens = urban_population / people_per_agent
    return max(3, round(math.sqrt(citizens / citizen_density)))


def split_units(total: int, shares: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` units by `shares` (exact, deterministic)."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out
