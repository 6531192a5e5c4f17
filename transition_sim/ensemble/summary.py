"""Reduce an ensemble to what a reader needs: outcome shares with CIs, metric quantiles.

The summary is a plain JSON-ready dict (it is written to ``summary.json`` and printed by
``transition-sim run --json``), so its shape is a contract:

    {"scenario": name, "replications": n, "seed": base_seed,
     "outcomes": {name: {"share": x, "ci95": [lo, hi]}},
     "metrics": {name: {"median": m, "p05": a, "p95": b, "n": count}}}

Metrics are summarized over the runs where they are defined (finite, i.e. not NaN); ``n`` says
how many. A metric is a column of numbers (integers, floats, booleans, or nulls only): other
columns (timestamps, durations, text) are not summarized, the same for Arrow and pandas tables.

With parameters drawn from priors (`uncertainty.Uncertainty`), shares and quantiles are over
seeds and parameters together, and the summary adds ``"uncertainty": {"mode": "prior",
"seeds_per_draw": k, "draws": g, ...}`` and, per outcome, ``"variance_share": {"parameters": x,
"seeds": y}``: the law of total variance of the outcome's indicator, split between draws
(parameter uncertainty) and within them (seed noise), by one-way ANOVA over the draws (null
with one seed per draw, which cannot tell them apart, or when the outcome never varies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from rich.console import Console
from rich.table import Table
from rich.text import Text

from transition_sim.ensemble.runner import Ensemble
from transition_sim.ensemble.uncertainty import Uncertainty, describe, draw_of

if TYPE_CHECKING:
    import pandas as pd

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


def variance_split(values: np.ndarray, groups: np.ndarray) -> dict[str, float] | None:
    """The variance of ``values`` between the ``groups`` (parameter draws) and within them
    (seeds), by one-way random-effects ANOVA: within = the mean square within groups, between =
    (mean square between - within) / n0, at least 0. None if that cannot be told (fewer than two
    groups, no group with two values) or nothing varies.

    Returns ``{"parameters", "seeds", "total"}`` as variances (total = their sum, an unbiased
    estimate of the variance of one run)."""
    labels, index = np.unique(groups, return_inverse=True)
    g, n = len(labels), len(values)
    if g < 2 or n <= g:
        return None
    counts = np.bincount(index)
    means = np.bincount(index, weights=values) / counts
    within = float(((values - means[index]) ** 2).sum() / (n - g))
    ss_between = float((counts * (means - values.mean()) ** 2).sum())
    n0 = (n - (counts**2).sum() / n) / (g - 1)
    between = max(0.0, (ss_between / (g - 1) - within) / n0)
    if within + between <= 0:
        return None
    return {"parameters": between, "seeds": within, "total": between + within}


def _variance_shares(
    outcomes: Sequence[str], names: Sequence[str], groups: np.ndarray
) -> dict[str, dict[str, float] | None]:
    observed = np.asarray(outcomes)
    out: dict[str, dict[str, float] | None] = {}
    for name in names:
        split = variance_split((observed == name).astype("float64"), groups)
        out[name] = (
            None
            if split is None
            else {k: split[k] / split["total"] for k in ("parameters", "seeds")}
        )
    return out


def _values(runs: pa.Table | pd.DataFrame, name: str) -> list[Any]:
    """A column of a runs table, Arrow or pandas, as Python values."""
    if isinstance(runs, pa.Table):
        return runs.column(name).to_pylist()  # not `to_numpy`: it imports pandas
    return runs[name].tolist()


def _is_metric(runs: pa.Table | pd.DataFrame, name: str) -> bool:
    """Whether a column holds numbers (integers, floats, booleans, or only nulls), Arrow or
    pandas alike: a timestamp's pandas value is nanoseconds (NaT the smallest integer), an
    Arrow one a datetime; neither is a number to take quantiles of."""
    if isinstance(runs, pa.Table):
        kind = runs.schema.field(name).type
        types = pa.types
        return (
            types.is_integer(kind)
            or types.is_floating(kind)
            or types.is_boolean(kind)
            or types.is_null(kind)
        )
    column = runs[name]
    if column.dtype.kind in "biuf":
        return True
    if column.dtype.kind != "O" or column.dtype.name == "category":  # datetimes, durations...
        return False  # (a category is Arrow's dictionary, not a number either)
    # Python objects (pandas' type for a column with None in it, or of text): numbers only,
    # as Arrow would type them (a column of None is Arrow's null type)
    import pandas as pd  # loaded: ``runs`` is a DataFrame

    number = (bool, int, float, np.bool_, np.integer, np.floating)
    return all(isinstance(v, number) or v is None or v is pd.NA for v in column.tolist())


def _floats(runs: pa.Table | pd.DataFrame, name: str) -> np.ndarray:
    """A metric's column of a runs table as float64, NaN where it is missing."""
    if isinstance(runs, pa.Table):
        return np.array(runs.column(name).to_pylist(), dtype=np.float64)  # None -> NaN
    return runs[name].to_numpy(dtype="float64", na_value=np.nan)


def summarize_runs(
    runs: pa.Table | pd.DataFrame,
    scenario: str,
    seed: int,
    outcomes: Sequence[str] = OUTCOMES,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """The JSON-ready summary (shape in the module docstring) of a runs table, Arrow or pandas
    (`run` summarizes Arrow tables, without importing pandas): one row per run, ``outcome``
    and one column per metric (plus ``replication`` and ``seed``)."""
    columns = runs.column_names if isinstance(runs, pa.Table) else list(runs.columns)
    observed = _values(runs, "outcome")
    summary = {
        "scenario": scenario,
        "replications": len(runs),
        "seed": seed,
        "outcomes": _outcome_summary(observed, outcomes),
        "metrics": {
            name: _metric_summary(_floats(runs, name))
            for name in columns
            if name not in RUN_COLUMNS and _is_metric(runs, name)
        },
    }
    if uncertainty is None:
        return summary
    k = uncertainty.seeds_per_draw
    groups = np.array([draw_of(int(r), k) for r in _values(runs, "replication")], dtype="int64")
    summary["uncertainty"] = describe(uncertainty) | {"draws": len(np.unique(groups))}
    shares = _variance_shares(observed, list(summary["outcomes"]), groups)
    for name, entry in summary["outcomes"].items():
        entry["variance_share"] = shares[name] if k > 1 else None
    return summary


def summarize(ensemble: Ensemble, outcomes: Sequence[str] = OUTCOMES) -> dict[str, Any]:
    """The JSON-ready summary of ``ensemble`` (shape in the module docstring)."""
    return summarize_runs(
        ensemble.runs,
        ensemble.scenario.name,
        ensemble.base_seed,
        outcomes,
        uncertainty=ensemble.uncertainty,
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.4g}"


def _mode(summary: dict[str, Any]) -> str:
    mode = summary.get("uncertainty")
    if not mode:
        return ""  # point values: the title as it always was
    source = (
        f"the posterior's {mode['particles']} particles"
        if mode["mode"] == "posterior"
        else f"{mode['priors']} priors"
    )
    return (
        f"; parameters drawn from {source}, {mode['draws']} draws x {mode['seeds_per_draw']} seeds"
    )


def _outcomes_table(summary: dict[str, Any]) -> Table:
    table = Table(
        title=f"Outcomes ({summary['replications']} replications, seed {summary['seed']}"
        f"{_mode(summary)})"
    )
    table.add_column("outcome")
    table.add_column("share", justify="right")
    table.add_column("95% CI", justify="right")
    split = "uncertainty" in summary and summary["uncertainty"]["seeds_per_draw"] > 1
    if split:
        table.add_column("variance: parameters / seeds", justify="right")
    for name, entry in summary["outcomes"].items():
        lo, hi = entry["ci95"]
        row = [name, _pct(entry["share"]), f"{_pct(lo)} – {_pct(hi)}"]
        if split:
            share = entry.get("variance_share")
            row.append(
                "–" if share is None else f"{_pct(share['parameters'])} / {_pct(share['seeds'])}"
            )
        table.add_row(*row)
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
