"""Plotly figures of comparisons and of scenario discovery, written as one offline HTML page
(plotly.js inlined). A sweep's report (shares over the design, Morris and Sobol charts) is the
dashboard's, `transition_sim.viz.report`, which reads the sweep folder.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from transition_sim.ensemble.store import write_text_atomic

__all__ = ["compare_figure", "differences_figure", "discovery_figures", "write_report"]

LAYOUT = {"template": "plotly_white", "height": 460, "margin": {"l": 60, "r": 30, "t": 60, "b": 60}}


def short(path: str, parts: int = 3) -> str:
    """The last ``parts`` segments of a dotted path (full paths are in the hover text)."""
    return ".".join(path.split(".")[-parts:])


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
    write_text_atomic(path, "\n".join(parts))


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
