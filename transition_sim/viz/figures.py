"""Plotly figures of ensembles: outcome shares, fan charts over days, and comparisons.

Each function takes `Results` (or two, to compare) and returns a `go.Figure` with a title, axis
titles with units and legend names a reader understands without the code. Series are found in
the data (``active_*``, ``power_*``, ``stance_*`` columns; outcome names from the summary).
The region map and the event timeline are in `regions` and `timeline`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from transition_sim.ensemble.summary import wilson_interval
from transition_sim.viz.results import Results
from transition_sim.viz.stats import (
    columns_with_prefix,
    cumulative,
    fan,
    humanize,
    national,
    outcome_names,
    stance_shares,
)
from transition_sim.viz.units import metric_label, shown, shown_difference

PALETTE = qualitative.Safe
MAX_SERIES = 12  # series one chart draws (camps, factions); the rest are summed or counted
SUBTITLE_WIDTH = 120  # characters per subtitle line
TEMPLATE = "plotly_white"
FAN_NOTE = "line: median over replications; dark band: middle 50% of runs; light band: middle 90%"
# Readers' names for columns whose name alone is cryptic; others are shown with `humanize`.
COLUMN_LABELS = {
    "legitimacy": "incumbent's legitimacy",
    "regime_legitimacy": "regime legitimacy as citizens see it",
}

__all__ = [
    "FANS",
    "FAN_NOTE",
    "PALETTE",
    "active_percent",
    "actives_figure",
    "compare_fans",
    "deaths_figure",
    "detentions_figure",
    "fan_figure",
    "legitimacy_figure",
    "metrics_table",
    "outcome_chart",
    "power_figure",
    "share_entry",
    "stances_figure",
    "style",
]


# Plotly renders a few HTML tags in any text of a figure (legend names, titles, axis labels,
# hover text); of those, <a href> makes a live link. Names come from files the user may not have
# written (a scenario, a results folder), so figures are made inert before they are shown.
_LINK_TAG = re.compile(r"<(?=\s*/?\s*a\b)", re.IGNORECASE)


def inert(fig: go.Figure) -> go.Figure:
    """``fig`` with every ``<a ...>`` tag in its text escaped (shown as written, not a link);
    the tags the figures use themselves (<br>, <b>, <extra>) are kept."""
    return go.Figure(_escape_links(fig.to_dict()))


def inert_html(fig: go.Figure, **to_html: Any) -> str:
    """``inert(fig).to_html(**to_html)``, the same page, without building and validating the
    escaped figure again (half of a report's figure time): the escaped dict goes to
    `plotly.io.to_html` as it is (tests/test_report_speed.py checks the pages are the same)."""
    import plotly.io as pio

    return pio.to_html(_escape_links(fig.to_dict()), validate=False, **to_html)


def _escape_links(value: Any) -> Any:
    if isinstance(value, str):
        return _LINK_TAG.sub("&lt;", value)
    if isinstance(value, dict):
        return {k: _escape_links(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escape_links(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array([_escape_links(v) for v in value.tolist()], dtype=object)
    return value


def style(
    fig: go.Figure, title: str, subtitle: str = "", x: str = "", y: str = "", height: int = 400
) -> go.Figure:
    """The common look: template, title and subtitle (wrapped: plotly does not wrap text), axis
    titles, legend at the right."""
    lines = textwrap.wrap(subtitle, SUBTITLE_WIDTH)
    _set_template(fig)
    fig.update_layout(
        title={
            "text": title,
            "subtitle": {"text": "<br>".join(lines)},
            "x": 0.01,
            "xanchor": "left",
        },
        height=height + 16 * max(0, len(lines) - 1),
        margin={"l": 70, "r": 30, "t": 74 + 16 * len(lines), "b": 60},
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"},
        hovermode="closest",
    )
    if x:
        fig.update_xaxes(title_text=x)
    if y:
        fig.update_yaxes(title_text=y)
    return fig


def _set_template(fig: go.Figure) -> None:
    """``fig.update_layout(template=TEMPLATE)`` without validating the registered template
    again (9 ms a figure, half of `style`): plotly's own way to set its default template on a
    new figure (`BaseFigure._initialize_layout_template`). The figure's dict is the same; only
    the order of the template's keys in its JSON differs (tests/test_report_speed.py)."""
    import plotly.io as pio

    layout = fig.layout
    if not hasattr(layout, "_validate"):  # another plotly: the validated way
        fig.update_layout(template=TEMPLATE)
        return
    validate, layout._validate = layout._validate, False
    try:
        layout.template = pio.templates[TEMPLATE]
    finally:
        layout._validate = validate


def label(column: str, prefix: str = "") -> str:
    """A column's name for readers (``power_family`` with prefix ``power_`` -> ``family``)."""
    return COLUMN_LABELS.get(column, humanize(column.removeprefix(prefix)))


def rgba(color: str, alpha: float) -> str:
    """``rgb(r, g, b)`` -> ``rgba(r, g, b, alpha)``."""
    return color.replace("rgb(", "rgba(").replace(")", f", {alpha})")


# -- outcomes -------------------------------------------------------------------------------------
def share_entry(summary: dict[str, Any], name: str) -> dict[str, Any]:
    """A summary's entry for ``name``; an outcome it does not list occurred in none of its runs."""
    if name in summary.get("outcomes", {}):
        return summary["outcomes"][name]
    n = int(summary.get("replications", 0))
    return {"share": 0.0, "ci95": list(wilson_interval(0, n))}


def outcome_chart(results: Sequence[Results]) -> go.Figure:
    """Share of replications ending in each outcome, with 95% Wilson intervals; one bar colour
    per ensemble when several are given."""
    names = outcome_names(r.summary for r in results)
    fig = go.Figure()
    for i, r in enumerate(results):
        entries = [share_entry(r.summary, name) for name in names]
        shares = [100 * e["share"] for e in entries]
        lows = [100 * e["ci95"][0] for e in entries]
        highs = [100 * e["ci95"][1] for e in entries]
        fig.add_bar(
            name=r.label,
            y=[humanize(n) for n in names],
            x=shares,
            orientation="h",
            marker_color=PALETTE[i % len(PALETTE)],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - s for s, h in zip(shares, highs, strict=True)],
                "arrayminus": [s - lo for s, lo in zip(shares, lows, strict=True)],
                "color": "#444",
            },
            offsetgroup=str(i),
            hovertemplate="%{y}: %{x:.1f}% of replications<extra>%{fullData.name}</extra>",
        )
        # The numbers, written right of the whisker (a bar's own text would sit on it).
        fig.add_scatter(
            y=[humanize(n) for n in names],
            x=highs,
            mode="text",
            orientation="h",  # so that scattermode="group" offsets it like the bars
            text=[
                f" {s:.0f}% ({lo:.0f}–{h:.0f})"
                for s, lo, h in zip(shares, lows, highs, strict=True)
            ],
            textposition="middle right",
            offsetgroup=str(i),
            cliponaxis=False,
            hoverinfo="skip",
            showlegend=False,
        )
    single = len(results) == 1
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 118], ticksuffix="%", tickvals=list(range(0, 101, 20)))
    subtitle = "bars: share of replications; whiskers and brackets: 95% Wilson interval"
    if single:
        subtitle = f"{results[0].label}. {subtitle}"
    style(
        fig,
        "Outcomes",
        subtitle,
        x="share of replications (%)",
        height=170 + 40 * len(names) * max(1, len(results)),
    )
    fig.update_layout(
        barmode="group",
        scattermode="group",
        showlegend=not single,
        legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": -0.12, "yanchor": "top"},
        margin={"b": 60 + 25 * len(results)},
    )
    return fig


def metrics_table(results: Sequence[Results]) -> pd.DataFrame:
    """Metric quantiles from the summaries (one column per ensemble), with units and thousands
    separators, plus B − A of the medians when there are two."""
    metrics: dict[str, None] = {}
    for r in results:
        metrics.update(dict.fromkeys(r.summary.get("metrics", {})))
    # Two ensembles may carry the same label (the same scenario and seed): prefix A and B.
    headings = (
        [r.label]
        if len(results) == 1
        else [f"{chr(65 + i)}: {r.label}" for i, r in enumerate(results)]
    )
    rows = []
    for name in metrics:
        row: dict[str, Any] = {"metric": metric_label(name)}
        medians = []
        for r, heading in zip(results, headings, strict=True):
            m = r.summary.get("metrics", {}).get(name)
            if not m or m.get("median") is None:
                row[heading] = "not defined in any run"
                medians.append(None)
                continue
            row[heading] = (
                f"{shown(name, m['median'])} (5–95%: {shown(name, m['p05'])} to"
                f" {shown(name, m['p95'])}; {m['n']:,} runs)"
            )
            medians.append(m["median"])
        if len(results) == 2:
            a, b = medians
            row["difference of medians (B − A)"] = (
                "–" if a is None or b is None else shown_difference(name, b - a)
            )
        rows.append(row)
    return pd.DataFrame(rows)


# -- fans over days -------------------------------------------------------------------------------
def fan_figure(
    series: Sequence[tuple[str, pd.DataFrame]],
    title: str,
    y: str,
    subtitle: str = FAN_NOTE,
    percent: bool = False,
) -> go.Figure:
    """Fans (from `stats.fan`): for each named series a median line, a 50% and a 90% band."""
    fig = go.Figure()
    for i, (name, f) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        x = f["date"] if f["date"].notna().all() else f["day"]
        for lo, hi, alpha, band in (("p05", "p95", 0.15, "90%"), ("p25", "p75", 0.35, "50%")):
            fig.add_scatter(
                x=pd.concat([x, x[::-1]]),
                y=pd.concat([f[hi], f[lo][::-1]]),
                fill="toself",
                fillcolor=rgba(color, alpha),
                line={"width": 0},
                hoverinfo="skip",
                legendgroup=name,
                showlegend=False,
                name=f"{name}, middle {band}",
            )
        fig.add_scatter(
            x=x,
            y=f["p50"],
            mode="lines",
            line={"color": color, "width": 2},
            name=name,
            legendgroup=name,
            customdata=f[["p05", "p25", "p75", "p95"]].to_numpy(),
            hovertemplate=(
                "%{x}: median %{y:.3g}<br>50% of runs: %{customdata[1]:.3g} to"
                " %{customdata[2]:.3g}<br>90% of runs: %{customdata[0]:.3g} to"
                " %{customdata[3]:.3g}<extra>%{fullData.name}</extra>"
            ),
        )
    if percent:
        fig.update_yaxes(ticksuffix="%")
    fig.update_layout(showlegend=True)
    fig.update_yaxes(rangemode="tozero")
    return style(fig, title, subtitle, x="date", y=y)


def active_percent(frame: pd.DataFrame, column: str = "active") -> pd.Series:
    """``column`` (active agents, of one kind or all) as a percentage of all citizens."""
    total = frame["active"] + frame["quiet"] + frame["jailed"]
    return 100 * frame[column] / total.where(total > 0)


def actives_figure(results: Results) -> go.Figure:
    """Active protesters of each kind, as a share of all citizens."""
    nat = national(results.timeseries)
    kinds = columns_with_prefix(nat, "active_") or ["active"]
    series = [(label(k, "active_"), fan(nat, active_percent(nat, k))) for k in kinds]
    return fan_figure(
        series,
        "Active protesters by kind",
        "active citizens (% of the urban population)",
        f"{results.label}. {FAN_NOTE}",
        percent=True,
    )


def deaths_figure(results: Results) -> go.Figure:
    nat = national(results.timeseries)
    return fan_figure(
        [("deaths to date", fan(nat, cumulative(nat, "deaths")))],
        "Deaths",
        "deaths to date (people)",
        f"{results.label}. {FAN_NOTE}",
    )


def _detained_per_arrest(results: Results) -> float | None:
    """People detained per arrested agent: the protesters an agent stands for times the share
    of them detained (docs/ODD.md §7.4); None if the scenario is not known."""
    sc = results.scenario
    if getattr(sc, "scale", None) is None or getattr(sc, "violence", None) is None:
        return None
    return sc.scale.people_per_agent * sc.violence.detention_share


def detentions_figure(results: Results) -> go.Figure:
    """Detentions to date in people (arrests of agents times the people detained per arrest, as
    the run's ``detained`` metric counts them); in agents if the scenario is not known."""
    nat = national(results.timeseries)
    arrests = cumulative(nat, "arrests")
    ppa = _detained_per_arrest(results)
    if ppa is None:
        values, unit = arrests, "arrests to date (agents; the scenario's scale is unknown)"
    else:
        values, unit = arrests * ppa, "people detained to date"
    return fan_figure(
        [("detained to date", fan(nat, values))],
        "Detentions",
        unit,
        f"{results.label}. {FAN_NOTE}",
    )


def largest(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """The `MAX_SERIES` columns of largest mean, in their order, and the rest: a chart draws
    that many series (a trace per camp of 20,000 took minutes) and sums up the others."""
    if len(columns) <= MAX_SERIES:
        return list(columns), []
    top = set(frame[list(columns)].mean().nlargest(MAX_SERIES).index)
    return [c for c in columns if c in top], [c for c in columns if c not in top]


def power_figure(results: Results) -> go.Figure:
    """Each camp's share of power over the days (the largest `MAX_SERIES`; the rest summed)."""
    nat = national(results.timeseries)
    camps, rest = largest(nat, columns_with_prefix(nat, "power_"))
    series = [(label(c, "power_"), fan(nat, 100 * nat[c])) for c in camps]
    if rest:
        series.append((f"{len(rest)} others together", fan(nat, 100 * nat[rest].sum(axis=1))))
    return fan_figure(
        series,
        "Power shares",
        "share of power (%)",
        f"{results.label}. {FAN_NOTE}",
        percent=True,
    )


def legitimacy_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c == "legitimacy" or c.endswith("_legitimacy")]


def legitimacy_figure(results: Results) -> go.Figure:
    nat = national(results.timeseries)
    return fan_figure(
        [(label(c), fan(nat, c)) for c in legitimacy_columns(nat)],
        "Legitimacy",
        "legitimacy (0 = none, 1 = full)",
        f"{results.label}. {FAN_NOTE}",
    )


def stance_colors(stances: Sequence[str]) -> dict[str, str]:
    """One colour per stance name, the same in every figure (assigned in sorted order)."""
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted(stances))}


def stances_figure(results: Results) -> go.Figure:
    """For each faction, the share of replications in which it holds each stance, per day."""
    nat = national(results.timeseries)
    every = columns_with_prefix(nat, "stance_")
    columns = every[:MAX_SERIES]  # a subplot each: the first factions, the rest counted
    colors = stance_colors(sorted({str(s) for c in columns for s in nat[c].unique()}))
    fig = make_subplots(
        rows=max(1, len(columns)),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[label(c, "stance_") for c in columns],
    )
    shown: set[str] = set()
    for row, column in enumerate(columns, start=1):
        shares = stance_shares(nat, column)
        for stance in [c for c in shares.columns if c not in ("day", "date")]:
            fig.add_scatter(
                x=shares["date"],
                y=100 * shares[stance],
                name=humanize(stance),
                legendgroup=stance,
                showlegend=stance not in shown,
                stackgroup=f"s{row}",
                line={"width": 0.5, "color": colors[stance]},
                fillcolor=colors[stance],
                hovertemplate=f"{label(column, 'stance_')}: %{{y:.0f}}% of runs"
                f" {humanize(stance)} on %{{x}}<extra></extra>",
                row=row,
                col=1,
            )
            shown.add(stance)
        fig.update_yaxes(range=[0, 100], ticksuffix="%", row=row, col=1)
    fig.update_xaxes(title_text="date", row=len(columns), col=1)
    fig.add_annotation(
        text="share of replications (%)",
        textangle=-90,
        xref="paper",
        yref="paper",
        x=-0.07,
        y=0.5,
        showarrow=False,
    )
    return style(
        fig,
        "Stances of the security factions",
        f"{results.label}. For each faction, the share of replications in which it holds each"
        " stance on each day"
        + (
            f" (the first {len(columns)} of {len(every)} factions)"
            if len(every) > MAX_SERIES
            else ""
        ),
        height=160 + 170 * max(1, len(columns)),
    )


def compare_fans(results: Sequence[Results]) -> list[go.Figure]:
    """Total actives and deaths of several ensembles on shared axes (none without at least two
    time series)."""
    nats = [(r.label, national(r.timeseries)) for r in results if r.timeseries is not None]
    if len(nats) < 2:
        return []
    return [
        fan_figure(
            [(name, fan(nat, active_percent(nat))) for name, nat in nats],
            "Active protesters, all kinds",
            "active citizens (% of the urban population)",
            percent=True,
        ),
        fan_figure(
            [(name, fan(nat, cumulative(nat, "deaths"))) for name, nat in nats],
            "Deaths",
            "deaths to date (people)",
        ),
    ]


# The charts over days, in the order the dashboard and the report show them.
FANS = {
    "actives": actives_figure,
    "deaths": deaths_figure,
    "detentions": detentions_figure,
    "power": power_figure,
    "legitimacy": legitimacy_figure,
    "stances": stances_figure,
}
