"""Ensemble summaries: Wilson intervals, the JSON shape, metric quantiles, rendering."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from transition_sim.ensemble.runner import Ensemble
from transition_sim.ensemble.summary import (
    OUTCOMES,
    render_summary,
    summarize,
    wilson_interval,
)
from transition_sim.scenario.schema import Scenario


def make_ensemble(outcomes: list[str], metrics: dict[str, list[float]]) -> Ensemble:
    n = len(outcomes)
    runs = pd.DataFrame(
        {"replication": range(n), "seed": range(100, 100 + n), "outcome": outcomes, **metrics}
    )
    return Ensemble(
        runs=runs,
        timeseries=pd.DataFrame({"replication": []}),
        events=pd.DataFrame({"replication": []}),
        seeds=list(range(100, 100 + n)),
        scenario=Scenario(name="hand-made", replications=n, seed=7),
        base_seed=7,
    )


def test_wilson_known_values() -> None:
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.277532, abs=1e-6))
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.236593, abs=1e-6)
    assert hi == pytest.approx(0.763407, abs=1e-6)
    assert wilson_interval(10, 10) == (pytest.approx(0.722468, abs=1e-6), 1.0)
    # Agresti & Coull's example, 95%: 1 success in 20
    lo, hi = wilson_interval(1, 20)
    assert lo == pytest.approx(0.008875, abs=1e-5)
    assert hi == pytest.approx(0.236128, abs=1e-5)


def test_wilson_no_data_is_uninformative() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(k, n)


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_share_and_is_symmetric(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    mirror_lo, mirror_hi = wilson_interval(n - k, n)
    assert lo == pytest.approx(1 - mirror_hi, abs=1e-12)
    assert hi == pytest.approx(1 - mirror_lo, abs=1e-12)


def test_wider_z_gives_wider_interval() -> None:
    lo95, hi95 = wilson_interval(30, 100)
    lo99, hi99 = wilson_interval(30, 100, z=2.5758293035489)
    assert lo99 < lo95 and hi99 > hi95


def test_summary_shape() -> None:
    ensemble = make_ensemble(
        ["unresolved", "power_sharing", "unresolved", "unresolved"],
        {"peak_active": [0.1, 0.2, 0.3, 0.4]},
    )
    summary = summarize(ensemble)
    assert set(summary) == {"scenario", "replications", "seed", "outcomes", "metrics"}
    assert (summary["scenario"], summary["replications"], summary["seed"]) == ("hand-made", 4, 7)
    assert list(summary["outcomes"]) == list(OUTCOMES)
    for entry in summary["outcomes"].values():
        assert set(entry) == {"share", "ci95"}
        assert len(entry["ci95"]) == 2
    assert set(summary["metrics"]["peak_active"]) == {"median", "p05", "p95", "n"}
    json.dumps(summary, allow_nan=False)


def test_outcome_shares_and_intervals() -> None:
    outcomes = ["unresolved"] * 3 + ["power_sharing"]
    summary = summarize(make_ensemble(outcomes, {}))
    shares = {name: entry["share"] for name, entry in summary["outcomes"].items()}
    assert shares["unresolved"] == 0.75
    assert shares["power_sharing"] == 0.25
    assert shares["rival_restoration"] == 0.0  # absent outcomes still listed
    assert sum(shares.values()) == pytest.approx(1.0)
    assert summary["outcomes"]["unresolved"]["ci95"] == list(wilson_interval(3, 4))
    assert summary["outcomes"]["insider_takeover"]["ci95"] == list(wilson_interval(0, 4))


def test_unexpected_outcome_is_reported_not_dropped() -> None:
    summary = summarize(make_ensemble(["unresolved", "martian_invasion"], {}))
    assert summary["outcomes"]["martian_invasion"]["share"] == 0.5
    assert list(summary["outcomes"])[-1] == "martian_invasion"


def test_custom_outcome_names() -> None:
    summary = summarize(make_ensemble(["a", "a", "b"], {}), outcomes=("a", "b", "c"))
    assert list(summary["outcomes"]) == ["a", "b", "c"]
    assert summary["outcomes"]["c"]["share"] == 0.0


def test_metric_quantiles_skip_nan() -> None:
    values = [float(v) for v in range(1, 21)]
    invitation = [3.0, math.nan, 5.0, math.nan] + [math.nan] * 16
    summary = summarize(
        make_ensemble(["unresolved"] * 20, {"peak": values, "invitation_day": invitation})
    )
    peak = summary["metrics"]["peak"]
    assert peak["median"] == pytest.approx(np.median(values))
    assert peak["p05"] == pytest.approx(np.percentile(values, 5))
    assert peak["p95"] == pytest.approx(np.percentile(values, 95))
    assert peak["n"] == 20
    assert summary["metrics"]["invitation_day"] == {"median": 4.0, "p05": 3.1, "p95": 4.9, "n": 2}


def test_metric_undefined_everywhere_gives_nulls() -> None:
    summary = summarize(make_ensemble(["unresolved"] * 3, {"invitation_day": [math.nan] * 3}))
    assert summary["metrics"]["invitation_day"] == {
        "median": None,
        "p05": None,
        "p95": None,
        "n": 0,
    }
    text = json.dumps(summary, allow_nan=False)
    assert '"median": null' in text


def test_summary_values_are_plain_python() -> None:
    summary = summarize(make_ensemble(["unresolved"] * 2, {"x": [1.0, 2.0]}))
    entry = summary["metrics"]["x"]
    assert type(entry["median"]) is float and type(entry["n"]) is int
    assert type(summary["outcomes"]["unresolved"]["share"]) is float


def test_render_summary_lists_outcomes_and_metrics() -> None:
    summary = summarize(
        make_ensemble(["unresolved", "power_sharing"], {"invitation_day": [2.0, math.nan]})
    )
    console = Console(record=True, width=120)
    render_summary(summary, console)
    text = console.export_text()
    assert "hand-made" in text
    for name in OUTCOMES:
        assert name in text
    assert "invitation_day" in text
    assert "50.0%" in text
    assert "95% CI" in text


def test_an_arrow_runs_table_summarizes_as_its_dataframe() -> None:
    """`run` summarizes Arrow tables (without pandas); a metric some runs lack (null when
    stacked), NaN, integers and drawn parameters give the same summary as from pandas."""
    from transition_sim.ensemble.summary import summarize_runs
    from transition_sim.ensemble.tables import runs_table, stack
    from transition_sim.ensemble.uncertainty import Uncertainty

    rng = np.random.default_rng(3)
    parts = [
        runs_table(
            list(range(i, i + 4)),
            list(range(100 + i, 104 + i)),
            [OUTCOMES[j % 3] for j in rng.integers(0, 6, 4)],
            [
                {"deaths": float(rng.integers(0, 50)), "legitimacy": rng.random()}
                | ({"invitation_day": float("nan") if j else 3.0} if i else {})
                for j in range(4)
            ],
        )
        for i in (0, 4, 8)
    ]
    runs = stack(parts)
    assert runs["invitation_day"].null_count == 4
    drawn = Uncertainty(priors=(), seeds_per_draw=2)
    for uncertainty in (None, drawn):
        arrow = summarize_runs(runs, "s", 7, uncertainty=uncertainty)
        frame = summarize_runs(runs.to_pandas(), "s", 7, uncertainty=uncertainty)
        assert json.dumps(arrow) == json.dumps(frame)
