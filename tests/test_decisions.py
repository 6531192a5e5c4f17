"""Each decision rule's odds move in the direction its docstring (and docs/ODD.md) documents.

The rules are plain functions, so every direction is checked over a grid of inputs or with
hypothesis, not at a single hand-picked point.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transition_sim.core import decisions

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers in [low, high] without subnormals: a product with one underflows to 0, which
    hides a strict inequality behind floating-point arithmetic, not behind the model."""
    return st.floats(low, high, allow_subnormal=False)


unit = floats(0.0, 1.0)
positive = floats(0.01, 5.0)


# -- the contest ---------------------------------------------------------------------------------
@given(a=positive, b=positive, c=positive, extra=positive, exponent=floats(0.5, 4.0))
def test_contest_odds_rise_with_own_strength_and_fall_with_others(a, b, c, extra, exponent):
    base = decisions.tullock({"a": a, "b": b, "c": c}, exponent)
    stronger = decisions.tullock({"a": a + extra, "b": b, "c": c}, exponent)
    rival_stronger = decisions.tullock({"a": a, "b": b + extra, "c": c}, exponent)
    assert stronger["a"] > base["a"]
    assert rival_stronger["a"] < base["a"]
    assert math.isclose(sum(base.values()), 1.0)


@given(a=positive, b=positive, exponent=floats(0.5, 4.0))
def test_a_showdown_favours_no_side_by_its_name(a, b, exponent):
    """Swapping the two sides' strengths swaps their odds, and one side's odds are the other's
    complement: the contest knows strength, not who the office holder is."""
    p = decisions.showdown({"a": a, "b": b}, "a", "b", exponent)
    assert decisions.showdown({"a": b, "b": a}, "b", "a", exponent) == pytest.approx(p)
    assert decisions.showdown({"a": a, "b": b}, "b", "a", exponent) == pytest.approx(1 - p)


@given(a=floats(1.1, 5.0), b=floats(0.2, 1.0))
def test_a_steeper_contest_favours_the_stronger_side(a, b):
    assert decisions.showdown({"a": a, "b": b}, "a", "b", 3.0) > decisions.showdown(
        {"a": a, "b": b}, "a", "b", 1.0
    )


@given(b=positive, exponent=floats(0.5, 4.0))
def test_a_side_with_no_strength_never_prevails_against_one_with_some(b, exponent):
    odds = decisions.tullock({"a": 0.0, "b": b, "c": 0.0}, exponent)
    assert odds["a"] == odds["c"] == 0.0 and odds["b"] == pytest.approx(1.0)


# -- choosing ------------------------------------------------------------------------------------
def test_logit_pick_matches_the_softmax_probabilities():
    values, temperature = [0.2, 0.0, -0.1], 0.1
    draws = np.random.default_rng(5).random(40_000)
    picks = np.bincount([decisions.logit_pick(values, temperature, u) for u in draws], minlength=3)
    expected = np.exp(np.array(values) / temperature)
    expected /= expected.sum()
    assert np.allclose(picks / len(draws), expected, atol=0.01)


@given(value=floats(-1.0, 1.0), more=floats(0.01, 1.0), t=floats(0.01, 1.0))
def test_a_better_act_is_more_likely(value, more, t):
    p, q = decisions.logistic(value, t), decisions.logistic(value + more, t)
    assert q > p or q == pytest.approx(1.0)


@given(value=floats(0.01, 0.2), t=floats(0.02, 1.0))
def test_a_small_gain_is_taken_more_often_than_not_and_surer_by_a_colder_chooser(value, t):
    """No cut-off: a small gain is taken more often than not, never for certain at a moderate
    temperature, and more surely by a colder (less noisy) chooser."""
    p = decisions.logistic(value, t)
    assert 0.5 < p < 1.0
    assert decisions.logistic(value, t / 2) > p
    assert decisions.logistic(-value, t) == pytest.approx(1.0 - p), "a loss as unlikely"


# -- purges --------------------------------------------------------------------------------------
@given(p=floats(0.0, 0.95), dp=floats(0.01, 0.05), gain=floats(0.0, 2.0))
def test_a_purge_is_worth_more_the_better_the_odds(p, dp, gain):
    v = decisions.purge_value(p, gain, 1.0)
    assert decisions.purge_value(p + dp, gain, 1.0) > v


@given(p=floats(0.05, 1.0), gain=floats(0.0, 2.0), more=floats(0.01, 1.0))
def test_a_purge_is_worth_more_the_more_it_takes(p, gain, more):
    assert decisions.purge_value(p, gain + more, 1.0) > decisions.purge_value(p, gain, 1.0)


@given(p=floats(0.0, 0.99), punishment=floats(0.0, 3.0), more=floats(0.01, 1.0))
def test_a_purge_is_worth_less_the_harsher_losing_would_be(p, punishment, more):
    assert decisions.purge_value(p, 0.5, punishment + more) < decisions.purge_value(
        p, 0.5, punishment
    )


# -- exit, holding on, striking ------------------------------------------------------------------
@given(c=floats(0.0, 0.95), dc=floats(0.01, 0.05), keeps=unit, punishment=floats(0, 3))
def test_a_more_credible_guarantee_makes_exit_worth_more(c, dc, keeps, punishment):
    assert decisions.exit_value(c + dc, keeps, punishment) >= decisions.exit_value(
        c, keeps, punishment
    )
    if keeps + punishment > 0:
        assert decisions.exit_value(c + dc, keeps, punishment) > decisions.exit_value(
            c, keeps, punishment
        )


@given(c=floats(0.0, 0.99), keeps=unit, punishment=floats(0, 3), more=floats(0.01, 1))
def test_exit_is_worth_less_the_harsher_the_punishment(c, keeps, punishment, more):
    assert decisions.exit_value(c, keeps, punishment + more) < decisions.exit_value(
        c, keeps, punishment
    )


@given(p=floats(0.0, 0.95), dp=floats(0.01, 0.05), prize=floats(0.1, 3.0))
def test_a_strike_is_worth_more_the_better_the_odds(p, dp, prize):
    assert decisions.fight_value(p + dp, prize, 1.0) > decisions.fight_value(p, prize, 1.0)


@given(intact=unit, p=floats(0.0, 0.99), punishment=floats(0.01, 3.0))
def test_a_threatened_camp_values_holding_on_less(intact, p, punishment):
    threatened = decisions.hold_value(intact, p, True, punishment)
    assert threatened < decisions.hold_value(intact, p, False, punishment)


@given(intact=floats(0.0, 0.95), more=floats(0.01, 0.05), p=floats(0.01, 1.0))
def test_holding_on_is_worth_more_the_more_is_intact(intact, more, p):
    for threatened in (False, True):
        assert decisions.hold_value(intact + more, p, threatened, 1.0) > decisions.hold_value(
            intact, p, threatened, 1.0
        )


@given(
    p=floats(0.05, 0.3),
    intact=floats(0.0, 0.6),
    keeps=floats(0.5, 0.8),
    punishment=floats(0.5, 2.0),
)
def test_a_credible_guarantee_turns_a_cornered_camps_gamble_into_an_exit(
    p, intact, keeps, punishment
):
    """The commitment problem (Acemoglu & Robinson 2006): a threatened camp losing its posts
    and the odds, offered no safe way out, exits less often than one offered a guarantee; with
    the guarantee fully credible it exits more often than it strikes."""
    prize, t = 1.0 + intact, 0.05

    def shares(credibility: float) -> list[float]:
        values = [
            decisions.hold_value(intact, p, 1.0, punishment),
            decisions.exit_value(credibility, keeps, punishment),
            decisions.fight_value(p, prize, punishment),
        ]
        return decisions.choice_probabilities(values, t)

    none, full = shares(0.0), shares(1.0)
    assert full[1] > none[1]
    assert full[1] > full[2]


# -- coups, the patron, the sponsor --------------------------------------------------------------
@given(loyalty=unit, p=floats(0.0, 0.95), dp=floats(0.01, 0.05), penalty=floats(0, 2))
def test_a_coup_is_more_attractive_the_better_its_odds(loyalty, p, dp, penalty):
    assert decisions.coup_utility(loyalty, 0.4, p + dp, penalty) > decisions.coup_utility(
        loyalty, 0.4, p, penalty
    )


@given(p=floats(0.0, 0.99), penalty=floats(0.0, 2.0), more=floats(0.01, 1.0))
def test_a_coup_is_less_attractive_the_harsher_failure_is(p, penalty, more):
    assert decisions.coup_utility(0.5, 0.4, p, penalty + more) < decisions.coup_utility(
        0.5, 0.4, p, penalty
    )


@given(cost=floats(0.0, 0.95), more=floats(0.01, 0.05))
def test_the_patron_accepts_less_often_the_costlier_intervening_is(cost, more):
    assert decisions.patron_acceptance(True, cost + more) < decisions.patron_acceptance(True, cost)


def test_the_patron_answers_its_client_and_nobody_else():
    """In a model: the patron, aligned with the successor, deploys when the successor asks at no
    cost, and turns down the same request from a camp it is not aligned with."""
    from transition_sim.core.model import TransitionModel
    from transition_sim.scenario.loader import load_scenario
    from transition_sim.scenario.schema import Scenario

    sc = load_scenario(SCENARIOS / "kazakhstan_2022.yaml").model_dump()
    sc["patron"]["cost"] = 0.0
    client = TransitionModel(Scenario.model_validate(sc), 1)
    client.invite_patron()
    other = TransitionModel(Scenario.model_validate(sc), 1)
    other.elites.take_office("family", "palace")
    other.invite_patron()
    assert client.patron.state == "accepted"
    assert other.patron.state != "accepted" and "family" in other.patron.declined


def test_sponsored_violence_fades_as_the_sponsor_loses_ground():
    """In a model: the armed groups a resisting camp pays act less hard once it has lost posts to
    the office holder, and not at all once it stands down."""
    from transition_sim.core.elites import IN_OFFICE
    from transition_sim.core.model import TransitionModel
    from transition_sim.scenario.loader import load_scenario

    m = TransitionModel(load_scenario(SCENARIOS / "kazakhstan_2022.yaml"), 1)
    el = m.elites
    el.begin_resisting("family")
    full = m.crime_drive()
    el.transfer_power("family", "successor", 0.3)
    weaker = m.crime_drive()
    el.camps["family"].status = IN_OFFICE
    assert full > weaker > 0.0 and m.crime_drive() == 0.0
