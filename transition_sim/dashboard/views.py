"""The dashboard's tabs as Dash components, built from the figures of `transition_sim.viz`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dash_table, dcc, html

from transition_sim.viz.figures import (
    FANS,
    compare_fans,
    difference_chart,
    inert,
    metrics_table,
    outcome_chart,
)
from transition_sim.viz.regions import region_heatmap, region_map
from transition_sim.viz.results import Results, Sweep
from transition_sim.viz.stats import humanize
from transition_sim.viz.sweeps import sensitivity_charts, share_chart
from transition_sim.viz.timeline import events_table, replication_choices, timeline_chart

GRAPH_CONFIG = {"displaylogo": False}
TABS = {
    "outcomes": "Outcomes",
    "time": "Over the days",
    "regions": "Regions",
    "replication": "One replication",
    "compare": "Compare two",
    "sweeps": "Sweeps & sensitivity",
}

__all__ = [
    "TABS",
    "compare_view",
    "empty",
    "graph",
    "outcomes_view",
    "regions_view",
    "replication_view",
    "sweep_view",
    "sweeps_view",
    "table",
    "time_view",
]


def graph(fig: go.Figure, id_: str | dict[str, Any] | None = None) -> dcc.Graph:
    kwargs = {"id": id_} if id_ is not None else {}
    return dcc.Graph(figure=inert(fig), config=GRAPH_CONFIG, className="graph", **kwargs)


def table(frame: pd.DataFrame, id_: str | None = None, page_size: int = 25) -> Any:
    kwargs = {"id": id_} if id_ is not None else {}
    return dash_table.DataTable(
        data=frame.astype(str).to_dict("records"),
        columns=[{"name": c, "id": c} for c in frame.columns],
        page_size=page_size,
        style_cell={
            "textAlign": "left",
            "whiteSpace": "normal",
            "height": "auto",
            "fontFamily": "inherit",
            "fontSize": "0.9em",
        },
        style_header={"fontWeight": "bold"},
        **kwargs,
    )


def empty(title: str, *lines: Any) -> html.Div:
    """A clearly marked empty state: what is missing and how to get it."""
    return html.Div([html.H3(title), *[html.P(line) for line in lines]], className="empty")


def notes(results: Results) -> list[html.Div]:
    return [html.Div(note, className="note") for note in results.notes]


def _needs_timeseries(results: Results) -> html.Div | None:
    if results.timeseries is None:
        return empty(
            "No time series in this folder",
            "This view needs timeseries.parquet, which this run did not keep (for example"
            " `--keep summary`). Run the scenario again here, or with `transition-sim run`"
            " keeping every table.",
        )
    return None


def outcomes_view(results: Results) -> html.Div:
    parts: list[Any] = [
        *notes(results),
        # layout.meta names the folder drawn, so a page (or a test) can tell runs apart
        graph(
            outcome_chart([results]).update_layout(meta={"folder": str(results.path)}),
            "outcome-chart",
        ),
        html.P(
            [
                "Files: ",
                html.Code(str(results.path), id="results-folder"),
                " (for `transition-sim report`)",
            ],
            className="hint",
        ),
    ]
    if results.summary.get("metrics"):
        parts += [html.H3("Metrics per replication"), table(metrics_table([results]))]
    return html.Div(parts)


def time_view(results: Results) -> html.Div:
    missing = _needs_timeseries(results)
    if missing:
        return missing
    return html.Div([graph(build(results), f"fan-{key}") for key, build in FANS.items()])


def regions_view(results: Results) -> html.Div:
    missing = _needs_timeseries(results)
    if missing:
        return missing
    return html.Div(
        [graph(region_map(results), "region-map"), graph(region_heatmap(results), "region-heatmap")]
    )


def replication_view(results: Results) -> html.Div:
    choices = replication_choices(results)
    if not choices or (results.events is None and results.timeseries is None):
        return empty(
            "No per-replication tables in this folder",
            "The timeline needs events.parquet or timeseries.parquet.",
        )
    return html.Div(
        [
            html.Label("Replication", htmlFor="replication"),
            dcc.Dropdown(
                id="replication",
                options=[{"label": text, "value": r} for r, text in choices],
                value=choices[0][0],
                clearable=False,
            ),
            html.Div(id="replication-detail"),
        ]
    )


def replication_detail(results: Results, replication: int) -> html.Div:
    parts: list[Any] = [graph(timeline_chart(results, replication), "timeline")]
    if results.events is not None:
        parts += [
            html.H3(f"Events of replication {replication}"),
            table(events_table(results, replication), "events-table"),
        ]
    return html.Div(parts)


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
    both = [reference, shown]
    parts: list[Any] = [
        graph(outcome_chart(both), "compare-outcomes"),
        graph(difference_chart(reference, shown), "compare-difference"),
        html.H3("Metrics side by side (A: compared with, B: shown)"),
        table(metrics_table(both)),
    ]
    parts += [graph(fig) for fig in compare_fans(both)]
    return html.Div(parts)


def sweeps_view(sweeps: dict[str, Sweep]) -> html.Div:
    if not sweeps:
        return empty(
            "No sweep or sensitivity results open",
            "This view shows the output folders of parameter sweeps and of Morris and Sobol"
            " studies: outcome shares over two swept parameters as a heat map, and the"
            " sensitivity indices.",
            "Start the dashboard with `--results DIR` pointing at such a folder (it holds"
            " points.parquet, and sensitivity.json for Morris or Sobol).",
        )
    first = next(iter(sweeps))
    return html.Div(
        [
            html.Label("Sweep or study", htmlFor="sweep"),
            dcc.Dropdown(
                id="sweep",
                options=[{"label": s.label, "value": k} for k, s in sweeps.items()],
                value=first,
                clearable=False,
            ),
            html.Div(id="sweep-controls"),
            html.Div(id="sweep-detail"),
        ]
    )


def sweep_controls(sweep: Sweep) -> list[Any]:
    """Pickers for the heat map: outcome, x and y parameters."""
    if sweep.points is None or not sweep.parameters:
        return []
    params = [{"label": p, "value": p} for p in sweep.parameters]
    pickers = [
        (
            "outcome",
            "Outcome",
            [{"label": humanize(o), "value": o} for o in sweep.outcomes],
            sweep.outcomes[0] if sweep.outcomes else None,
        ),
        ("x", "Horizontal axis", params, sweep.parameters[0]),
    ]
    if len(sweep.parameters) > 1:
        pickers.append(("y", "Vertical axis", params, sweep.parameters[1]))
    return [
        html.Label(
            [
                text,
                dcc.Dropdown(
                    id={"type": "sweep-pick", "name": name},
                    options=options,
                    value=value,
                    clearable=False,
                ),
            ],
            className="picker",
        )
        for name, text, options, value in pickers
    ]


def sweep_view(sweep: Sweep, outcome: str | None, x: str | None, y: str | None) -> html.Div:
    parts: list[Any] = [html.Div(n, className="note") for n in sweep.notes]
    if sweep.points is not None and sweep.parameters and outcome:
        if x == y:
            parts.append(html.Div("Choose two different parameters.", className="note"))
        else:
            parts.append(graph(share_chart(sweep, outcome, x, y), "sweep-heatmap"))
    charts = sensitivity_charts(sweep)
    parts += [graph(fig, {"type": "sensitivity", "index": i}) for i, fig in enumerate(charts)]
    if len(parts) == len(sweep.notes):
        parts.append(
            empty(
                "Nothing to show in this folder",
                "It has neither points over varied parameters nor sensitivity indices.",
            )
        )
    return html.Div(parts)
