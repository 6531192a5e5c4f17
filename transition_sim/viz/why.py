"""Why runs end as they do: everything split by outcome class, where two classes part ways,
and scenario discovery (PRIM, random-forest importances).

- `subset`: the results of the runs ending in one outcome, for any figure of `figures`.
- `active_window`: the days worth looking at, from the first crisis day to order (+ a margin);
  `zoom` sets a figure's date axes to them (double-click on a chart shows every day again).
- `split_figure`: key series over the days, one line (median) and band (middle 50%) per
  outcome class, as small multiples.
- `parting`: for two outcome classes, the first day one of the key series differs between
  their runs by more than its noise. The statistic: on each day, the difference of the two
  classes' means against its standard error, sqrt(var_a/n_a + var_b/n_b); the series has
  parted on the first day of `PARTED_DAYS` days in a row with |difference| > `PARTED_SE` standard
  errors. (Three standard errors, three days running: with a dozen series over 60 days, a
  lower bar would find partings in pure noise.)
- `event_contrast`: the events (actor: action) whose share of runs differs most between two
  classes, with Fisher's exact test.
- `box_table`: the limits of the PRIM box chosen by `transition_sim.studies.discover` (run on
  the state of each run on one day by `transition_sim.dashboard.discovery`).
"""

from __future__ import annotations

import dataclasses
import math
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from transition_sim.viz.figures import PALETTE, label, rgba, style
from transition_sim.viz.results import Results
from transition_sim.viz.stats import columns_with_prefix, humanize, national

try:  # the classifier's thresholds; the model is being rewritten, so keep a fallback
    from transition_sim.core.outcomes import ORDER_MAX_ACTIVE_SHARE
except ImportError:  # pragma: no cover
    ORDER_MAX_ACTIVE_SHARE = 0.005

PARTED_SE = 3.0
PARTED_DAYS = 3
MIN_RUNS = 3  # an outcome class needs this many runs to be compared
MARGIN_DAYS = 3  # days shown after order returns in most runs

__all__ = [
    "active_window",
    "box_table",
    "cases_on_day",
    "event_contrast",
    "key_series",
    "metrics_by_outcome",
    "outcome_classes",
    "parting",
    "parting_table",
    "report_parts",
    "split_figure",
    "subset",
    "zoom",
]


# -- outcome classes ------------------------------------------------------------------------------
def outcome_classes(results: Results, minimum: int = 1) -> list[str]:
    """Outcomes that occurred in at least ``minimum`` runs, most common first."""
    if results.runs is None:
        return []
    counts = results.runs["outcome"].value_counts()
    return [str(o) for o, n in counts.items() if n >= minimum]


def _replications(results: Results, outcome: str) -> set[int]:
    runs = results.runs
    return set() if runs is None else set(runs.loc[runs["outcome"] == outcome, "replication"])


def subset(results: Results, outcome: str) -> Results:
    """The runs of ``results`` that end in ``outcome`` (their tables filtered; the summary's
    name says so)."""
    keep = _replications(results, outcome)

    def rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame[frame["replication"].isin(keep)]

    summary = {
        **results.summary,
        "scenario": f"{results.name}, runs ending in {humanize(outcome)}",
        "replications": len(keep),
    }
    return dataclasses.replace(
        results,
        summary=summary,
        runs=rows(results.runs),
        timeseries=rows(results.timeseries),
        events=rows(results.events),
    )


# -- the active days ------------------------------------------------------------------------------
def active_window(results: Results, margin: int = MARGIN_DAYS) -> tuple[int, int] | None:
    """(first, last) day worth showing: from the first day on which any run has more than
    `ORDER_MAX_ACTIVE_SHARE` of its citizens active or a site seized, to the day by which 90% of
    runs have order back (their ``order_restored`` event; the last day for a run without one),
    plus ``margin`` days. None without a time series or a crisis."""
    if results.timeseries is None:
        return None
    nat = national(results.timeseries)
    citizens = (nat["active"] + nat["quiet"] + nat["jailed"]).where(lambda c: c > 0)
    crisis = nat["active"] / citizens > ORDER_MAX_ACTIVE_SHARE
    if "sites_seized" in nat:
        crisis |= nat["sites_seized"] > 0
    if not crisis.any():
        return None
    first, last = int(nat.loc[crisis, "day"].min()), int(nat["day"].max())
    ends = pd.Series(last, index=sorted(nat["replication"].unique()), dtype=float)
    if results.events is not None:
        order = results.events[results.events["action"] == "order_restored"]
        ends.update(order.groupby("replication")["day"].min().astype(float))
    end = math.ceil(ends.quantile(0.9)) + margin
    return max(0, first - 1), min(last, max(end, first + 1))


def zoom(fig: go.Figure, results: Results, window: tuple[int, int] | None) -> go.Figure:
    """Set every x axis of ``fig`` (dates, as the fans draw them) to ``window``."""
    if window is None or results.timeseries is None:
        return fig
    days = results.timeseries.drop_duplicates("day").set_index("day")
    if "date" in days and days["date"].notna().all():
        start = pd.Timestamp(days["date"].iloc[0]) - pd.Timedelta(days=int(days.index[0]))
        lo = start + pd.Timedelta(days=window[0], hours=-12)
        hi = start + pd.Timedelta(days=window[1], hours=12)
    else:
        lo, hi = window[0] - 0.5, window[1] + 0.5
    fig.update_xaxes(range=[lo, hi], autorange=False)
    return fig


# -- key series -----------------------------------------------------------------------------------
def key_series(results: Results) -> pd.DataFrame:
    """One row per (replication, day): the national series a reader follows, as numbers:
    active share (%), deaths and detentions (agents arrested) to date, legitimacy, each camp's
    power (%), seized sites, repression, patron troops, and the share of factions obeying."""
    nat = national(results.timeseries)
    citizens = (nat["active"] + nat["quiet"] + nat["jailed"]).where(lambda c: c > 0)
    out = pd.DataFrame({"replication": nat["replication"], "day": nat["day"]})
    if "date" in nat:
        out["date"] = nat["date"]
    out["active citizens (%)"] = 100 * nat["active"] / citizens
    out["deaths to date"] = nat.groupby("replication", sort=False)["deaths"].cumsum()
    out["arrests to date (agents)"] = nat.groupby("replication", sort=False)["arrests"].cumsum()
    for column in ("legitimacy", "regime_legitimacy"):
        if column in nat:
            out[label(column)] = nat[column].astype(float)
    for column in columns_with_prefix(nat, "power_"):
        out[f"power of {label(column, 'power_')} (%)"] = 100 * nat[column].astype(float)
    for column in ("sites_seized", "repression_level", "patron_troops"):
        if column in nat:
            out[humanize(column)] = nat[column].astype(float)
    stances = columns_with_prefix(nat, "stance_")
    if stances:
        out["factions obeying (%)"] = 100 * (nat[stances] == "obey").mean(axis=1)
    return out


def _series_names(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("replication", "day", "date")]


def split_figure(results: Results, window: tuple[int, int] | None = None) -> go.Figure:
    """Small multiples of the key series, one median line and middle-50% band per outcome
    class (classes with at least `MIN_RUNS` runs)."""
    series = key_series(results)
    names = [n for n in _series_names(series) if series[n].nunique() > 1]
    classes = outcome_classes(results, MIN_RUNS)
    cols = 2
    rows = max(1, math.ceil(len(names) / cols))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names, shared_xaxes=True, vertical_spacing=0.35 / rows
    )
    x_of = "date" if "date" in series and series["date"].notna().all() else "day"
    for c, outcome in enumerate(classes):
        color = PALETTE[c % len(PALETTE)]
        rows_of = series[series["replication"].isin(_replications(results, outcome))]
        n = rows_of["replication"].nunique()
        grouped = rows_of.groupby("day", sort=True)
        x = grouped[x_of].first()
        for i, name in enumerate(names):
            q = grouped[name].quantile([0.25, 0.5, 0.75]).unstack()
            row, col = divmod(i, cols)
            fig.add_scatter(
                x=pd.concat([x, x[::-1]]),
                y=pd.concat([q[0.75], q[0.25][::-1]]),
                fill="toself",
                fillcolor=rgba(color, 0.2),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=outcome,
                row=row + 1,
                col=col + 1,
            )
            fig.add_scatter(
                x=x,
                y=q[0.5],
                mode="lines",
                line={"color": color, "width": 2},
                name=f"{humanize(outcome)} ({n} runs)",
                legendgroup=outcome,
                showlegend=i == 0,
                hovertemplate=f"{humanize(outcome)}: median %{{y:.3g}} on %{{x}}<extra></extra>",
                row=row + 1,
                col=col + 1,
            )
    zoom(fig, results, window)
    style(
        fig,
        "The key series by outcome",
        f"{results.label}. Line: median over the runs ending in each outcome; band: their"
        " middle 50%. Outcomes with fewer than"
        f" {MIN_RUNS} runs are left out. Double-click a chart to see every day",
        height=140 + 210 * rows,
    )
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "xanchor": "left"},
        margin={"t": 150},
    )
    return fig


# -- where two classes part ways ------------------------------------------------------------
def parting(results: Results, a: str, b: str) -> dict[str, Any]:
    """The first day, and the series, on which the runs ending in ``a`` and in ``b`` part ways
    (module docstring); ``day`` is None if no series parts."""
    return _parting(_Classes(results), a, b)


class _Classes:
    """What `parting_table` reads of each outcome class, made once for all its pairs: the key
    series, each class's replications and its per-day statistics of each series, and each
    event's first day in each run (made the same way, from the same rows, as for one pair)."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self._series: pd.DataFrame | None = None
        self._replications: dict[str, set[int]] = {}
        self._stats: dict[tuple[str, str], pd.DataFrame] = {}
        self._firsts: pd.DataFrame | None = None

    @property
    def series(self) -> pd.DataFrame:
        if self._series is None:
            self._series = key_series(self.results)
        return self._series

    def replications(self, outcome: str) -> set[int]:
        if outcome not in self._replications:
            self._replications[outcome] = _replications(self.results, outcome)
        return self._replications[outcome]

    def stats(self, outcome: str, name: str) -> pd.DataFrame:
        """Per day: the mean, variance and count of series ``name`` over ``outcome``'s runs."""
        key = (outcome, name)
        if key not in self._stats:
            series = self.series
            rows = series[series["replication"].isin(self.replications(outcome))]
            for column in _series_names(series):
                g = rows.groupby("day")[column]
                self._stats[(outcome, column)] = pd.DataFrame(
                    {"m": g.mean(), "v": g.var(ddof=1), "n": g.count()}
                )
        return self._stats[key]

    def firsts(self) -> pd.DataFrame:
        """Each (event, replication)'s first day, over every run, ordered by event then run."""
        if self._firsts is None:
            ev = self.results.events
            ev = ev.assign(event=ev["actor"] + ": " + ev["action"].str.replace("_", " "))
            self._firsts = ev.groupby(["event", "replication"])["day"].min().reset_index()
        return self._firsts


def _parting(classes: _Classes, a: str, b: str) -> dict[str, Any]:
    ra, rb = classes.replications(a), classes.replications(b)
    by_series: dict[str, int] = {}
    for name in _series_names(classes.series):
        days, (m_a, v_a, n_a), (m_b, v_b, n_b) = _common_days(
            classes.stats(a, name), classes.stats(b, name)
        )
        diff = np.abs(m_a - m_b)
        se = np.sqrt(_zero_nan(v_a) / n_a + _zero_nan(v_b) / n_b)
        apart = (diff > PARTED_SE * se) & (diff > 1e-12)
        run = 0
        for day, flag in zip(days, apart, strict=True):
            run = run + 1 if flag else 0
            if run == PARTED_DAYS:
                by_series[name] = int(day) - PARTED_DAYS + 1
                break
    first = min(by_series.values(), default=None)
    return {
        "a": a,
        "b": b,
        "runs": (len(ra), len(rb)),
        "day": first,
        "series": sorted((n for n, d in by_series.items() if d == first))
        if first is not None
        else [],
        "by_series": dict(sorted(by_series.items(), key=lambda kv: kv[1])),
    }


def _zero_nan(values: np.ndarray) -> np.ndarray:
    """``fillna(0)``: NaN (one run's variance) to 0, nothing else changed."""
    return np.where(np.isnan(values), 0.0, values)


def _common_days(
    sa: pd.DataFrame, sb: pd.DataFrame
) -> tuple[pd.Index, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The days both classes have, in order (an inner join's rows, sorted), and each class's
    mean, variance and count on them, as arrays; the tables as they are where the days are the
    same (every run has every day: no join needed)."""
    days = sa.index
    if not (days.equals(sb.index) and days.is_monotonic_increasing):
        days = days.intersection(sb.index).sort_values()
        sa, sb = sa.loc[days], sb.loc[days]
    return days, _columns(sa), _columns(sb)


def _columns(stats: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return stats["m"].to_numpy(), stats["v"].to_numpy(), stats["n"].to_numpy()


def event_contrast(results: Results, a: str, b: str, top: int = 6) -> pd.DataFrame:
    """The events (actor: action) whose share of runs differs most between the runs ending in
    ``a`` and in ``b``: shares, their difference, Fisher's exact p and the median first day."""
    if results.events is None:
        return pd.DataFrame()
    return _event_contrast(_Classes(results), a, b, top)


def _event_contrast(classes: _Classes, a: str, b: str, top: int) -> pd.DataFrame:
    from scipy.stats import fisher_exact

    ra, rb = classes.replications(a), classes.replications(b)
    first = classes.firsts()
    first = first[first["replication"].isin(ra | rb)]
    # per event (in order): its runs in each class, and the median of its first days
    by_event = first.assign(
        in_a=first["replication"].isin(ra), in_b=first["replication"].isin(rb)
    ).groupby("event")
    counts = by_event[["in_a", "in_b"]].sum()
    medians = by_event["day"].median()
    rows = []
    for event, in_a, in_b, median in zip(
        counts.index,
        counts["in_a"].tolist(),
        counts["in_b"].tolist(),
        medians.tolist(),
        strict=True,
    ):
        p = fisher_exact([[in_a, len(ra) - in_a], [in_b, len(rb) - in_b]])[1]
        rows.append(
            {
                "event": event,
                f"runs ending in {humanize(a)}": f"{100 * in_a / len(ra):.0f}%",
                f"runs ending in {humanize(b)}": f"{100 * in_b / len(rb):.0f}%",
                "_diff": in_a / len(ra) - in_b / len(rb),
                "difference (points)": f"{100 * (in_a / len(ra) - in_b / len(rb)):+.0f}",
                "Fisher p": p_text(p),
                "_p": p,
                "median first day": f"{median:.0f}",
            }
        )
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).sort_values(
        ["_p", "_diff"], key=lambda s: s if s.name == "_p" else -s.abs()
    )
    return frame.drop(columns=["_diff", "_p"]).head(top).reset_index(drop=True)


def parting_table(results: Results) -> pd.DataFrame:
    """One row per pair of outcome classes (each with `MIN_RUNS` runs or more): the parting
    day, the series that parted first, and the most over-represented event."""
    rows = []
    classes = _Classes(results)
    for a, b in combinations(outcome_classes(results, MIN_RUNS), 2):
        part = _parting(classes, a, b)
        events = pd.DataFrame() if results.events is None else _event_contrast(classes, a, b, top=1)
        rows.append(
            {
                "outcomes": f"{humanize(a)} vs {humanize(b)}",
                "runs": f"{part['runs'][0]} vs {part['runs'][1]}",
                "parting day": "no parting" if part["day"] is None else str(part["day"]),
                "series that parted first": ", ".join(part["series"]) or "–",
                "most different event": "–"
                if events.empty
                else f"{events.iloc[0]['event']} ({events.iloc[0].iloc[1]} vs"
                f" {events.iloc[0].iloc[2]}, {_p_clause(events.iloc[0]['Fisher p'])})",
            }
        )
    return pd.DataFrame(rows)


def p_text(p: float) -> str:
    """A p-value for readers: two significant digits, never in e-notation (below 0.0001 it
    reads "< 0.0001")."""
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def _p_clause(text: str) -> str:
    """``p = 0.042`` or ``p < 0.0001`` from `p_text`'s output."""
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _num(x: float) -> str:
    """Readable numbers: thousands separated, three significant digits below 1,000."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def metrics_by_outcome(results: Results) -> pd.DataFrame:
    """Every metric's median (5–95%) per outcome class, with the runs where it is defined."""
    runs = results.runs
    if runs is None:
        return pd.DataFrame()
    skip = {"replication", "seed", "outcome", "error"}
    metrics = [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]
    classes = outcome_classes(results)
    masks = {outcome: runs["outcome"] == outcome for outcome in classes}  # made once
    heads = {o: f"{humanize(o)} ({int(mask.sum())} runs)" for o, mask in masks.items()}
    rows = []
    for metric in metrics:
        row: dict[str, str] = {"metric": humanize(metric)}
        for outcome in classes:
            v = runs.loc[masks[outcome], metric].dropna()
            row[heads[outcome]] = (
                "–"
                if v.empty
                else f"{_num(v.median())} ({_num(v.quantile(0.05))} to"
                f" {_num(v.quantile(0.95))}; {len(v)} runs)"
            )
        rows.append(row)
    return pd.DataFrame(rows)


# -- scenario discovery -----------------------------------------------------------------------
def first_parting_day(results: Results) -> int | None:
    """The first day any two outcomes part ways (`parting`); None without day-by-day tables
    (a folder run with ``--keep summary``)."""
    if results.timeseries is None:
        return None
    classes = _Classes(results)
    days = [
        _parting(classes, a, b)["day"]
        for a, b in combinations(outcome_classes(results, MIN_RUNS), 2)
    ]
    days = [d for d in days if d is not None]
    return min(days) if days else None


def cases_on_day(results: Results, day: int) -> tuple[pd.DataFrame, list[str]]:
    """Each run as a case for scenario discovery: its key series on ``day``, its outcome and
    an empty ``error``; and the names of the series."""
    series = key_series(results)
    state = series[series["day"] == day].drop(columns=[c for c in ("day", "date") if c in series])
    cases = state.merge(results.runs[["replication", "outcome"]], on="replication")
    return cases.assign(error=None), [c for c in _series_names(series) if c in cases]


def box_table(found: dict[str, Any], names: dict[str, str] | None = None) -> pd.DataFrame:
    """The chosen PRIM box: each restricted variable's limits (and the box's coverage and
    density in the heading rows)."""
    prim = found["prim"]
    chosen = next((b for b in prim["boxes"] if b["id"] == prim["chosen"]), None)
    if chosen is None:
        return pd.DataFrame([{"variable": "no box reaches the minimum coverage", "limits": ""}])
    rows = [
        {
            "variable": "coverage (share of the outcome's runs inside)",
            "limits": f"{chosen['coverage']:.0%}",
        },
        {
            "variable": "density (share of the box's runs with the outcome)",
            "limits": f"{chosen['density']:.0%}",
        },
    ]
    for name, (lo, hi) in chosen["restricted"].items():
        rows.append({"variable": (names or {}).get(name, name), "limits": f"{lo:.4g} to {hi:.4g}"})
    if not chosen["restricted"]:
        rows.append({"variable": "(no variable restricted)", "limits": "the whole space"})
    return pd.DataFrame(rows)


def report_parts(results: Results) -> list[go.Figure | pd.DataFrame]:
    """The report's "why" section: the key series by outcome, where the outcomes part ways,
    and every metric by outcome (PRIM is added by ``transition-sim report``)."""
    window = active_window(results)
    parts: list[go.Figure | pd.DataFrame] = [split_figure(results, window)]
    parting_rows = parting_table(results)
    if len(parting_rows):
        parts.append(parting_rows)
    parts.append(metrics_by_outcome(results))
    return parts
