"""The dashboard's tabs as Dash components, built from the figures of `transition_sim.viz`."""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dash_table, dcc, html

from transition_sim.dashboard.discovery import discovery_figures
from transition_sim.dashboard.params import parameters
from transition_sim.scenario import ScenarioError, load_scenario
from transition_sim.viz import why
from transition_sim.viz.figures import (
    FANS,
    inert,
    metrics_table,
    outcome_chart,
)
from transition_sim.viz.regions import region_heatmap, region_map
from transition_sim.viz.results import Results, Sweep
from transition_sim.viz.sensitivity_summary import output_label, summary_chart
from transition_sim.viz.stats import humanize
from transition_sim.viz.sweeps import occurring, share_chart
from transition_sim.viz.timeline import events_table, replication_choices, timeline_chart

GRAPH_CONFIG = {"displaylogo": False}
TABS = {
    "outcomes": "Outcomes",
    "time": "Over the days",
    "regions": "Regions",
    "replication": "One replication",
    "compare": "Compare two",
    "sweeps": "Sweeps & sensitivity",
    "why": "Why: by outcome",
}

__all__ = [
    "TABS",
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


def runs_picker(results: Results, id_: str) -> html.Label:
    """All runs, or the runs ending in one outcome (with their count)."""
    counts = results.runs["outcome"].value_counts() if results.runs is not None else {}
    total = len(results.runs) if results.runs is not None else "?"
    options = [{"label": f"all runs ({total})", "value": ""}]
    options += [
        {"label": f"runs ending in {humanize(str(o))} ({n})", "value": str(o)}
        for o, n in counts.items()
    ]
    return html.Label(
        ["Runs shown", dcc.Dropdown(id=id_, options=options, value="", clearable=False)],
        className="picker wide",
    )


def time_figures(results: Results, outcome: str = "") -> list[Any]:
    """The charts over the days, of every run or of the runs ending in ``outcome``, zoomed to
    the active days of the whole ensemble (the same axes whichever runs are shown)."""
    window = why.active_window(results)
    shown = why.subset(results, outcome) if outcome else results
    note = (
        html.P(
            f"Days {window[0]} to {window[1]} shown: from the first crisis day to order in 90% of"
            " runs, plus 3 days. Double-click a chart to see every day.",
            className="hint",
        )
        if window
        else None
    )
    figures = [
        graph(why.zoom(build(shown), results, window), f"fan-{key}") for key, build in FANS.items()
    ]
    return [note, *figures] if note else figures


def time_view(results: Results) -> html.Div:
    missing = _needs_timeseries(results)
    if missing:
        return missing
    return html.Div(
        [runs_picker(results, "time-outcome"), html.Div(time_figures(results), id="time-figures")]
    )


def why_view(results: Results) -> html.Div:
    """Everything split by outcome: key series by class, where classes part ways, metrics per
    class, and PRIM and a random forest on the state of the runs on a chosen day."""
    missing = _needs_timeseries(results)
    if missing or results.runs is None:
        return missing or empty("No per-replication table", "This view needs runs.parquet.")
    window = why.active_window(results)
    parts: list[Any] = [
        html.P(
            "Runs split by how they end. Where two outcomes part ways: the first day on which"
            f" one of the key series differs between their runs by more than {why.PARTED_SE:g}"
            f" standard errors of the difference of means, {why.PARTED_DAYS} days running; the"
            " events listed are those whose share of runs differs most (Fisher's exact test).",
            className="hint",
        ),
        graph(why.split_figure(results, window), "why-split"),
    ]
    parting = why.parting_table(results)
    if len(parting):
        parts += [html.H3("Where the outcomes part ways"), table(parting, "why-parting")]
        classes = why.outcome_classes(results, why.MIN_RUNS)
        for a, b in itertools.pairwise(classes):
            contrast = why.event_contrast(results, a, b)
            if len(contrast):
                parts += [
                    html.H4(f"Events: {humanize(a)} against {humanize(b)}"),
                    table(contrast, page_size=10),
                ]
    else:
        parts.append(
            html.Div(
                f"Fewer than two outcomes occur in {why.MIN_RUNS} runs or more: nothing to"
                " contrast.",
                className="note",
            )
        )
    parts += [html.H3("Metrics by outcome"), table(why.metrics_by_outcome(results))]
    classes = why.outcome_classes(results)
    if len(classes) > 1:
        day = why.first_parting_day(results)
        last = int(results.timeseries["day"].max())
        start = day if day is not None else (window[0] if window else 0)
        parts += [
            html.H3("What predicts an outcome: PRIM and a random forest"),
            html.P(
                "Each run is a case: its key series on the chosen day, and whether it ends in"
                " the outcome. The later the day, the more that state already is the outcome;"
                " the default is the first day two outcomes part ways.",
                className="hint",
            ),
            html.Div(
                [
                    html.Label(
                        [
                            "Outcome",
                            dcc.Dropdown(
                                id="why-outcome",
                                options=[{"label": humanize(c), "value": c} for c in classes],
                                value=classes[min(1, len(classes) - 1)],
                                clearable=False,
                            ),
                        ],
                        className="picker",
                    ),
                    html.Label(
                        [
                            "State on day",
                            dcc.Input(
                                id="why-day",
                                type="number",
                                min=0,
                                max=last,
                                step=1,
                                value=start,
                                className="number",
                                debounce=True,
                            ),
                        ],
                        className="picker",
                    ),
                ],
                className="pickers",
            ),
            dcc.Loading(html.Div(id="why-discovery"), delay_show=300),
        ]
    return html.Div(parts)


def discovery_block(found: dict[str, Any] | str, title: str, id_: str) -> html.Div:
    """PRIM's trajectory, the chosen box's limits and the forest's importances (or why there
    are none)."""
    if isinstance(found, str):
        return html.Div(found, className="note")
    figs = discovery_figures(found, title)
    parts: list[Any] = [graph(figs[0], f"{id_}-prim")]
    parts += [html.H4("The chosen box"), table(why.box_table(found), f"{id_}-box")]
    if len(figs) > 1:
        parts.append(graph(figs[1], f"{id_}-importance"))
    else:
        parts.append(html.Div(found["importance"].get("note", "no importances"), className="note"))
    return html.Div(parts)


def regions_view(results: Results) -> html.Div:
    missing = _needs_timeseries(results)
    if missing:
        return missing
    return html.Div(
        [runs_picker(results, "regions-outcome"), html.Div(region_figures(results), id="regions")]
    )


def region_figures(results: Results, outcome: str = "") -> list[Any]:
    """The region map and heat map of every run, or of the runs ending in ``outcome``."""
    shown = why.subset(results, outcome) if outcome else results
    return [graph(region_map(shown), "region-map"), graph(region_heatmap(shown), "region-heatmap")]


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


def watch_controls(results: Results, replication: int) -> html.Div:
    """The grid of one replication (re-run from its seed when first shown) with a day slider,
    step and play buttons; the grid itself is drawn by `why_callbacks`."""
    if results.scenario is None:
        return html.Div(
            "The grids need scenario.resolved.yaml, which this folder lacks: the replication"
            " cannot be run again.",
            className="note",
        )
    days = int(results.scenario.days)
    marks = {d: str(d) for d in range(0, days, max(1, days // 12))}
    return html.Div(
        [
            html.H3(f"Replication {replication} on its grids"),
            html.P(
                "The replication is run again from its seed (the grids are not stored), so"
                " the first view takes a moment. Click an event in the timeline below to go"
                " to its day.",
                className="hint",
            ),
            html.Div(
                [
                    html.Button("◀ day", id="watch-back"),
                    html.Button("▶ play", id="watch-play"),
                    html.Button("day ▶", id="watch-next"),
                    html.Span(id="watch-day-text", className="hint"),
                ],
                className="buttons",
            ),
            dcc.Slider(
                id="watch-day",
                min=0,
                max=max(0, days - 1),
                step=1,
                value=0,
                marks=marks,
                updatemode="mouseup",
            ),
            dcc.Interval(id="watch-timer", interval=900, disabled=True),
            dcc.Loading(html.Div(id="watch-grid"), delay_show=300),
        ],
        id="watch",
    )


def replication_detail(results: Results, replication: int) -> html.Div:
    parts: list[Any] = [
        watch_controls(results, replication),
        graph(timeline_chart(results, replication), "timeline"),
    ]
    if results.events is not None:
        parts += [
            html.H3(f"Events of replication {replication}"),
            table(events_table(results, replication), "events-table"),
        ]
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
    names, _ = sweep_names(str(sweep.path))
    params = [{"label": names.get(p, p), "value": p} for p in sweep.parameters]
    pickers = [
        (
            "outcome",
            "Outcome",
            [{"label": humanize(o), "value": o} for o in occurring(sweep)],
            next(iter(occurring(sweep)), None),
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


@lru_cache(maxsize=8)
def sweep_names(folder: str) -> tuple[dict[str, str], dict[str, float]]:
    """Readers' names (the schema's group and field, as the controls show them) and the base
    scenario's values, by dotted path, from the folder's scenario.resolved.yaml (none without
    it)."""
    path = Path(folder) / "scenario.resolved.yaml"
    if not path.is_file():
        return {}, {}
    try:
        groups = parameters(load_scenario(path))
    except (ScenarioError, OSError):
        return {}, {}
    names, values = {}, {}
    for group in groups:
        for p in group.params:
            names[p.path] = f"{group.title} › {p.title}"
            if isinstance(p.value, int | float) and not isinstance(p.value, bool):
                values[p.path] = float(p.value)
    return names, values


def sweep_view(sweep: Sweep, outcome: str | None, x: str | None, y: str | None) -> html.Div:
    parts: list[Any] = [html.Div(n, className="note") for n in sweep.notes]
    if sweep.points is not None and sweep.parameters and outcome:
        if x == y:
            parts.append(html.Div("Choose two different parameters.", className="note"))
        else:
            names, baseline = sweep_names(str(sweep.path))
            chart = share_chart(sweep, outcome, x, y, names=names, baseline=baseline)
            parts.append(graph(chart, "sweep-heatmap"))
    if sweep.points is not None and sweep.parameters and outcome:
        parts += [
            html.H3(f"Where {humanize(outcome)} is likely: PRIM and a random forest"),
            dcc.Loading(html.Div(id="sweep-discovery"), delay_show=300),
        ]
    if (sweep.sensitivity or {}).get("outputs"):
        names, _ = sweep_names(str(sweep.path))
        outputs = list(sweep.sensitivity["outputs"])
        parts += [
            graph(summary_chart(sweep, names), "sensitivity-summary"),
            html.Label(
                [
                    "Detail for one output",
                    dcc.Dropdown(
                        id="sensitivity-output",
                        options=[{"label": output_label(o), "value": o} for o in outputs],
                        value=outputs[0],
                        clearable=False,
                    ),
                ],
                className="picker wide",
            ),
            html.Div(id="sensitivity-detail"),
        ]
    if len(parts) == len(sweep.notes):
        parts.append(
            empty(
                "Nothing to show in this folder",
                "It has neither points over varied parameters nor sensitivity indices.",
            )
        )
    return html.Div(parts)
