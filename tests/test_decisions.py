"""Each decision rule's odds move in the direction its docstring (and docs/ODD.md) documents.

The rules are plain functions, so every direction is checked over a grid of inputs or with
hypothesis, not at a single hand-picked point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transition_sim.core import decisions


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


@given(a=positive, exponent=floats(0.5, 4.0))
def test_equal_strengths_give_even_odds(a, exponent):
    """The neutral point: plotters as strong as the government's side win half the time."""
    assert decisions.showdown({"a": a, "b": a}, "a", "b", exponent) == pytest.approx(0.5)


@given(a=floats(1.1, 5.0), b=floats(0.2, 1.0))
def test_a_steeper_contest_favours_the_stronger_side(a, b):
    assert decisions.showdown({"a": a, "b": b}, "a", "b", 3.0) > decisions.showdown(
        {"a": a, "b": b}, "a", "b", 1.0
    )


def test_nobody_strong_gives_equal_chances():
    assert decisions.tullock({"a": 0.0, "b": 0.0}, 2.0) == {"a": 0.5, "b": 0.5}


# -- choosing ------------------------------------------------------------------------------------
def test_logit_pick_matches_the_softmax_probabilities():
    values, temperature = [0.2, 0.0, -0.1], 0.1
    draws = np.random.default_rng(5).random(40_000)
    picks = np.bincount([decisions.logit_pick(values, temperature, u) for u in draws], minlength=3)
    expected = np.exp(np.array(values) / temperature)
    expected /= expected.sum()
    assert np.allclose(picks / len(draws), expected, atol=0.01)


@given(value=floats(-1.0, 1.0), more=floats(0.01, 1.0), t=floats(0.01, 1.0))
def test_a_better_act_is_more_likely_but_never_certain(value, more, t):
    p, q = decisions.logistic(value, t), decisions.logistic(value + more, t)
    assert q > p or q == pytest.approx(1.0)
    assert 0.0 <= p <= 1.0 and decisions.logistic(0.0, t) == pytest.approx(0.5)


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


def test_without_a_credible_guarantee_a_cornered_camp_prefers_to_strike():
    """The commitment problem (Acemoglu & Robinson 2006): with no safe exit, a camp that is
    losing its posts gambles on the office; a credible guarantee makes it leave instead."""
    p, prize, intact, punishment, keeps = 0.2, 1.8, 0.4, 1.0, 0.5
    strike = decisions.fight_value(p, prize, punishment)
    hold = decisions.hold_value(intact, 1 - 0.8, True, punishment)
    assert strike > decisions.exit_value(0.0, keeps, punishment)
    assert strike > hold
    assert decisions.exit_value(0.8, keeps, punishment) > strike


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


@given(cost=unit)
def test_the_patron_never_rescues_a_camp_it_is_not_aligned_with(cost):
    assert decisions.patron_acceptance(False, cost) == 0.0
    assert decisions.patron_acceptance(True, cost) >= decisions.patron_acceptance(False, cost)


@given(start=floats(0.05, 1.0), fall=floats(0.01, 0.99), motivation=floats(0.01, 1.0))
def test_sponsored_violence_fades_with_the_sponsors_prospects(start, fall, motivation):
    full = decisions.sponsored_drive(motivation, start, start)
    fading = decisions.sponsored_drive(motivation, start * (1 - fall), start)
    assert full == pytest.approx(motivation)
    assert fading < full
