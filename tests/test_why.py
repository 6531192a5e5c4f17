"""The "why" views' statistics on hand-made ensembles whose answer is known by construction:
two outcome classes that part on a chosen day, an event only one class has."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transition_sim.viz import why
from transition_sim.viz.results import Results

REPS, DAYS, PART = 12, 16, 5


def ensemble(part: int | None = PART, seed: int = 3) -> Results:
    """12 runs x 16 days: runs 0-5 end "up", 6-11 "down"; every run has about 10 of 1,000
    citizens active (noise), and from day ``part`` the "up" runs have 60 more. Only the "up"
    runs log the event ("crowd", "surge") on day ``part``; every run logs ("state",
    "order_restored") on day 9."""
    rng = np.random.default_rng(seed)
    rows, events = [], []
    for r in range(REPS):
        up = r < REPS // 2
        for d in range(DAYS):
            active = int(
                10 + rng.integers(0, 5) + (60 if up and part is not None and d >= part else 0)
            )
            rows.append(
                {"replication": r, "day": d, "region": "all", "active": active,
                 "quiet": 1000 - active, "jailed": 0, "arrests": 0, "deaths": 0.0,
                 "legitimacy": 0.5}
            )  # fmt: skip
        if up and part is not None:
            events.append({"replication": r, "day": part, "actor": "crowd", "action": "surge"})
        events.append({"replication": r, "day": 9, "actor": "state", "action": "order_restored"})
    runs = pd.DataFrame(
        {"replication": range(REPS), "outcome": ["up"] * 6 + ["down"] * 6, "deaths": 0.0}
    )
    summary = {"scenario": "hand-made", "replications": REPS, "seed": 1}
    ev = pd.DataFrame(events).assign(details="")
    return Results(Path("x"), summary, runs, pd.DataFrame(rows), ev, None, {})


def test_classes_part_on_the_day_their_series_separate() -> None:
    part = why.parting(ensemble(), "up", "down")
    assert part["day"] == PART
    assert part["series"] == ["active citizens (%)"]


def test_noise_alone_does_not_part_the_classes() -> None:
    assert why.parting(ensemble(part=None), "up", "down")["day"] is None


def test_event_of_one_class_comes_first() -> None:
    table = why.event_contrast(ensemble(), "up", "down")
    first = table.iloc[0]
    assert first["event"] == "crowd: surge"
    assert first["runs ending in up"] == "100%" and first["runs ending in down"] == "0%"
    assert "state: order restored" not in set(table["event"].head(1))


def test_window_runs_from_the_crisis_to_order_and_a_margin() -> None:
    # about 1% active from day 0 (above the 0.5% of order), order on day 9 in every run
    assert why.active_window(ensemble()) == (0, 9 + why.MARGIN_DAYS)


def test_subset_keeps_only_the_class_runs() -> None:
    up = why.subset(ensemble(), "up")
    assert set(up.timeseries["replication"]) == set(range(6))
    assert set(up.events["replication"]) == set(range(6))
    assert up.summary["replications"] == 6


def test_cases_on_day_describe_each_run_once() -> None:
    cases, features = why.cases_on_day(ensemble(), PART)
    assert len(cases) == REPS and "active citizens (%)" in features
    assert (cases.loc[cases["outcome"] == "up", "active citizens (%)"] > 5).all()


@pytest.mark.parametrize("outcome", ["up", "down"])
def test_metrics_by_outcome_has_a_column_per_class(outcome: str) -> None:
    table = why.metrics_by_outcome(ensemble())
    assert f"{outcome} (6 runs)" in table.columns


@pytest.mark.parametrize("p", [4.2e-05, 1e-12, 0.0])
def test_tiny_p_values_read_without_e_notation(p: float) -> None:
    """The parting table is prose for readers: 4.2e-05 once showed there as written."""
    assert why.p_text(p) == "< 0.0001"


def test_parting_table_names_the_event_and_its_p_value() -> None:
    row = why.parting_table(ensemble()).iloc[0]
    assert row["most different event"] == "crowd: surge (100% vs 0%, p = 0.0022)"
