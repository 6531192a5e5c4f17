"""The regions as a network on plain x/y axes (no map tiles: it works offline), with protest
intensity over the days, and the same intensity as a region-by-day heat map."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from transition_sim.viz.figures import style
from transition_sim.viz.results import Results
from transition_sim.viz.stats import region_intensity

MAX_FRAMES = 120  # longer runs are sampled every k days so the page stays light
COLORSCALE = "OrRd"

__all__ = ["layout", "region_heatmap", "region_map"]


def layout(
    regions: list[str], links: list[tuple[str, str, float]]
) -> dict[str, tuple[float, float]]:
    """Deterministic schematic positions: linked regions close together (Kamada–Kawai on each
    connected piece, pieces side by side); without links, a circle."""
    if not links:
        n = max(1, len(regions))
        return {
            r: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n))
            for i, r in enumerate(regions)
        }
    graph = nx.Graph()
    graph.add_nodes_from(regions)
    graph.add_weighted_edges_from((a, b, 1.0 / max(w, 0.05)) for a, b, w in links)
    positions: dict[str, tuple[float, float]] = {}
    offset = 0.0
    for piece in sorted(
        nx.connected_components(graph), key=lambda c: regions.index(min(c, key=regions.index))
    ):
        sub = graph.subgraph(sorted(piece, key=regions.index))
        pos = (
            nx.kamada_kawai_layout(sub, weight="weight")
            if len(sub) > 1
            else {next(iter(sub)): np.zeros(2)}
        )
        xs = [p[0] for p in pos.values()]
        for name, (x, y) in pos.items():
            positions[name] = (float(x) - min(xs) + offset, float(y))
        offset += max(xs) - min(xs) + 0.6
    return positions


def _network(results: Results, names: list[str]) -> tuple[dict[str, float], list[Any]]:
    """Populations (for marker sizes) and links, from the scenario when it is known."""
    scenario = results.scenario
    regions = getattr(scenario, "regions", None) or []
    population = {r.name: float(r.urban_population) for r in regions if r.name in names}
    links = [
        (link.a, link.b, float(link.weight))
        for link in getattr(scenario, "links", None) or []
        if link.a in names and link.b in names
    ]
    return population, links


def _days(days: np.ndarray) -> np.ndarray:
    step = max(1, math.ceil(len(days) / MAX_FRAMES))
    return days[::step]


def region_map(results: Results) -> go.Figure:
    """Regions as nodes (size: urban population; colour: median share of citizens active) and
    their links, with a day slider and a play button."""
    intensity = region_intensity(results.timeseries)
    names = list(dict.fromkeys(intensity["region"]))
    population, links = _network(results, names)
    pos = layout(names, links)
    days = _days(np.sort(intensity["day"].unique()))
    by_day = {d: g.set_index("region").reindex(names) for d, g in intensity.groupby("day")}
    top = max(1.0, float(100 * intensity["p50"].max()))
    biggest = max(population.values(), default=1.0)
    sizes = [18 + 42 * math.sqrt(population.get(n, biggest) / biggest) for n in names]

    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for a, b, _ in links:
        edge_x += [pos[a][0], pos[b][0], None]
        edge_y += [pos[a][1], pos[b][1], None]

    def nodes(day: int) -> go.Scatter:
        rows = by_day[day]
        date = rows["date"].iloc[0]
        when = f"day {day}" + (f" ({date:%Y-%m-%d})" if not isinstance(date, float) else "")
        return go.Scatter(
            x=[pos[n][0] for n in names],
            y=[pos[n][1] for n in names],
            mode="markers+text",
            text=names,
            textposition="top center",
            marker={
                "size": sizes,
                "color": 100 * rows["p50"].fillna(0).to_numpy(),
                "colorscale": COLORSCALE,
                "cmin": 0,
                "cmax": top,
                "line": {"color": "#333", "width": 1},
                "colorbar": {"title": {"text": "active<br>citizens<br>(median %)"}},
            },
            customdata=np.column_stack([100 * rows["p05"], 100 * rows["p95"], rows["deaths_p50"]]),
            hovertemplate=(
                f"<b>%{{text}}</b>, {when}<br>active: median %{{marker.color:.2f}}% of citizens"
                "<br>90% of runs: %{customdata[0]:.2f}% to %{customdata[1]:.2f}%"
                "<br>deaths to date: median %{customdata[2]:.0f}<extra></extra>"
            ),
            name="regions",
            showlegend=False,
        )

    fig = go.Figure(
        data=[
            go.Scatter(
                x=edge_x,
                y=edge_y,
                mode="lines",
                line={"color": "#bbb", "width": 2},
                hoverinfo="skip",
                name="links",
                showlegend=False,
            ),
            nodes(int(days[0])),
        ],
        frames=[go.Frame(data=[nodes(int(d))], traces=[1], name=str(d)) for d in days],
    )
    slider = {
        "active": 0,
        "currentvalue": {"prefix": "day "},
        "pad": {"t": 40},
        "steps": [
            {
                "label": str(d),
                "method": "animate",
                "args": [
                    [str(d)],
                    {
                        "mode": "immediate",
                        "frame": {"duration": 0, "redraw": True},
                        "transition": {"duration": 0},
                    },
                ],
            }
            for d in days
        ],
    }
    play = {
        "type": "buttons",
        "showactive": False,
        "x": 0.0,
        "y": 0.0,
        "xanchor": "right",
        "yanchor": "top",
        "pad": {"t": 45, "r": 10},
        "buttons": [
            {
                "label": "▶ play",
                "method": "animate",
                "args": [None, {"frame": {"duration": 300, "redraw": True}, "fromcurrent": True}],
            },
            {
                "label": "❚❚ pause",
                "method": "animate",
                "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}],
            },
        ],
    }
    fig.update_layout(sliders=[slider], updatemenus=[play])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(
        fig,
        "Protest across regions",
        f"{results.label}. Colour: median share of a region's citizens who are active on the"
        " chosen day; size: urban population; grey lines: links along which protest spreads."
        " A schematic, not a map: positions only show the links",
        height=560,
    )


def region_heatmap(results: Results) -> go.Figure:
    """Median share of each region's citizens active, by region and day."""
    intensity = region_intensity(results.timeseries)
    names = list(dict.fromkeys(intensity["region"]))
    wide = intensity.pivot(index="region", columns="date", values="p50").reindex(names)
    fig = go.Figure(
        go.Heatmap(
            z=100 * wide.to_numpy(dtype="float64"),
            x=list(wide.columns),
            y=names,
            colorscale=COLORSCALE,
            zmin=0,
            colorbar={"title": {"text": "active<br>citizens<br>(median %)"}},
            hovertemplate="%{y}, %{x}: median %{z:.2f}% of citizens active<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return style(
        fig,
        "Protest intensity by region and day",
        f"{results.label}. Colour: median over replications of the share of the region's"
        " citizens who are active",
        x="date",
        y="region",
        height=160 + 32 * len(names),
    )
