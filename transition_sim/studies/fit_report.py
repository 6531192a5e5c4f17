"""The fit's report: diagnostics, the posterior against its priors, and a posterior predictive
check per summary (the figures weight each draw by its particle's weight)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from transition_sim.ensemble.store import write_text_atomic
from transition_sim.studies.fit_spec import BASE_PREFIX
from transition_sim.viz.figures import inert, style
from transition_sim.viz.report import CSS

if TYPE_CHECKING:
    from transition_sim.studies.fit import Problem
    from transition_sim.studies.fit_spec import FitSpecFile

__all__ = ["REPORT", "fit_figures", "write_fit_report"]

REPORT = "report.html"


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def posterior_table(posterior: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Each parameter's weighted mean and 5-95% interval beside its prior's range."""
    w = posterior.weight.to_numpy()
    rows = []
    for prior, mode in zip(problem.priors, problem.modes, strict=True):
        x = posterior[prior.path].to_numpy()
        low, high = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
        rows.append(
            {
                "address": prior.path,
                "prior": _prior_text(prior, mode),
                "posterior mean": f"{float(np.sum(w * x)):.4g}",
                "5%-95%": f"{low:.4g} - {high:.4g}",
            }
        )
    return pd.DataFrame(rows)


def _prior_text(prior: Any, mode: float) -> str:
    text = f"{prior.distribution} [{prior.low:g}, {prior.high:g}]"
    return text if math.isnan(mode) else f"{text}, mode {mode:g}"


def _weights(predictive: pd.DataFrame, posterior: pd.DataFrame) -> pd.Series:
    """Each predictive run's weight: its particle's, shared by the particle's runs."""
    w = predictive.particle.map(posterior.set_index("particle").weight)
    runs = predictive.groupby("particle").particle.transform("size")
    return w / runs


def _histogram(values: pd.Series, weights: pd.Series, log: bool) -> go.Bar:
    x = values.to_numpy(dtype=float)
    w = weights.to_numpy(dtype=float)
    keep = ~np.isnan(x)
    x, w = x[keep], w[keep]
    if log:
        x = np.log10(np.maximum(x, 0) + 1)
    edges = np.histogram_bin_edges(x, bins=30) if len(x) else np.array([0.0, 1.0])
    heights, _ = np.histogram(x, bins=edges, weights=w)
    centres = (edges[:-1] + edges[1:]) / 2
    return go.Bar(x=centres, y=heights, width=np.diff(edges), name="posterior predictive")


def _band(fig: go.Figure, low: float, high: float, log: bool, label: str) -> None:
    if log:
        low, high = math.log10(low + 1), math.log10(high + 1)
    if high - low < 1e-9:
        fig.add_vline(x=low, line_color="crimson", annotation_text=label)
    else:
        fig.add_vrect(
            x0=low, x1=high, fillcolor="crimson", opacity=0.2, line_width=0, annotation_text=label
        )


def fit_figures(
    problem: Problem, posterior: pd.DataFrame, predictive: pd.DataFrame
) -> list[go.Figure]:
    """A posterior predictive check per summary: the record's five, each case pattern, the
    observed classes."""
    weights = _weights(predictive, posterior)
    base = predictive.case == BASE_PREFIX + problem.base_name
    record = problem.record
    figures = []
    checks = [
        ("deaths", record.deaths.bounds, True, "deaths"),
        ("detained", record.detained.bounds, True, "detained"),
        ("invitation_day", record.invitation_day.bounds, False, "day the patron is invited"),
        ("days_to_order", record.days_to_order.bounds, False, "days to order"),
        ("peak_crowd", record.peak_crowd.range, True, f"peak crowd in {record.peak_crowd.region}"),
    ]
    for column, (low, high), log, title in checks:
        fig = go.Figure(_histogram(predictive.loc[base, column], weights[base], log))
        _band(fig, low, high, log, "record")
        defined = float(weights[base][predictive.loc[base, column].notna()].sum())
        subtitle = (
            f"{problem.base_name}: posterior predictive runs (weighted), the record in red;"
            f" defined in {defined:.0%} of runs"
        )
        x = f"log10({column} + 1)" if log else column
        figures.append(style(fig, f"Record: {title}", subtitle, x=x, y="probability"))
    for pattern in problem.patterns:
        rows = predictive.case == pattern.case
        fig = go.Figure(_histogram(predictive.loc[rows, pattern.metric], weights[rows], True))
        _band(fig, *pattern.range, True, "documented")
        subtitle = f"source: {pattern.source}"
        x = f"log10({pattern.metric} + 1)"
        figures.append(
            style(fig, f"{pattern.case}: {pattern.metric}", subtitle, x=x, y="probability")
        )
    cases = predictive[predictive.observed.notna()]
    w = weights[cases.index]
    share = (cases.hit * w).groupby(cases.case).sum() / w.groupby(cases.case).sum()
    share = share.sort_values()
    observed = cases.groupby("case")["observed"].first()[share.index]
    fig = go.Figure(
        go.Bar(
            x=share.to_numpy(),
            y=[f"{c} ({observed[c]})" for c in share.index],
            orientation="h",
            name="P(observed class)",
        )
    )
    subtitle = (
        f"each case's posterior predictive share of its observed class; mean miss"
        f" {1 - float(share.mean()):.2f} (the classes part of the distance)"
    )
    figures.append(
        style(fig, "Observed classes", subtitle, x="share of runs", height=200 + 18 * len(share))
    )
    return figures


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, float_format=lambda v: f"{v:.4g}")


def write_fit_report(
    out: Path,
    sf: FitSpecFile,
    problem: Problem,
    posterior: pd.DataFrame,
    diagnostics: pd.DataFrame,
    predictive: pd.DataFrame,
    parts: pd.DataFrame,
    stopped: str,
) -> Path:
    """Write ``report.html`` into ``out`` (plotly.js inline, atomically)."""
    spec = sf.spec
    body = [
        f"<h1>{html.escape(spec.name)}</h1>",
        f"<p class='meta'>spec {html.escape(str(sf.path))}; population {spec.population};"
        f" {len(diagnostics)} generations (stopped: {html.escape(stopped)}); "
        f"{len(problem.cases)} cases x {problem.replications} replications and"
        f" {problem.record.replications} runs of the base per evaluation</p>",
        "<h2>Generations</h2>",
        _table(diagnostics),
        "<h2>The distance's parts by generation</h2>",
        "<p>Weighted means over each generation's accepted particles (each part about 0 on the"
        " record to 1; generation 0 is the prior).</p>",
        _table(parts),
        "<h2>Posterior against the priors</h2>",
        _table(posterior_table(posterior, problem)),
        "<h2>Posterior predictive checks</h2>",
        "<p>Fresh runs at every particle of the last generation (seeds of their own).</p>",
    ]
    for fig in fit_figures(problem, posterior, predictive):
        body.append(
            "<div class='figure'>"
            + inert(fig).to_html(full_html=False, include_plotlyjs=False)
            + "</div>"
        )
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(spec.name)}: fit report</title><style>{CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    path = out / REPORT
    write_text_atomic(path, page)
    return path
