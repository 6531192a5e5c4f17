"""The "Compare two" tab: the run shown (B) against the one picked in "Compare with" (A), paired
by seed as ``transition-sim compare`` pairs scenarios (`transition_sim.viz.compare`)."""

from __future__ import annotations

from typing import Any

from dash import html

from transition_sim.dashboard.views import empty, graph, table
from transition_sim.viz.compare import (
    compare_results,
    difference_chart,
    metric_differences,
    power,
    power_text,
)
from transition_sim.viz.figures import compare_fans, metrics_table, outcome_chart
from transition_sim.viz.results import Results

__all__ = ["compare_view"]


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
