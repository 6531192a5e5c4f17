"""Two ensembles compared: the chart of outcome-share differences, the table of metric
differences and the power hint, from a `Comparison` (B − A of every outcome share and metric with
its 95% interval, as ``transition-sim compare`` computes them; the dashboard makes it with
`transition_sim.dashboard.compare.compare_results`, as studies sit above this layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from transition_sim.viz.figures import PALETTE, style
from transition_sim.viz.results import Results
from transition_sim.viz.stats import humanize
from transition_sim.viz.units import metric_label, shown_difference

# Two-sided 5% level and 80% power: a difference is detected when it is this many standard
# errors (1.96 + 0.84) away from 0.
DETECT = 2.8016
TARGET = 0.05  # the power hint's "how many replications would detect 5 points"

__all__ = [
    "Comparison",
    "Power",
    "difference_chart",
    "metric_differences",
    "power",
    "power_text",
]


@dataclass(frozen=True)
class Comparison:
    """B − A for every outcome share and metric (entries as `differences` gives them)."""

    paired: bool
    pairs: int  # replications with the same seed in both (0 if unpaired)
    n: tuple[int, int]  # replications of A and of B
    outcomes: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Power:
    replications: int
    detectable: float  # the smallest share difference detected with 80% power (0 to 1)
    needed: int  # replications that would detect TARGET
    basis: str  # where the spread comes from, in words


def power(comparison: Comparison) -> Power:
    """What these replications can detect in an outcome share: the smallest difference found
    with 80% power at the 5% level, for the outcome whose difference is noisiest, and the
    replications that would detect 5 points. The spread is the paired differences' where they
    vary; where no replication changed outcome, or for unpaired runs, it is that of two
    independent runs at the observed shares (at least that of a 50% share's, if none vary)."""
    n = comparison.pairs if comparison.paired else min(comparison.n)
    n = max(n, 1)
    key = "se_paired" if comparison.paired else "se_unpaired"
    spreads = [e.get(key) for e in comparison.outcomes.values() if e]
    spreads = [s for s in spreads if s]
    if spreads:
        se = max(spreads)
        basis = (
            "the spread of the paired differences (same seeds)"
            if comparison.paired
            else "the spread of two independent runs at these shares"
        )
    else:
        se = math.sqrt(2 * 0.25 / n)
        basis = "two independent runs at a 50% share (no replication changed outcome)"
    detectable = DETECT * se
    needed = math.ceil(n * (detectable / TARGET) ** 2)
    return Power(n, detectable, max(needed, 1), basis)


def power_text(p: Power) -> str:
    return (
        f"With {p.replications:,} replications{' in pairs' if 'paired' in p.basis else ''}, an"
        f" outcome share has to move by about {100 * p.detectable:.0f} percentage points to be"
        f" detected (80% power at the 5% level; from {p.basis}, for the noisiest outcome)."
        f" Detecting a 5-point difference would take about {p.needed:,} replications."
    )


def _method(comparison: Comparison) -> str:
    if comparison.paired:
        return (
            f"paired: {comparison.pairs:,} replications ran with the same seed in both, so"
            " differences are taken pair by pair (bootstrap 95% intervals), as `transition-sim"
            " compare` does"
        )
    return (
        "unpaired: the runs do not share seeds, so the two samples are compared independently"
        " (Newcombe's 95% interval for shares, a bootstrap for metrics)"
    )


def difference_chart(a: Results, b: Results, comparison: Comparison) -> go.Figure:
    """B's outcome shares minus A's, in percentage points, with the comparison's intervals."""
    names = list(comparison.outcomes)
    entries = [comparison.outcomes[n] or {"diff": 0.0, "ci95": [0.0, 0.0]} for n in names]
    d = [100 * e["diff"] for e in entries]
    lo = [100 * e["ci95"][0] for e in entries]
    hi = [100 * e["ci95"][1] for e in entries]
    fig = go.Figure(
        go.Bar(
            y=[humanize(n) for n in names],
            x=d,
            orientation="h",
            marker_color=[PALETTE[1] if v < 0 else PALETTE[3] for v in d],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - v for v, h in zip(d, hi, strict=True)],
                "arrayminus": [v - low for v, low in zip(d, lo, strict=True)],
                "color": "#444",
            },
            text=[
                f"{v:+.0f} ({low:+.0f} to {h:+.0f})" for v, low, h in zip(d, lo, hi, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:+.1f} percentage points<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=0, line_color="#888")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(meta={"paired": comparison.paired, "pairs": comparison.pairs})
    return style(
        fig,
        f"Difference in outcome shares: B ({b.name}) minus A ({a.name})",
        "bars: B − A in percentage points; whiskers and brackets: 95% interval,"
        f" {_method(comparison)}; an interval that spans 0 is no evidence of a difference",
        x="difference in share of replications (percentage points)",
        height=140 + 45 * len(names),
    )


def _interval_text(metric: str, entry: dict[str, Any], stat: str) -> str:
    if f"{stat}_diff" not in entry:
        return "–"
    lo, hi = entry[f"{stat}_ci95"]
    return (
        f"{shown_difference(metric, entry[f'{stat}_diff'])} (95%:"
        f" {shown_difference(metric, lo)} to {shown_difference(metric, hi)})"
    )


def metric_differences(comparison: Comparison) -> pd.DataFrame:
    """One row per metric: B − A of the medians and of the means, each with its interval, the
    runs compared and the verdict."""
    rows = []
    for metric, e in comparison.metrics.items():
        n = e.get("n")
        runs = f"{n:,} pairs" if isinstance(n, int) else f"{n[0]:,} and {n[1]:,} runs"
        rows.append(
            {
                "metric": metric_label(metric),
                "B − A, median": _interval_text(metric, e, "median"),
                "B − A, mean": _interval_text(metric, e, "mean"),
                "compared": runs + (" (paired)" if e.get("paired") else " (unpaired)"),
                "verdict": e.get("median_label", e.get("label", "")),
            }
        )
    return pd.DataFrame(rows)
