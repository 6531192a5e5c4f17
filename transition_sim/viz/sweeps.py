"""Figures of sweep and sensitivity folders: outcome shares over swept parameters, Morris and
Sobol indices. The folder layout is described in `transition_sim.viz.results`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from transition_sim.viz.figures import PALETTE, rgba, style
from transition_sim.viz.results import Sweep
from transition_sim.viz.stats import humanize

__all__ = ["morris_chart", "occurring", "sensitivity_charts", "share_chart", "sobol_chart"]


def _pooled(points: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Mean of ``column`` per group of ``by``, weighted by the points' successful runs."""
    weight = (points["n"] - points.get("n_failed", 0)).clip(lower=0) if "n" in points else 1
    frame = points.assign(_w=weight, _wv=points[column] * weight)
    grouped = frame.groupby(by, sort=True)[["_w", "_wv"]].sum()
    return (grouped["_wv"] / grouped["_w"].where(grouped["_w"] > 0)).rename(column).reset_index()


def occurring(sweep: Sweep) -> list[str]:
    """The sweep's outcomes that occur at some point (the others get no chart)."""
    points = sweep.points
    return [o for o in sweep.outcomes if points is not None and points[f"share_{o}"].max() > 0]


def _runs(points: pd.DataFrame, by: list[str]) -> pd.Series:
    weight = (points["n"] - points.get("n_failed", 0)).clip(lower=0) if "n" in points else 1
    return points.assign(_w=weight).groupby(by, sort=True)["_w"].sum()


def share_chart(
    sweep: Sweep,
    outcome: str,
    x: str | None = None,
    y: str | None = None,
    names: dict[str, str] | None = None,
    baseline: dict[str, float] | None = None,
) -> go.Figure:
    """Share of replications ending in ``outcome`` over the swept parameters: a heat map over
    two of them (a scatter when the points are not a grid), a line over one. Other varied
    parameters are pooled (run-weighted mean), as the subtitle says. Heat-map cells give the
    share and the runs behind it; the scenario's own values (``baseline``, by path) are marked
    with a star; axes take readers' ``names`` (by path)."""
    names = names or {}
    points = sweep.points
    params = sweep.parameters
    if points is None or not params:
        raise ValueError("this folder has no points with varied parameters")
    column = f"share_{outcome}"
    x = x or params[0]
    title = f"Share of replications ending in {humanize(outcome)}"
    if len(params) == 1:
        line = points.sort_values(x)
        fig = go.Figure()
        if f"{column}_lo" in points and f"{column}_hi" in points:
            fig.add_scatter(
                x=pd.concat([line[x], line[x][::-1]]),
                y=100 * pd.concat([line[f"{column}_hi"], line[f"{column}_lo"][::-1]]),
                fill="toself",
                fillcolor=rgba(PALETTE[0], 0.3),
                line={"width": 0},
                name="95% interval",
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=line[x],
            y=100 * line[column],
            mode="lines+markers",
            line={"color": PALETTE[0]},
            name="share of replications",
        )
        fig.update_yaxes(ticksuffix="%", range=[0, 100])
        return style(
            fig,
            title,
            f"{sweep.label}: one point per value of {x}",
            x=x,
            y="share of replications (%)",
        )
    y = y or next(p for p in params if p != x)
    others = [p for p in params if p not in (x, y)]
    pooled = _pooled(points, [x, y], column)
    note = f"{sweep.label}. Colour: % of replications"
    if others:
        note += f"; pooled over {', '.join(others)}"
    grid = pooled[x].nunique() * pooled[y].nunique() == len(pooled)
    if grid:
        wide = pooled.pivot(index=y, columns=x, values=column)
        runs = _runs(points, [x, y]).unstack(x).reindex(index=wide.index, columns=wide.columns)
        trace: Any = go.Heatmap(
            text=[
                [f"{100 * v:.0f}%<br>{int(n)} runs" for v, n in zip(zr, nr, strict=True)]
                for zr, nr in zip(wide.to_numpy(), runs.to_numpy(), strict=True)
            ],
            texttemplate="%{text}",
            z=100 * wide.to_numpy(dtype="float64"),
            x=list(wide.columns),
            y=list(wide.index),
            zmin=0,
            zmax=100,
            colorscale="Viridis",
            colorbar={"title": {"text": "% of<br>replications"}},
            hovertemplate=f"{x} = %{{x}}<br>{y} = %{{y}}<br>%{{z:.1f}}%<extra></extra>",
        )
        ticks = {"x": list(wide.columns), "y": list(wide.index)}
    else:
        trace = go.Scatter(
            x=pooled[x],
            y=pooled[y],
            mode="markers",
            marker={
                "color": 100 * pooled[column],
                "cmin": 0,
                "cmax": 100,
                "size": 11,
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "% of<br>replications"}},
            },
            hovertemplate=f"{x} = %{{x}}<br>{y} = %{{y}}<br>%{{marker.color:.1f}}%<extra></extra>",
        )
        note += " (the points are not a grid: one marker per point)"
        ticks = {}
    fig = style(go.Figure(trace), title, note, x=names.get(x, x), y=names.get(y, y), height=480)
    if baseline and x in baseline and y in baseline:
        fig.add_scatter(
            x=[baseline[x]],
            y=[baseline[y]],
            mode="markers",
            marker={
                "symbol": "star",
                "size": 16,
                "color": "white",
                "line": {"color": "black", "width": 1.5},
            },
            name="the scenario's own values",
            hovertemplate="baseline: %{x}, %{y}<extra></extra>",
        )
        fig.update_layout(showlegend=True, legend={"x": 0, "y": -0.15, "orientation": "h"})
    if ticks:  # a grid's own values, not plotly's round numbers between them
        fig.update_xaxes(tickvals=ticks["x"])
        fig.update_yaxes(tickvals=ticks["y"])
    return fig


def _values(entry: dict[str, Any], key: str) -> list[float]:
    return [float("nan") if v is None else float(v) for v in entry.get(key) or []]


def _noise_floor(entry: dict[str, Any]) -> float | None:
    """The output's noise floor from ``sensitivity.json`` (None if unknown, e.g. one
    replication per point)."""
    floor = entry.get("noise_floor")
    return None if floor is None or floor != floor else float(floor)


def morris_chart(sweep: Sweep, output: str) -> go.Figure:
    """Morris screening of ``output``: μ* (importance) against σ (nonlinearity, interactions)."""
    entry = (sweep.sensitivity or {})["outputs"][output]
    fig = go.Figure(
        go.Scatter(
            x=_values(entry, "mu_star"),
            y=_values(entry, "sigma"),
            mode="markers+text",
            text=entry["names"],
            textposition="top center",
            marker={"size": 10, "color": PALETTE[0]},
            error_x={"type": "data", "array": _values(entry, "mu_star_conf"), "color": "#888"}
            if entry.get("mu_star_conf")
            else None,
            hovertemplate="%{text}<br>μ* %{x:.3g}<br>σ %{y:.3g}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero")
    floor = _noise_floor(entry)
    if floor is not None:
        fig.add_vline(x=floor, line_dash="dot", line_color="#888", annotation_text="noise floor")
        fig.add_vline(x=2 * floor, line_dash="dash", line_color="#888", annotation_text="2 × floor")
    return style(
        fig,
        f"Morris screening: {humanize(output)}",
        f"{sweep.label}. Right: the parameter moves the output more; up: its effect depends on"
        " the other parameters or is nonlinear; whiskers: 95% bootstrap interval of μ*"
        + (
            "; dotted line: the μ* that replication noise alone gives (left of twice it: noise)"
            if floor is not None
            else ""
        ),
        x=f"μ*: mean absolute elementary effect (units of {humanize(output)})",
        y=f"σ: spread of elementary effects (units of {humanize(output)})",
        height=480,
    )


def sobol_chart(sweep: Sweep, output: str) -> go.Figure:
    """First-order (S1) and total (ST) Sobol indices of ``output`` with their intervals."""
    entry = (sweep.sensitivity or {})["outputs"][output]
    fig = go.Figure()
    for i, (key, name) in enumerate(
        (("S1", "first order (S1): alone"), ("ST", "total (ST): alone and in interactions"))
    ):
        conf = _values(entry, f"{key}_conf")
        fig.add_bar(
            x=entry["names"],
            y=_values(entry, key),
            name=name,
            marker_color=PALETTE[i],
            error_y={"type": "data", "array": conf, "color": "#444"} if conf else None,
            hovertemplate="%{x}: %{y:.3f}<extra>" + key + "</extra>",
        )
    fig.update_layout(barmode="group")
    floor = _noise_floor(entry)
    if floor is not None:
        fig.add_hline(y=floor, line_dash="dot", line_color="#888", annotation_text="noise floor")
    return style(
        fig,
        f"Sobol indices: {humanize(output)}",
        f"{sweep.label}. Share of the output's variance due to each parameter; whiskers: 95%"
        " bootstrap interval"
        + (
            "; dotted line: the share of variance that is replication noise (it inflates every"
            " total index by about as much)"
            if floor is not None
            else ""
        ),
        x="parameter",
        y="Sobol index (share of variance, 0–1)",
        height=460,
    )


def sensitivity_charts(sweep: Sweep) -> list[go.Figure]:
    """One chart per output of the folder's ``sensitivity.json`` (none if it has none)."""
    sensitivity = sweep.sensitivity or {}
    chart = {"morris": morris_chart, "sobol": sobol_chart}.get(str(sensitivity.get("method")))
    if chart is None:
        return []
    return [chart(sweep, output) for output in sensitivity.get("outputs", {})]
