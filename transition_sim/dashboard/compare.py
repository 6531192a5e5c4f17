"""The "Compare two" tab: the run shown (B) against the one picked in "Compare with" (A).

`compare_results` compares them as ``transition-sim compare`` compares scenarios: where
replication r of both ran with the same seed, the replications pair and differences are taken
pair by pair (`transition_sim.studies.compare.differences`, bootstrap 95% intervals); otherwise
the two samples are compared unpaired (Newcombe's interval for shares, an unpaired bootstrap for
metrics, with the same bootstrap functions). Every outcome share and every metric gets a
difference with an interval; the figures and the power hint are `transition_sim.viz.compare`'s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from dash import html

from transition_sim.dashboard.views import empty, graph, table
from transition_sim.studies.compare import (
    bootstrap_difference,
    differences,
    interval_label,
    percentile_interval,
)
from transition_sim.viz.compare import (
    Comparison,
    difference_chart,
    metric_differences,
    power,
    power_text,
)
from transition_sim.viz.figures import compare_fans, metrics_table, outcome_chart, share_entry
from transition_sim.viz.results import Results
from transition_sim.viz.stats import outcome_names, share_difference

SEED = 0  # the bootstrap's seed: the same comparison always gives the same intervals
RESERVED = ("replication", "seed", "outcome", "error", "point")

__all__ = ["compare_results", "compare_view"]


def _common(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Replications run with the same seed in both runs tables."""
    merged = a[["replication", "seed"]].merge(b[["replication", "seed"]], on="replication")
    return merged[merged["seed_x"] == merged["seed_y"]]


def compare_results(a: Results, b: Results) -> Comparison:
    """B − A (``b`` is the run shown, ``a`` the reference)."""
    outcomes = outcome_names([a.summary, b.summary])
    if a.runs is None or b.runs is None:
        return _from_summaries(a, b, outcomes)
    metrics = [m for m in a.runs.columns if m in b.runs.columns and m not in RESERVED]
    n = (len(a.runs), len(b.runs))
    common = _common(a.runs, b.runs)
    if len(common) >= 2:
        keep = common["replication"]
        runs = pd.concat(
            [
                a.runs[a.runs["replication"].isin(keep)].assign(point=0),
                b.runs[b.runs["replication"].isin(keep)].assign(point=1),
            ],
            ignore_index=True,
        ).assign(error=None)
        entry = differences(runs, ["A", "B"], outcomes, metrics, SEED)["B"]
        return Comparison(True, len(common), n, entry["outcomes"], entry["metrics"])
    return _unpaired(a, b, outcomes, metrics, n)


def _from_summaries(a: Results, b: Results, outcomes: list[str]) -> Comparison:
    n = (int(a.summary.get("replications", 0)), int(b.summary.get("replications", 0)))
    return Comparison(False, 0, n, _newcombe(a, b, outcomes, n), {})


def _newcombe(
    a: Results, b: Results, outcomes: list[str], n: tuple[int, int]
) -> dict[str, dict[str, Any]]:
    out = {}
    for name in outcomes:
        ea, eb = share_entry(a.summary, name), share_entry(b.summary, name)
        d, lo, hi = share_difference(ea, eb)
        pa, pb = float(ea["share"]), float(eb["share"])
        se = math.sqrt(pa * (1 - pa) / max(n[0], 1) + pb * (1 - pb) / max(n[1], 1))
        ci = [lo, hi]
        out[name] = {
            "diff": d,
            "ci95": ci,
            "paired": False,
            "se_unpaired": se,
            "label": interval_label(ci),
        }
    return out


def _unpaired(
    a: Results, b: Results, outcomes: list[str], metrics: list[str], n: tuple[int, int]
) -> Comparison:
    """Runs with different seeds: Newcombe for shares, an unpaired bootstrap for metrics."""
    rng = np.random.default_rng(SEED)
    out: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        x = a.runs[metric].to_numpy(dtype=float)  # type: ignore[index]
        y = b.runs[metric].to_numpy(dtype=float)  # type: ignore[index]
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if len(x) < 2 or len(y) < 2:
            out[metric] = {
                "paired": False,
                "n": [len(x), len(y)],
                "label": "undefined in too many runs",
            }
            continue
        entry: dict[str, Any] = {"paired": False, "n": [len(x), len(y)]}
        for name, stat in (
            ("median", lambda v: np.median(v, axis=-1)),
            ("mean", lambda v: v.mean(axis=-1)),
        ):
            ci = percentile_interval(bootstrap_difference(stat, x, y, False, rng))
            entry[f"{name}_diff"] = float(stat(y) - stat(x))
            entry[f"{name}_ci95"] = ci
            entry[f"{name}_label"] = interval_label(ci)
        out[metric] = entry
    return Comparison(False, 0, n, _newcombe(a, b, outcomes, n), out)


def compare_view(shown: Results, reference: Results | None) -> html.Div:
    """The results shown against the reference ("Compare with"): differences are shown minus
    reference, so a run after an edit reads as the edit's effect."""
    if reference is None:
        return empty(
            "Choose a second set of results",
            "Pick results in “Compare with” above: a saved folder (--results) or an earlier"
            " run of this session. Each run here is kept, so run a scenario, change a value,"
            " run again, and compare.",
        )
    comparison = compare_results(reference, shown)
    both = [reference, shown]
    parts: list[Any] = [
        html.H3(["B: ", html.Span(shown.name, id="compare-b-name")], className="compare-head"),
        html.H3(
            ["A (compared with): ", html.Span(reference.name, id="compare-a-name")],
            className="compare-head",
        ),
        html.Div(
            "Paired by seed: replication r of both runs used the same seed."
            if comparison.paired
            else "Not paired: the runs do not share seeds (compare runs with the same seed to"
            " pair them and narrow the intervals).",
            className="note",
            id="compare-pairing",
        ),
        html.Div(power_text(power(comparison)), className="note power", id="power-hint"),
        graph(difference_chart(reference, shown, comparison), "compare-difference"),
        graph(outcome_chart(both), "compare-outcomes"),
    ]
    if comparison.metrics:
        parts += [
            html.H3("Metric differences, B − A, with 95% intervals"),
            table(metric_differences(comparison), "compare-metrics", page_size=40),
        ]
    parts += [
        html.H3("Metrics side by side (A: compared with, B: shown)"),
        table(metrics_table(both), page_size=40),
    ]
    parts += [graph(fig) for fig in compare_fans(both)]
    return html.Div(parts)
