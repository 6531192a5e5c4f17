"""The story of one replication: its event log as a table and as a Gantt-like chart.

Rows of the chart are actors: a security faction's row shows its stance as coloured bars; every
actor's events are diamonds on its row (hover for the details); national states that last (the
patron's troops on the ground, the repression level) get rows of their own.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from transition_sim.viz.figures import PALETTE, label, stance_colors, style
from transition_sim.viz.results import Results
from transition_sim.viz.stats import columns_with_prefix, humanize, national

DAY_MS = 86_400_000  # a bar's length on a date axis is given in milliseconds

__all__ = ["events_table", "replication_choices", "segments", "timeline_chart"]


def replication_choices(results: Results) -> list[tuple[int, str]]:
    """(replication, "replication 3: outcome") for every run, for pickers."""
    if results.runs is not None:
        return [
            (int(r), f"replication {r}: {humanize(str(o))}")
            for r, o in zip(results.runs["replication"], results.runs["outcome"], strict=True)
        ]
    source = results.events if results.events is not None else results.timeseries
    if source is None:
        return []
    return [(int(r), f"replication {r}") for r in sorted(source["replication"].unique())]


def events_table(results: Results, replication: int) -> pd.DataFrame:
    """The event log of one replication: day, date, actor, action, details."""
    events = results.events
    rows = events[events["replication"] == replication]
    return rows.drop(columns="replication").sort_values("day", kind="stable").reset_index(drop=True)


def segments(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Runs of equal values of ``column`` over consecutive days: start, end (exclusive), value."""
    values = frame[column].to_numpy()
    days = frame["day"].to_numpy()
    starts = [0] + [i for i in range(1, len(values)) if values[i] != values[i - 1]]
    ends = [*starts[1:], len(values)]
    return pd.DataFrame(
        {
            "start": [int(days[s]) for s in starts],
            "end": [int(days[e - 1]) + 1 for e in ends],
            "value": [values[s] for s in starts],
        }
    )


def _bars(
    fig: go.Figure, row: str, segs: pd.DataFrame, start: pd.Timestamp, name, color, legend: set
) -> None:
    """One horizontal bar per segment on ``row``; ``name``/``color`` map a value to its legend
    entry and colour."""
    for value, group in segs.groupby("value", sort=False):
        entry = name(value)
        fig.add_bar(
            y=[row] * len(group),
            base=[start + pd.Timedelta(days=int(d)) for d in group["start"]],
            x=[(e - s) * DAY_MS for s, e in zip(group["start"], group["end"], strict=True)],
            orientation="h",
            marker_color=color(value),
            opacity=0.8,
            name=entry,
            legendgroup=entry,
            showlegend=entry not in legend,
            customdata=group[["start", "end"]].to_numpy().tolist(),  # plain lists reach clickData
            hovertemplate=f"{row}: {entry}<br>days %{{customdata[0]}} to %{{customdata[1]}}"
            "<extra></extra>",
        )
        legend.add(entry)


def timeline_chart(results: Results, replication: int) -> go.Figure:
    """Gantt-like chart of one replication: stance bars, lasting states, event diamonds."""
    events = events_table(results, replication) if results.events is not None else None
    series = None
    if results.timeseries is not None:
        nat = national(results.timeseries)
        series = nat[nat["replication"] == replication]
    if series is not None and len(series) and "date" in series:
        start = pd.Timestamp(series["date"].iloc[0]) - pd.Timedelta(days=int(series["day"].iloc[0]))
    elif events is not None and len(events):
        start = pd.Timestamp(events["date"].iloc[0]) - pd.Timedelta(days=int(events["day"].iloc[0]))
    else:
        start = pd.Timestamp(getattr(results.scenario, "start_date", "2000-01-01"))
    fig = go.Figure()
    legend: set[str] = set()
    rows: list[str] = []
    if series is not None and len(series):
        stances = columns_with_prefix(series, "stance_")
        colors = stance_colors(sorted({str(v) for c in stances for v in series[c].unique()}))
        for column in stances:
            row = label(column, "stance_")
            rows.append(row)
            _bars(
                fig,
                row,
                segments(series, column),
                start,
                lambda v: f"stance: {humanize(v)}",
                lambda v, c=colors: c[str(v)],
                legend,
            )
        if "patron_troops" in series:
            on = series.assign(deployed=series["patron_troops"] > 0)
            segs = segments(on, "deployed")
            segs = segs[segs["value"]]
            if len(segs):
                rows.append("patron troops")
                _bars(
                    fig,
                    "patron troops",
                    segs,
                    start,
                    lambda v: "patron troops deployed",
                    lambda v: "#777",
                    legend,
                )
        if "repression_level" in series:
            segs = segments(series, "repression_level")
            segs = segs[segs["value"] > 0]
            if len(segs):
                rows.append("repression")
                top = max(1, int(series["repression_level"].max()))
                _bars(
                    fig,
                    "repression",
                    segs,
                    start,
                    lambda v: f"repression level {v}",
                    lambda v, t=top: f"rgba(120, 20, 20, {0.25 + 0.75 * v / t:.2f})",
                    legend,
                )
    if events is not None and len(events):
        grouped = events.groupby(["actor", "day"], sort=False)
        marks = grouped.agg(
            text=("action", lambda s: "<br>".join(s)),
            date=("date", "first"),
        ).reset_index()
        details = grouped.apply(
            lambda g: "<br>".join(
                f"{a}: {d}" for a, d in zip(g["action"], g["details"], strict=True)
            ),
            include_groups=False,
        ).reset_index(drop=True)
        for actor in dict.fromkeys(marks["actor"]):
            if actor not in rows:
                rows.append(actor)
        fig.add_scatter(
            x=[start + pd.Timedelta(days=int(d)) + pd.Timedelta(hours=12) for d in marks["day"]],
            y=marks["actor"],
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": 11,
                "color": PALETTE[4],
                "line": {"color": "white", "width": 1},
            },
            customdata=[int(d) for d in marks["day"]],  # the day a click goes to
            text=details,
            name="event (hover for details)",
            hovertemplate="<b>%{y}</b>, day %{customdata}<br>%{text}<extra></extra>",
        )
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=rows, autorange="reversed")
    fig.update_xaxes(type="date")
    outcome = dict(replication_choices(results)).get(replication, f"replication {replication}")
    return style(
        fig,
        f"Timeline of {outcome}",
        f"{results.label}. Bars: what lasts (stances, troops, repression); diamonds: events",
        x="date",
        y="actor",
        height=180 + 38 * max(1, len(rows)),
    )
