"""The report's faster paths give what the plain ones gave: `why.parting_table` (its statistics
made once per outcome class) against the per-pair computation it replaced, and
`figures.inert_html` (the escaped dict written as it is) against `inert(fig).to_html` (the
escaped figure built and validated again), figure JSON compared with sorted keys."""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from transition_sim.viz import why
from transition_sim.viz.figures import inert, inert_html
from transition_sim.viz.results import Results

OUTCOMES = ["holds", "falls", "shares", "stalls"]


def ensemble(seed: int = 5, reps: int = 40, days: int = 20) -> Results:
    """Four outcome classes of unequal size whose series and events differ by class, with
    noise, NaN-free; a class of two runs (below `why.MIN_RUNS`); events on even and odd
    numbers of runs (medians between two days)."""
    rng = np.random.default_rng(seed)
    outcome = [OUTCOMES[i % 4] for i in range(reps - 2)] + ["rare", "rare"]
    rows, events = [], []
    for r in range(reps):
        k = OUTCOMES.index(outcome[r]) if outcome[r] in OUTCOMES else 4
        for d in range(days):
            active = int(20 + rng.integers(0, 9) + (15 * k if d >= 3 + k else 0))
            rows.append(
                {"replication": r, "day": d, "region": "all", "active": active,
                 "quiet": 2000 - active, "jailed": int(rng.integers(0, 3)),
                 "arrests": int(rng.integers(0, 4)), "deaths": float(rng.integers(0, 2)),
                 "legitimacy": 0.5 - 0.01 * k * d + 0.001 * rng.random()}
            )  # fmt: skip
        for e in range(int(rng.integers(1, 6))):
            actor = ["crowd", "army", "family"][(k + e) % 3]
            events.append({"replication": r, "day": int(rng.integers(0, days)), "actor": actor,
                           "action": ["take_office", "purge", "surge"][(r + e) % 3]})  # fmt: skip
    runs = pd.DataFrame(
        {"replication": range(reps), "outcome": outcome, "deaths": rng.random(reps)}
    )
    summary = {"scenario": "hand-made", "replications": reps, "seed": seed}
    ev = pd.DataFrame(events).assign(details="")
    return Results(Path("x"), summary, runs, pd.DataFrame(rows), ev, None, {})


def _old_parting(results: Results, a: str, b: str) -> dict:
    """`why.parting` as it was: the key series and both classes' statistics made per pair."""
    series = why.key_series(results)
    ra, rb = why._replications(results, a), why._replications(results, b)
    by_series: dict[str, int] = {}
    for name in why._series_names(series):
        stats = []
        for reps in (ra, rb):
            g = series[series["replication"].isin(reps)].groupby("day")[name]
            stats.append(pd.DataFrame({"m": g.mean(), "v": g.var(ddof=1), "n": g.count()}))
        sa, sb = stats
        joined = sa.add_suffix("_a").join(sb.add_suffix("_b"), how="inner").sort_index()
        diff = (joined["m_a"] - joined["m_b"]).abs()
        se = np.sqrt(
            joined["v_a"].fillna(0) / joined["n_a"] + joined["v_b"].fillna(0) / joined["n_b"]
        )
        apart = ((diff > why.PARTED_SE * se) & (diff > 1e-12)).to_numpy()
        run = 0
        for day, flag in zip(joined.index, apart, strict=True):
            run = run + 1 if flag else 0
            if run == why.PARTED_DAYS:
                by_series[name] = int(day) - why.PARTED_DAYS + 1
                break
    first = min(by_series.values(), default=None)
    chosen = sorted(n for n, d in by_series.items() if d == first) if first is not None else []
    return {"a": a, "b": b, "runs": (len(ra), len(rb)), "day": first, "series": chosen,
            "by_series": dict(sorted(by_series.items(), key=lambda kv: kv[1]))}  # fmt: skip


def _old_event_contrast(results: Results, a: str, b: str, top: int = 6) -> pd.DataFrame:
    """`why.event_contrast` as it was: first days from the pair's events, event by event."""
    from scipy.stats import fisher_exact

    events = results.events
    ra, rb = why._replications(results, a), why._replications(results, b)
    ev = events[events["replication"].isin(ra | rb)]
    ev = ev.assign(event=ev["actor"] + ": " + ev["action"].str.replace("_", " "))
    first = ev.groupby(["event", "replication"])["day"].min().reset_index()
    rows = []
    for event, g in first.groupby("event"):
        in_a = int(g["replication"].isin(ra).sum())
        in_b = int(g["replication"].isin(rb).sum())
        p = fisher_exact([[in_a, len(ra) - in_a], [in_b, len(rb) - in_b]])[1]
        rows.append(
            {
                "event": event,
                f"runs ending in {why.humanize(a)}": f"{100 * in_a / len(ra):.0f}%",
                f"runs ending in {why.humanize(b)}": f"{100 * in_b / len(rb):.0f}%",
                "_diff": in_a / len(ra) - in_b / len(rb),
                "difference (points)": f"{100 * (in_a / len(ra) - in_b / len(rb)):+.0f}",
                "Fisher p": why.p_text(p),
                "_p": p,
                "median first day": f"{g['day'].median():.0f}",
            }
        )
    frame = pd.DataFrame(rows).sort_values(
        ["_p", "_diff"], key=lambda s: s if s.name == "_p" else -s.abs()
    )
    return frame.drop(columns=["_diff", "_p"]).head(top).reset_index(drop=True)


@pytest.mark.parametrize(("seed", "gap"), [(5, False), (6, False), (7, True)])
def test_parting_is_the_per_pair_computation(seed: int, gap: bool) -> None:
    """``gap``: the "holds" runs lack days 0 and 7 (the classes' days differ: the join's path);
    one run's variance is NaN where a class has a single run on a day."""
    results = ensemble(seed)
    if gap:
        ts = results.timeseries
        holds = set(results.runs.loc[results.runs["outcome"] == "holds", "replication"])
        cut = ts["replication"].isin(holds) & ts["day"].isin([0, 7])
        cut |= ts["day"].eq(9) & (ts["replication"] > 1)  # day 9: one run of each class
        results = Results(Path("x"), results.summary, results.runs, ts[~cut], results.events,
                          None, {})  # fmt: skip
    classes = why.outcome_classes(results, why.MIN_RUNS)
    assert len(classes) == 4
    shared = why._Classes(results)
    for a, b in combinations(classes, 2):
        assert why.parting(results, a, b) == _old_parting(results, a, b)
        assert why._parting(shared, a, b) == _old_parting(results, a, b)
        for top in (1, 6, 100):
            old = _old_event_contrast(results, a, b, top)
            pd.testing.assert_frame_equal(why.event_contrast(results, a, b, top), old)
            pd.testing.assert_frame_equal(why._event_contrast(shared, a, b, top), old)
    assert len(why.parting_table(results)) == 6


def _figure_json(page: str) -> list:
    """The JSON arguments of each Plotly.newPlot call, parsed (key order then does not count)."""
    calls = re.findall(
        r'Plotly\.newPlot\(\s*"[^"]+",\s*(.*?),\s*\{"(?:displaylogo|responsive)', page, re.S
    )
    return [json.loads(f"[{call}]") for call in calls]


def test_inert_html_is_the_validated_figures_page() -> None:
    from transition_sim.viz.figures import outcome_chart

    results = ensemble()
    figures = [why.split_figure(results), outcome_chart([results])]
    tagged = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="<a href='x'>link</a> <b>bold</b>"))
    for fig in [*figures, tagged]:
        kwargs = {"full_html": False, "include_plotlyjs": False, "config": {"displaylogo": False}}
        old = inert(fig).to_html(**kwargs, div_id="same")
        new = inert_html(fig, **kwargs, div_id="same")
        parsed = _figure_json(new)
        assert len(parsed) == 1 and parsed == _figure_json(old)
    name = _figure_json(inert_html(tagged, full_html=False))[0][0][0]["name"]
    assert name == "&lt;a href='x'>link&lt;/a> <b>bold</b>"  # the link escaped, <b> kept


def test_reused_views_give_the_same_tables_and_copies() -> None:
    """`stats.reused_views`: inside the block a frame's national rows and region intensity are
    made once and equal the plain ones; a caller changing its copy changes nothing later."""
    from transition_sim.viz import stats

    results = ensemble()
    frame = results.timeseries.assign(region=["all", "north"] * (len(results.timeseries) // 2))
    plain = stats.national(frame), stats.region_intensity(frame)
    calls = []
    original = stats._national
    stats._national = lambda f: calls.append(1) or original(f)  # type: ignore[assignment]
    try:
        with stats.reused_views():
            first = stats.national(frame)
            first["active"] = -1
            again = stats.national(frame)
            intensity = stats.region_intensity(frame)
        after = stats.national(frame)
    finally:
        stats._national = original  # type: ignore[assignment]
    assert len(calls) == 2  # once inside the block, once after it
    pd.testing.assert_frame_equal(again, plain[0])
    pd.testing.assert_frame_equal(after, plain[0])
    pd.testing.assert_frame_equal(intensity, plain[1])


def test_metrics_by_outcome_is_the_per_metric_computation() -> None:
    results = ensemble()
    runs = results.runs.assign(peak=np.arange(len(results.runs)) % 7 * 1500.0)
    runs.loc[3, "peak"] = np.nan
    results = Results(
        Path("x"), results.summary, runs, results.timeseries, results.events, None, {}
    )
    rows = []
    for metric in ("deaths", "peak"):
        row = {"metric": why.humanize(metric)}
        for outcome in why.outcome_classes(results):
            v = runs.loc[runs["outcome"] == outcome, metric].dropna()
            n = int((runs["outcome"] == outcome).sum())
            row[f"{why.humanize(outcome)} ({n} runs)"] = (
                f"{why._num(v.median())} ({why._num(v.quantile(0.05))} to"
                f" {why._num(v.quantile(0.95))}; {len(v)} runs)"
            )
        rows.append(row)
    pd.testing.assert_frame_equal(why.metrics_by_outcome(results), pd.DataFrame(rows))


def test_style_sets_the_template_plotly_would_validate() -> None:
    """`figures.style` sets the registered template unvalidated: the figure is the one the
    validated ``update_layout(template=...)`` gave (to_dict compares values, not key order)."""
    from transition_sim.viz.figures import TEMPLATE, style

    def made() -> go.Figure:
        return go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="a"))

    fast = style(made(), "A title", "a subtitle " * 20, x="day", y="people", height=300)
    slow = style(made(), "A title", "a subtitle " * 20, x="day", y="people", height=300)
    slow.update_layout(template=TEMPLATE)  # validated, over the fast one
    assert fast.to_dict() == slow.to_dict()
    assert fast.to_dict()["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    fast.layout.title.text = "still validated"  # the flag is back on
    with pytest.raises(ValueError):
        fast.layout.height = "tall"
