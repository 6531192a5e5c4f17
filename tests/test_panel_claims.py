"""Seeded ensembles: do the counterfactuals move the outcome distribution the way the panel says?

Each scenario runs 100 seeded replications. A rise or fall is judged by a two-proportion z
statistic (pooled variance) or, for counts, by Welch's t statistic, so a margin is always a
number of Monte-Carlo standard errors, not a share picked by hand. Where the model contradicts a
panelist, the test says so and is marked `xfail(strict=True)`: it documents the disagreement,
and it fails loudly if the model ever comes to agree.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 100

pytestmark = pytest.mark.slow


@cache
def runs(name: str) -> pd.DataFrame:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    return run_ensemble(scenario, replications=N, seed=2022, workers=2).runs


def share(name: str, *outcomes: str) -> float:
    return float(runs(name)["outcome"].isin(outcomes).mean())


def invited(name: str) -> float:
    return float(runs(name)["invitation_day"].notna().mean())


def rise_z(p0: float, p1: float, n: int = N) -> float:
    """Two-proportion z statistic of the rise from p0 to p1 (pooled variance)."""
    pooled = (p0 + p1) / 2
    se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * 2 / n)
    return (p1 - p0) / se


def mean_rise_t(before: pd.Series, after: pd.Series) -> float:
    """Welch's t statistic of the rise in a count's mean."""
    se = math.sqrt(before.var() / len(before) + after.var() / len(after))
    return (after.mean() - before.mean()) / max(se, 1e-12)


def test_baseline_the_incumbent_holds_is_the_most_likely_outcome() -> None:
    """Umarov: 'it is a real transition of power happening' (the successor wins the tandem)."""
    counts = runs("kazakhstan_2022")["outcome"].value_counts()
    assert counts.index[0] == "incumbent_holds", counts.to_dict()


def test_baseline_the_family_goes_within_the_window_the_protest_opened() -> None:
    """Melnykovska: 'Once the protest had happened, Tokayev had the window of opportunity to
    change the power of balance' (the relatives lost their posts 14-17 January, days 13-16).
    Where the family leaves the game, it leaves within the first three weeks."""
    df = runs("kazakhstan_2022")
    gone = df["camp_out_day"].dropna()
    assert len(gone) >= N / 2
    assert gone.median() <= 21


def test_baseline_detentions_are_in_the_thousands() -> None:
    assert 1000 <= runs("kazakhstan_2022")["detained"].median() < 100_000


def test_baseline_deaths_are_in_the_hundreds() -> None:
    assert 100 <= runs("kazakhstan_2022")["deaths"].median() < 1000


def test_without_the_patron_the_incumbent_holds_less_often() -> None:
    """Umarov: Russia 'acts in the moment of crisis'; without it (Kyrgyzstan 2010) the successor
    would have been in trouble. Judged as a fall of at least three standard errors. (Strict
    xfail until session 21, at 2.8: with the security chief counted for the camp he serves in a
    showdown between camps, experiments/diagnosis/insider/, 0.79 -> 0.51, 4.15.)"""
    p0, p1 = share("kazakhstan_2022", "incumbent_holds"), share("kz_no_patron", "incumbent_holds")
    assert rise_z(p1, p0) >= 3.0, (p0, p1)


def test_with_a_loyal_knb_the_patron_is_called_less_often() -> None:
    """Laruelle: the CSTO came because 'part of the security service didn't show loyalty'."""
    p0, p1 = invited("kazakhstan_2022"), invited("kz_loyal_security")
    assert rise_z(p1, p0) >= 3.0, (p0, p1)


def test_with_a_united_elite_the_incumbent_survives() -> None:
    """Umarov: 'if political elite is united and no crack, the ruler can stay'."""
    survives = ("incumbent_holds", "power_sharing")
    assert share("kz_united_elite", *survives) >= 0.8


def test_without_violent_groups_there_are_far_fewer_deaths() -> None:
    """Laruelle: the peaceful middle class and the violent groups were different crowds."""
    assert (
        runs("kz_peaceful")["deaths"].median() <= 0.25 * runs("kazakhstan_2022")["deaths"].median()
    )


def test_without_guarantees_the_family_strikes_for_the_office_more_often() -> None:
    """Umarov: the close circle 'have guarantees'. Without a safe exit, a family that is losing
    its posts has more reason to gamble on the office (the commitment problem)."""
    t = mean_rise_t(runs("kazakhstan_2022")["strikes"], runs("kz_no_guarantees")["strikes"])
    assert t >= 2.0, t


AFTERMATH_N = 40


@cache
def aftermath() -> pd.DataFrame:
    scenario = load_scenario(SCENARIOS / "kz_aftermath.yaml")
    return run_ensemble(scenario, replications=AFTERMATH_N, seed=2022, workers=2).runs


def test_aftermath_new_protest_waves_can_emerge() -> None:
    """Laruelle: 'if they are unsatisfied with the reforms' pathways, new protest can emerge.'"""
    later_waves = (aftermath()["protest_waves"] >= 2).mean()
    assert later_waves >= 0.1
    assert (aftermath()["reforms_delivered"] > 0).mean() > 0.5, "reforms are delivered too"


def test_aftermath_democratization_stays_minor_by_default() -> None:
    """Umarov: 'the potential of democratization is very minor by default': the typical
    aftermath liberalizes little. (Whether the street ousts the ruler in it is judged on 200 runs
    below: 40 cannot tell a share of 0.15 from 0.1.)"""
    assert aftermath()["liberalization"].median() <= 0.1


@pytest.mark.full
@pytest.mark.xfail(
    strict=True,
    reason="the baseline since session 26 ends the aftermath in a popular transition in 30 of "
    "200 runs (0.15; 0.17 [0.14, 0.21] of 400), above 'very minor'; the agents' baseline 12 of "
    "the same 200. Point 1025's values do it (contagion 0.29 against 0.10), not the blocks' "
    "rule: late ousters after four or more disappointing reforms in a row "
    "(experiments/session27/diag/, finding a)",
)
def test_aftermath_popular_transitions_stay_rare_by_default() -> None:
    """Umarov: 'the potential of democratization is very minor by default': at most one aftermath
    in ten ends with the street ousting the ruler, on 200 runs."""
    runs = run_ensemble(
        load_scenario(SCENARIOS / "kz_aftermath.yaml"), replications=200, seed=2022, workers=2
    ).runs
    assert (runs["outcome"] == "popular_transition").mean() <= 0.1
