"""Distances of simulated runs from a documented pattern, each about 0 (on the record) to 1.

Shared by the Kazakhstan calibration (`experiments/calibration/calibrate_kazakhstan.py`) and the
fit across the library (`transition_sim.studies.fit`), so both score the record the same way.
Plain functions over numbers and pandas Series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["log_distance", "log_error", "relative_error", "window_miss"]


def log_error(median: float, target: float) -> float:
    """|log10(median + 1) - log10(target)|: orders of magnitude from a count (``target`` > 0)."""
    return float(abs(np.log10(median + 1) - np.log10(target)))


def log_distance(x: float, bounds: tuple[float, float]) -> float:
    """Orders of magnitude from ``x`` to the range ``bounds`` (0 inside it); values below 1 count
    as 1, so a range [0, 1] reads "none" (a toll of 0 or 1 is on it, 10 is one order off)."""
    low, high = max(bounds[0], 1.0), max(bounds[1], 1.0)
    x = max(x, 1.0)
    return float(max(np.log10(low / x), np.log10(x / high), 0.0))


def window_miss(values: pd.Series, bounds: tuple[float, float]) -> float:
    """The share of runs whose value is outside [low, high] (undefined values are outside)."""
    return 1 - float(values.between(*bounds).mean())


def relative_error(values: pd.Series, target: float) -> float:
    """|median - target| / target over the runs where the value is defined, at most 1 (and 1 if
    it is defined in none)."""
    if not values.notna().any():
        return 1.0
    return float(min(abs(np.nanmedian(values) - target) / target, 1.0))
