"""Reduce an ensemble to what a reader needs: outcome shares with CIs, metric quantiles.

The summary is a plain JSON-ready dict (it is written to ``summary.json`` and printed by
``transition-sim run --json``), so its shape is a contract:

    {"scenario": name, "replications": n, "seed": base_seed,
     "outcomes": {name: {"share": x, "ci95": [lo, hi]}},
     "metrics": {name: {"median": m, "p05": a, "p95": b, "n": count}}}

Metrics are summarized over the runs where they are defined (finite, i.e. not NaN); ``n`` says
how many.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from transition_sim.ensemble.runner import Ensemble

try:
    from transition_sim.core.outcomes import OUTCOMES
except ImportError:  # the core may not be importable yet; the names are a stable contract
    OUTCOMES: tuple[str, ...] = (
        "incumbent_holds",
        "power_sharing",
        "insider_takeover",
        "rival_restoration",
        "popular_transition",
        "unresolved",
    )

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
RUN_COLUMNS = ("replication", "seed", "outcome")

__all__ = [
    "OUTCOMES",
    "Z95",
    "render_summary",
    "summarize",
    "summarize_runs",
    "wilson_interval",
]


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial share k/n.

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate at k = 0 or
    k = n, which matters for rare outcomes. With n = 0 nothing is known: (0, 1).
    """
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n (got k={k}, n={n})")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def _outcome_summary(outcomes: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Every known outcome (even at share 0), then any unexpected ones, so shares add to 1."""
    n = len(outcomes)
    counts: dict[str, int] = dict.fromkeys(names, 0)
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return {
        name: {"share": k / n if n else 0.0, "ci95": list(wilson_interval(k, n))}
        for name, k in counts.items()
    }


def _metric_summary(values: np.ndarray) -> dict[str, float | int | None]:
    """Median and 5th/95th percentiles over the defined (finite) values; nulls if none."""
    defined = values[np.isfinite(values)]
    if defined.size == 0:
        return {"median": None, "p05": None, "p95": None, "n": 0}
    p05, median, p95 = np.percentile(defined, [5, 50, 95])
    return {"median": float(median), "p05": float(p05), "p95": float(p95), "n": int(defined.size)}


def summarize_runs(
    runs: pd.DataFrame, scenario: str, seed: int, outcomes: Sequence[str] = OUTCOMES
) -> dict[str, Any]:
    """The JSON-ready summary (shape in the module docstring) of a runs table: one row per
    run, ``outcome`` and one column per metric (plus ``replication`` and ``seed``)."""
    metric_columns = [c for c in runs.columns if c not in RUN_COLUMNS]
    return {
        "scenario": scenario,
        "replications": len(runs),
        "seed": seed,
        "outcomes": _outcome_summary(runs["outcome"].tolist(), outcomes),
        "metrics": {
            name: _metric_summary(runs[name].to_numpy(dtype="float64", na_value=np.nan))
            for name in metric_columns
        },
    }


def summarize(ensemble: Ensemble, outcomes: Sequence[str] = OUTCOMES) -> dict[str, Any]:
    """The JSON-ready summary of ``ensemble`` (shape in the module docstring)."""
    return summarize_runs(ensemble.runs, ensemble.scenario.name, ensemble.base_seed, outcomes)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.4g}"


def _outcomes_table(summary: dict[str, Any]) -> Table:
    table = Table(
        title=f"Outcomes ({summary['replications']} replications, seed {summary['seed']})"
    )
    table.add_column("outcome")
    table.add_column("share", justify="right")
    table.add_column("95% CI", justify="right")
    for name, entry in summary["outcomes"].items():
        lo, hi = entry["ci95"]
        table.add_row(name, _pct(entry["share"]), f"{_pct(lo)} – {_pct(hi)}")
    return table


def _metrics_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Metrics")
    table.add_column("metric")
    for heading in ("median", "p5", "p95", "runs"):
        table.add_column(heading, justify="right")
    for name, entry in summary["metrics"].items():
        table.add_row(
            name, _num(entry["median"]), _num(entry["p05"]), _num(entry["p95"]), str(entry["n"])
        )
    return table


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """Print ``summary`` as two rich tables: outcomes (share, 95% CI) and metrics quantiles."""
    console.print(Text(summary["scenario"], style="bold"))
    console.print(_outcomes_table(summary))
    if summary["metrics"]:
        console.print(_metrics_table(summary))
