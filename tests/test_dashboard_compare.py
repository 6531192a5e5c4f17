"""The dashboard's comparison of two runs (transition_sim.viz.compare): paired by seed as the
CLI's `compare` pairs scenarios, an interval for every difference, and a power hint.

The runs tables are made up here (outcomes drawn at random, a few flipped by the "edit"), so
that the effect of pairing is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transition_sim.dashboard.compare import compare_results
from transition_sim.ensemble.summary import summarize_runs
from transition_sim.viz.compare import metric_differences, power
from transition_sim.viz.results import Results


def _results(name: str, outcomes: list[str], seeds: list[int], deaths: np.ndarray) -> Results:
    runs = pd.DataFrame(
        {
            "replication": range(len(outcomes)),
            "seed": seeds,
            "outcome": outcomes,
            "deaths": deaths,
        }
    )
    summary = summarize_runs(runs, name, 1)
    return Results(Path(name), summary, runs, None, None, None, {})


def _pair(n: int, flipped: int, same_seeds: bool = True) -> tuple[Results, Results]:
    """A run and its edit: the edit turns ``flipped`` of the first run's ``unresolved``
    outcomes into ``incumbent_holds`` and adds 5 deaths to every run."""
    rng = np.random.default_rng(7)
    a = list(rng.choice(["incumbent_holds", "unresolved"], n))
    b = list(a)
    for i in [i for i, o in enumerate(a) if o == "unresolved"][:flipped]:
        b[i] = "incumbent_holds"
    deaths = rng.normal(300, 80, n)
    seeds = list(range(n))
    other = seeds if same_seeds else [s + 10_000 for s in seeds]
    return _results("A", a, seeds, deaths), _results("B", b, other, deaths + 5)


def test_runs_with_the_same_seeds_are_paired_and_narrower_than_unpaired() -> None:
    a, b = _pair(200, 10)
    paired = compare_results(a, b)
    assert paired.paired and paired.pairs == 200
    entry = paired.outcomes["incumbent_holds"]
    assert entry["diff"] == pytest.approx(10 / 200)
    assert entry["ci95"][0] > 0  # 10 flips out of 200 pairs: a real difference
    a2, b2 = _pair(200, 10, same_seeds=False)
    unpaired = compare_results(a2, b2)
    assert not unpaired.paired
    loose = unpaired.outcomes["incumbent_holds"]["ci95"]
    assert loose[0] <= 0 <= loose[1]  # without pairing, 5 points out of 200 runs is noise
    # The deaths moved by exactly 5 in every pair: paired, the interval is that point.
    deaths = paired.metrics["deaths"]
    assert np.allclose(deaths["mean_ci95"], [5.0, 5.0])
    spread = unpaired.metrics["deaths"]["mean_ci95"]
    assert spread[1] - spread[0] > 10


def test_every_metric_difference_has_an_interval() -> None:
    a, b = _pair(40, 3)
    table = metric_differences(compare_results(a, b))
    assert list(table["metric"]) == ["deaths (people)"]
    assert all("95%:" in cell for cell in table["B − A, median"])
    assert all("95%:" in cell for cell in table["B − A, mean"])


def test_the_power_hint_shrinks_with_more_replications() -> None:
    small = power(compare_results(*_pair(40, 4)))
    large = power(compare_results(*_pair(400, 40)))
    assert large.detectable < small.detectable
    assert small.needed > 40  # 40 pairs cannot see 5 points here
    # The replications it asks for would detect 5 points at the same spread.
    assert small.detectable * (40 / small.needed) ** 0.5 <= 0.0501


def test_identical_runs_fall_back_to_an_independent_spread() -> None:
    """No replication changed outcome: the paired spread is 0, which would promise any
    difference to be detectable; the hint uses two independent runs at 50% instead."""
    a, _ = _pair(20, 0)
    hint = power(compare_results(a, a))
    assert hint.detectable > 0.2
    assert "independent" in hint.basis
