"""Plotly figures for experiment folders, written as one offline HTML page (plotly.js inlined).

Figures are plain functions from result tables to `plotly.graph_objects.Figure`; `write_report`
puts a titled list of them in ``report.html`` next to the results.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from transition_sim.experiment.store import _write_text

__all__ = [
    "morris_figure",
    "points_figures",
    "sobol_figure",
    "write_report",
]

MAX_PARAMETER_FIGURES = 12
LAYOUT = {"template": "plotly_white", "height": 460, "margin": {"l": 60, "r": 30, "t": 60, "b": 60}}


def short(path: str, parts: int = 3) -> str:
    """The last ``parts`` segments of a dotted path (full paths are in the hover text)."""
    return ".".join(path.split(".")[-parts:])


def morris_figure(name: str, entry: dict[str, Any]) -> go.Figure:
    """μ* against σ, with μ*'s 95% interval and the noise floor; the top ten are labelled."""
    mu, sigma = np.asarray(entry["mu_star"]), np.asarray(entry["sigma"])
    top = set(np.argsort(-mu)[:10].tolist())
    labels = [short(n) if i in top else "" for i, n in enumerate(entry["names"])]
    fig = go.Figure(
        go.Scatter(
            x=mu,
            y=sigma,
            mode="markers+text",
            text=labels,
            textposition="top center",
            hovertext=entry["names"],
            error_x={"type": "data", "array": entry["mu_star_conf"], "thickness": 1},
            marker={"size": 8},
        )
    )
    if entry.get("noise_floor") is not None:
        fig.add_vline(
            x=entry["noise_floor"],
            line_dash="dot",
            annotation_text="noise floor",
            line_color="grey",
        )
    fig.update_layout(
        title=f"Morris screening: {name}", xaxis_title="μ* (mean |elementary effect|)",
        yaxis_title="σ (non-linearity, interactions)", **LAYOUT,
    )  # fmt: skip
    return fig


def sobol_figure(name: str, entry: dict[str, Any]) -> go.Figure:
    """First-order and total indices with their 95% intervals, sorted by the total index."""
    order = np.argsort(-np.asarray(entry["ST"]))
    names = [entry["names"][i] for i in order]
    fig = go.Figure()
    for key, label in (("S1", "first order S1"), ("ST", "total ST")):
        fig.add_bar(
            x=[short(n) for n in names],
            y=[entry[key][i] for i in order],
            error_y={"type": "data", "array": [entry[f"{key}_conf"][i] for i in order]},
            name=label,
            hovertext=names,
        )
    if entry.get("noise_floor") is not None:
        fig.add_hline(
            y=entry["noise_floor"],
            line_dash="dot",
            annotation_text="noise floor",
            line_color="grey",
        )
    fig.update_layout(
        title=f"Sobol indices: {name}", yaxis_title="index", barmode="group", **LAYOUT
    )
    return fig


def _varying(points: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c in points and points[c].nunique(dropna=True) > 1]


def _heatmap(points: pd.DataFrame, x: str, y: str, value: str, share: bool) -> go.Figure:
    grid = points.pivot_table(index=y, columns=x, values=value)
    z = grid.to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z, x=grid.columns, y=grid.index, colorscale="Viridis",
            zmin=0 if share else None, zmax=1 if share else None,
            text=np.vectorize(lambda v: f"{v:.3g}")(z), texttemplate="%{text}",
        )
    )  # fmt: skip
    fig.update_layout(title=value, xaxis_title=x, yaxis_title=y, **LAYOUT)
    fig.update_xaxes(type="category")  # one equal cell per grid value, however they are spaced
    fig.update_yaxes(type="category")
    return fig


def points_figures(
    points: pd.DataFrame, parameters: Sequence[str], outcomes: Sequence[str], metrics: Sequence[str]
) -> list[go.Figure]:
    """The design's results: for a two-parameter grid, a heatmap of each outcome share and
    metric median that varies; otherwise outcome shares (95% Wilson intervals) against each
    parameter (up to `MAX_PARAMETER_FIGURES` parameters)."""
    shares = _varying(points, [f"share_{o}" for o in outcomes])
    medians = _varying(points, [f"{m}_median" for m in metrics])
    if len(parameters) == 2 and len(points) == len(points[list(parameters)].drop_duplicates()):
        x, y = parameters
        return [_heatmap(points, x, y, share, True) for share in shares] + [
            _heatmap(points, x, y, median, False) for median in medians
        ]
    figures = []
    for parameter in list(parameters)[:MAX_PARAMETER_FIGURES]:
        fig = go.Figure()
        ordered = points.sort_values(parameter)
        for share in shares:
            lo, hi = ordered[f"{share}_lo"], ordered[f"{share}_hi"]
            fig.add_scatter(
                x=ordered[parameter],
                y=ordered[share],
                mode="lines+markers" if len(parameters) == 1 else "markers",
                name=share.removeprefix("share_"),
                error_y={
                    "type": "data",
                    "array": hi - ordered[share],
                    "arrayminus": ordered[share] - lo,
                },
            )
        fig.update_layout(
            title=f"Outcome shares against {parameter}", xaxis_title=parameter,
            yaxis_title="share of runs (95% Wilson interval)", yaxis_range=[0, 1], **LAYOUT,
        )  # fmt: skip
        figures.append(fig)
    return figures


def write_report(
    path: Path, title: str, sections: Sequence[tuple[str, str, Sequence[go.Figure]]]
) -> None:
    """One offline HTML page: a title, then each section's heading, text and figures."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    first = True
    for heading, text, figures in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if text:
            parts.append(f"<p>{html.escape(text)}</p>")
        for fig in figures:
            parts.append(fig.to_html(full_html=False, include_plotlyjs=first))
            first = False
    parts.append("</body></html>")
    _write_text(path, "\n".join(parts))


def compare_figure(points: pd.DataFrame, outcomes: Sequence[str]) -> go.Figure:
    """Outcome shares of each scenario, side by side, with 95% Wilson intervals."""
    fig = go.Figure()
    for _, row in points.iterrows():
        shares = [row[f"share_{o}"] for o in outcomes]
        fig.add_bar(
            x=list(outcomes),
            y=shares,
            name=str(row["scenario"]),
            error_y={
                "type": "data",
                "array": [row[f"share_{o}_hi"] - row[f"share_{o}"] for o in outcomes],
                "arrayminus": [row[f"share_{o}"] - row[f"share_{o}_lo"] for o in outcomes],
            },
        )
    fig.update_layout(
        title="Outcome shares (95% Wilson intervals)", barmode="group", yaxis_range=[0, 1], **LAYOUT
    )
    return fig


def differences_figure(differences: dict[str, Any]) -> go.Figure:
    """Each scenario's outcome-share difference from the reference, with its 95% interval;
    hollow markers are within Monte Carlo error."""
    fig = go.Figure()
    for name, entry in differences.items():
        items = [(o, d) for o, d in entry["outcomes"].items() if d is not None]
        fig.add_scatter(
            x=[d["diff"] for _, d in items],
            y=[o for o, _ in items],
            mode="markers",
            name=name,
            marker={
                "size": 10,
                "symbol": [
                    "circle-open" if d["label"].startswith("within") else "circle" for _, d in items
                ],
            },
            error_x={
                "type": "data",
                "array": [d["ci95"][1] - d["diff"] for _, d in items],
                "arrayminus": [d["diff"] - d["ci95"][0] for _, d in items],
            },
        )
    fig.add_vline(x=0, line_color="grey")
    fig.update_layout(
        title="Difference from the reference (paired, common random numbers)",
        xaxis_title="difference in share", **LAYOUT,
    )  # fmt: skip
    return fig


def discovery_figures(result: dict[str, Any]) -> list[go.Figure]:
    """PRIM's coverage–density trade-off (the chosen box marked) and the feature importances."""
    boxes = result["prim"]["boxes"]
    chosen = result["prim"]["chosen"]
    tradeoff = go.Figure(
        go.Scatter(
            x=[b["coverage"] for b in boxes],
            y=[b["density"] for b in boxes],
            mode="lines+markers",
            marker={
                "size": [14 if b["id"] == chosen else 7 for b in boxes],
                "color": [len(b["restricted"]) for b in boxes],
                "colorscale": "Viridis",
                "colorbar": {"title": "restricted<br>parameters"},
            },
            hovertext=[
                "<br>".join(f"{k}: [{v[0]:.4g}, {v[1]:.4g}]" for k, v in b["restricted"].items())
                for b in boxes
            ],
        )
    )
    tradeoff.update_layout(
        title=f"PRIM peeling trajectory for {result['outcome']} (large marker: chosen box)",
        xaxis_title="coverage", yaxis_title="density", **LAYOUT,
    )  # fmt: skip
    figures = [tradeoff]
    importance = result["importance"]
    if importance.get("auc") is not None:
        bars = go.Figure(
            go.Bar(
                x=importance["importance"][::-1],
                y=[short(n) for n in importance["names"]][::-1],
                error_x={"type": "data", "array": importance["std"][::-1]},
                orientation="h",
                hovertext=importance["names"][::-1],
            )
        )
        bars.update_layout(
            title=f"Permutation importance (held-out ROC AUC {importance['auc']:.2f})",
            xaxis_title="drop in ROC AUC", **LAYOUT,
        )  # fmt: skip
        figures.append(bars)
    return figures
