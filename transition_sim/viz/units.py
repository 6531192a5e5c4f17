"""Numbers as tables show them: with units and thousands separators, never ``1.266e+04``.

Metric names are the model's (`transition_sim.core.model.Model.metrics`); shares (0 to 1) are
shown as percentages and their differences in percentage points.
"""

from __future__ import annotations

import math
from typing import Any

from transition_sim.viz.stats import humanize

# Metrics that are shares of 1, shown in percent.
SHARE_PREFIXES = ("power_",)
SHARES = {"peak_active_share"}
UNITS = {
    "deaths": "people",
    "detained": "people",
    "invitation_day": "day of the run",
    "camp_out_day": "day of the run",
    "days_to_order": "days",
    "resistance_days": "camp-days",
    "patron_troops": "troops",
    "legitimacy": "0 to 1",
    "liberalization": "0 to 1",
}
COUNTS = (
    "purges",
    "purges_failed",
    "coups",
    "coups_won",
    "strikes",
    "strikes_won",
    "rival_exits",
    "rivals_removed",
    "guarantees_offered",
    "office_changes",
    "protest_waves",
    "reforms_delivered",
)

__all__ = ["is_share", "metric_label", "number", "shown", "shown_difference", "unit"]


def is_share(metric: str) -> bool:
    return metric in SHARES or metric.startswith(SHARE_PREFIXES)


def unit(metric: str) -> str:
    if is_share(metric):
        return "%"
    if metric in COUNTS:
        return "count per run"
    return UNITS.get(metric, "")


def metric_label(metric: str) -> str:
    """``deaths`` -> ``deaths (people)``."""
    u = unit(metric)
    return f"{humanize(metric)} ({u})" if u else humanize(metric)


def number(value: Any, signed: bool = False) -> str:
    """``12660.0`` -> ``12,660``; ``0.5606`` -> ``0.561``; None or NaN -> ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    sign = "+" if signed else ""
    if abs(v) >= 100 or v == int(v):
        return f"{v:{sign},.0f}"
    if abs(v) >= 10:
        return f"{v:{sign},.1f}"
    return f"{v:{sign}.3g}" if abs(v) >= 1e-3 else f"{v:{sign}.2g}"


def shown(metric: str, value: Any) -> str:
    """A metric's value with its unit: ``56.1%``, ``12,660 people``, ``3``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_share(metric):
        return f"{100 * float(value):.1f}%"
    return number(value)


def shown_difference(metric: str, value: Any) -> str:
    """A difference of a metric: shares in percentage points, others signed in their unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if is_share(metric):
        return f"{100 * float(value):+.1f} points"
    return number(value, signed=True)
