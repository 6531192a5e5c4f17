"""One chart for a Morris or Sobol study: parameters x outputs, instead of one chart per output.

Cells hold Morris μ* (scaled by the output's largest μ*, since outputs have different units;
the raw value is written in the cell) or Sobol's total index ST (a share of variance, 0 to 1).
A cell below its output's noise floor (`transition_sim.studies.sensitivity`) is grey: the
replication noise alone gives as much. Flags:

- ``!`` in a cell: a Sobol index outside [0, 1], which only estimation error produces;
- ``(not shown to converge)`` under an output: the study's own check (every index moved by less
  than its 95% interval between half and full sample) is vacuous when the intervals are wide,
  as at N = 8, so it is believed only when the intervals are also narrow (`NARROW`) and the
  sample has at least `MIN_SAMPLES` base points (Sobol) or trajectories (Morris).

Outputs that were skipped (constant across the design, e.g. an outcome that never occurs) or
whose every share is 0 are left out and listed under the chart.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from transition_sim.viz.figures import style
from transition_sim.viz.results import Sweep
from transition_sim.viz.stats import humanize

MIN_SAMPLES = 32
NARROW = 0.1  # Sobol: every 95% interval under 0.1; Morris: under 0.1 x the largest μ*
GREY = "#d9d9d9"

__all__ = ["converged", "output_label", "summary_chart", "summary_title"]


def _floats(values: list[Any] | None) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values or []], dtype=float)


def converged(method: str, entry: dict[str, Any], samples: int | None) -> bool:
    """Whether an output's indices can be called converged (module docstring)."""
    check = bool((entry.get("convergence") or {}).get("converged"))
    if not check or samples is None or samples < MIN_SAMPLES:
        return False
    if method == "sobol":
        conf = _floats(entry.get("ST_conf"))
        return bool(conf.size and np.nanmax(conf) < NARROW)
    mu, conf = _floats(entry.get("mu_star")), _floats(entry.get("mu_star_conf"))
    return bool(conf.size and np.nanmax(conf) < NARROW * np.nanmax(mu))


def output_label(name: str) -> str:
    """``share_incumbent_holds`` -> ``P(incumbent holds)``; ``deaths_mean`` -> ``deaths``."""
    if name.startswith("share_"):
        return f"P({humanize(name.removeprefix('share_'))})"
    return humanize(name.removesuffix("_mean").removesuffix("_median"))


def summary_title(sweep: Sweep) -> str:
    """The study's own name (its spec's), not the folder's."""
    spec = sweep.spec or {}
    method = (sweep.sensitivity or {}).get("method") or spec.get("method") or "sweep"
    name = spec.get("name") or sweep.path.name
    return f"{name} ({'Morris screening' if method == 'morris' else 'Sobol indices'})"


def _trajectories(sensitivity: dict[str, Any], params: int) -> int | None:
    points = sensitivity.get("points")
    return None if points is None else int(points) // (params + 1)


def summary_chart(sweep: Sweep, names: dict[str, str] | None = None) -> go.Figure:
    """Parameters (rows, readable ``names`` by dotted path when given) x outputs (columns)."""
    sensitivity = sweep.sensitivity or {}
    method = str(sensitivity.get("method"))
    outputs = {
        k: v
        for k, v in sensitivity.get("outputs", {}).items()
        if not (k.startswith("share_") and np.nanmax(_floats(v.get("ST", v.get("mu_star")))) == 0)
    }
    if not outputs:
        raise ValueError("no sensitivity indices in this folder")
    params = list(next(iter(outputs.values()))["names"])
    key = "ST" if method == "sobol" else "mu_star"
    samples = (
        sensitivity.get("samples") if method == "sobol" else _trajectories(sensitivity, len(params))
    )
    z = np.full((len(params), len(outputs)), np.nan)
    grey = np.full_like(z, np.nan)
    text = [["" for _ in outputs] for _ in params]
    columns = []
    for j, (name, entry) in enumerate(outputs.items()):
        values = _floats(entry.get(key))
        floor = entry.get("noise_floor")
        top = np.nanmax(np.abs(values)) if values.size else np.nan
        for i, v in enumerate(values):
            if math.isnan(v):
                continue
            below = floor is not None and v < float(floor)
            shown = v if method == "sobol" else (v / top if top > 0 else 0.0)
            (grey if below else z)[i, j] = shown
            flag = " !" if method == "sobol" and not 0.0 <= v <= 1.0 else ""
            text[i][j] = f"{v:.2g}{flag}" + ("<br>(noise)" if below else "")
        label = output_label(name)
        if not converged(method, entry, samples):
            label += "<br><i>not shown to converge</i>"
        columns.append(label)
    rows = [(names or {}).get(p, p) for p in params]
    fig = go.Figure()
    fig.add_heatmap(
        z=np.where(np.isnan(grey), np.nan, 0.0),
        x=columns,
        y=rows,
        text=[[t if "(noise)" in t else "" for t in row] for row in text],
        texttemplate="%{text}",
        colorscale=[[0, GREY], [1, GREY]],
        showscale=False,
        hoverinfo="skip",
    )
    fig.add_heatmap(
        z=z,
        x=columns,
        y=rows,
        text=text,
        texttemplate="%{text}",
        colorscale="Blues",
        zmin=0,
        zmax=1,
        colorbar={"title": {"text": "ST" if method == "sobol" else "μ* / largest<br>μ* of output"}},
        customdata=[[p] * len(columns) for p in params],
        hovertemplate="%{y}<br>%{x}: %{text}<br>(%{customdata})<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    what = (
        "total Sobol index ST (share of the output's variance due to the parameter, alone and"
        " in interactions; ! outside [0, 1]: estimation error)"
        if method == "sobol"
        else "Morris μ* (mean absolute elementary effect), scaled by each output's largest;"
        " the cell gives the raw value"
    )
    skipped = sorted(sensitivity.get("skipped", {}))
    dropped = [output_label(k) for k in sensitivity.get("outputs", {}) if k not in outputs]
    left_out = [output_label(k) for k in skipped]
    note = (
        f"Left out (never varies, e.g. never occurs): {', '.join(left_out + dropped)}. "
        if left_out or dropped
        else ""
    )
    size = f" N = {samples}." if samples is not None else ""
    return style(
        fig,
        summary_title(sweep),
        f"Each cell: {what}. Grey: below the output's noise floor (replication noise alone"
        f" gives as much).{size} {note}Per-output detail: pick an output below",
        height=max(440, 220 + 40 * len(params)),
    ).update_layout(margin={"l": 260, "t": 200})
