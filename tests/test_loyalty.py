"""Loyalty as state (issue 13, item 1): each mechanism moves loyalty the way its literature says,
does nothing at rate 0, and only moves mass between holders (docs/ODD.md §7.5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transition_sim.core import loyalty
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import (
    OPPOSITION,
    SELF_INTEREST,
    Faction,
    LoyaltyDynamics,
    Scenario,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CAMPS = ["ruler", "rival"]
START = {"ruler": 0.6, "rival": 0.2, SELF_INTEREST: 0.2}


def tie(**faction) -> loyalty.Tie:
    spec = Faction(units=1, loyalty=faction.pop("loyalty", START), **faction)
    return loyalty.tie(spec, LoyaltyDynamics(patrimonial_anchor=0.8), CAMPS)


FREE = tie()  # institutional, no guardian: drift to the street goes to the street


def test_backfire_moves_loyalty_from_the_ruler_to_the_street() -> None:
    after = loyalty.backfire(START, "ruler", 1.0, 0.5, FREE)
    assert after["ruler"] < START["ruler"]
    assert after[OPPOSITION] > 0.0
    assert after["rival"] == START["rival"] and after[SELF_INTEREST] == START[SELF_INTEREST]


@pytest.mark.parametrize("rate, signal", [(0.0, 1.0), (1.0, 0.0)])
def test_no_mechanism_moves_anything_at_rate_or_signal_zero(rate: float, signal: float) -> None:
    assert loyalty.backfire(START, "ruler", rate, signal, FREE) == START
    assert loyalty.crowd_pressure(START, "ruler", rate, signal, FREE) == START
    assert loyalty.elite_split(START, "ruler", rate, {"rival": signal}, FREE) == START
    others = {OPPOSITION: signal}
    assert loyalty.cascade(START, "ruler", rate, others, 0.3, 0.1, FREE) == START
    if rate == 0.0:
        assert loyalty.patron_pay(START, "ruler", rate, FREE) == START
        assert loyalty.recover({"ruler": 1.0}, START, rate) == {"ruler": 1.0}


def test_crowd_pressure_grows_with_the_exposure_of_the_units() -> None:
    low = loyalty.crowd_pressure(START, "ruler", 0.5, 0.1, FREE)
    high = loyalty.crowd_pressure(START, "ruler", 0.5, 0.9, FREE)
    assert START["ruler"] > low["ruler"] > high["ruler"]
    assert high[OPPOSITION] > low[OPPOSITION] > 0.0


def test_an_institutional_guardian_protects_the_regime_not_the_ruler() -> None:
    """Its share of the street's pull goes to the services' own interest (a junta's base)."""
    guardian = tie(guardian=0.75)
    after = loyalty.crowd_pressure(START, "ruler", 1.0, 1.0, guardian)
    to_self = after[SELF_INTEREST] - START[SELF_INTEREST]
    assert to_self > 0.0 and to_self == pytest.approx(3 * after[OPPOSITION])


@pytest.mark.parametrize(
    "ties", [{"kind": "patrimonial"}, {"stacked": 0.7}, {"counterweight": True}]
)
def test_coup_proofed_forces_stay_with_their_camp(ties: dict) -> None:
    """Patrimonial, stacked and counterweight forces drift less to the street than an
    institutional force facing the same crowd, and lose loyalty only with their camp."""
    anchored = tie(**ties)
    free = loyalty.crowd_pressure(START, "ruler", 1.0, 1.0, FREE)
    held = loyalty.crowd_pressure(START, "ruler", 1.0, 1.0, anchored)
    assert START["ruler"] > held["ruler"] > free["ruler"]
    # Tied to the ruler's camp, not to whoever holds the office: the rival's pull on a force
    # anchored to the rival is damped the same way.
    rivals_man = tie(loyalty={"ruler": 0.2, "rival": 0.7, SELF_INTEREST: 0.1}, **ties)
    loose = tie(loyalty={"ruler": 0.2, "rival": 0.7, SELF_INTEREST: 0.1})
    start = {"ruler": 0.2, "rival": 0.7, SELF_INTEREST: 0.1}
    kept = loyalty.patron_pay(start, "ruler", 0.5, rivals_man)["rival"]
    assert kept > loyalty.patron_pay(start, "ruler", 0.5, loose)["rival"]


def test_the_cascade_follows_the_others_once_past_the_threshold() -> None:
    others_few = {OPPOSITION: 0.1}
    others_many = {OPPOSITION: 0.6}
    few = loyalty.cascade(START, "ruler", 0.5, others_few, 0.4, 0.05, FREE)
    many = loyalty.cascade(START, "ruler", 0.5, others_many, 0.4, 0.05, FREE)
    assert START["ruler"] - many["ruler"] > 10 * (START["ruler"] - few["ruler"])
    # Loyalty goes where the others went: standing aside pulls to self-interest.
    aside = loyalty.cascade(START, "ruler", 0.5, {SELF_INTEREST: 0.6}, 0.4, 0.05, FREE)
    assert aside[SELF_INTEREST] > START[SELF_INTEREST] and OPPOSITION not in aside
    # A lower threshold turns on fewer others.
    low = loyalty.cascade(START, "ruler", 0.5, {OPPOSITION: 0.3}, 0.2, 0.05, FREE)
    high = loyalty.cascade(START, "ruler", 0.5, {OPPOSITION: 0.3}, 0.5, 0.05, FREE)
    assert low["ruler"] < high["ruler"]


def test_an_elite_split_pulls_towards_the_resisting_camp_by_its_odds() -> None:
    weak = loyalty.elite_split(START, "ruler", 0.5, {"rival": 0.2}, FREE)
    strong = loyalty.elite_split(START, "ruler", 0.5, {"rival": 0.8}, FREE)
    assert START["rival"] < weak["rival"] < strong["rival"]
    assert strong.get(OPPOSITION, 0.0) == 0.0


def test_a_patron_on_the_ground_binds_loyalty_to_its_client() -> None:
    after = loyalty.patron_pay(START, "ruler", 0.3, FREE)
    assert after["ruler"] > START["ruler"]
    assert after["rival"] < START["rival"] and after[SELF_INTEREST] < START[SELF_INTEREST]


def test_recovery_closes_the_gap_to_the_level() -> None:
    moved = {"ruler": 0.2, OPPOSITION: 0.6, "rival": 0.2}
    after = loyalty.recover(moved, START, 0.3)
    assert moved["ruler"] < after["ruler"] < START["ruler"]
    assert 0.0 < after[OPPOSITION] < moved[OPPOSITION]


def test_a_discrete_event_moves_the_level_loyalty_recovers_to() -> None:
    """A chief replaced by the ruler's man (rival's share to the ruler) shifts the level."""
    drifted = {"ruler": 0.4, "rival": 0.2, SELF_INTEREST: 0.2, OPPOSITION: 0.2}
    purged = {"ruler": 0.6, SELF_INTEREST: 0.2, OPPOSITION: 0.2}
    level = loyalty.shifted(START, drifted, purged)
    assert level.get("rival", 0.0) == 0.0 and level["ruler"] == pytest.approx(0.8)


parts = st.floats(0.0, 1.0, allow_subnormal=False)


@settings(max_examples=300, deadline=None)
@given(
    a=parts, b=parts, c=parts, d=parts,
    rate=st.floats(0.0, 5.0, allow_subnormal=False),
    signal=parts,
    anchor=st.sampled_from([{}, {"kind": "patrimonial"}, {"stacked": 0.5}, {"guardian": 0.5}]),
)  # fmt: skip
def test_every_mechanism_only_moves_mass(
    a: float, b: float, c: float, d: float, rate: float, signal: float, anchor: dict
) -> None:
    total = a + b + c + d
    if total <= 1e-6:
        return
    lam = {"ruler": a / total, "rival": b / total, SELF_INTEREST: c / total, OPPOSITION: d / total}
    t = tie(**anchor)
    results = [
        loyalty.backfire(lam, "ruler", rate, signal, t),
        loyalty.crowd_pressure(lam, "ruler", rate, signal, t),
        loyalty.cascade(lam, "ruler", rate, {SELF_INTEREST: signal / 2, "rival": signal / 2},
                        0.3, 0.1, t),
        loyalty.elite_split(lam, "ruler", rate, {"rival": signal}, t),
        loyalty.patron_pay(lam, "ruler", rate, t),
        loyalty.recover(lam, START, rate),
    ]  # fmt: skip
    for after in results:
        assert sum(after.values()) == pytest.approx(1.0, abs=1e-9)
        assert min(after.values()) >= -1e-12


# -- in the model: the daily update ----------------------------------------------------------------
def kazakhstan(**dynamics) -> TransitionModel:
    """The baseline with only the named mechanisms on."""
    sc = load_scenario(SCENARIOS / "kazakhstan_2022.yaml")
    data = sc.model_dump()
    off = dict.fromkeys(
        ("backfire", "crowd_pressure", "cascade", "elite_split", "patron_pay", "recovery"), 0.0
    )
    data["loyalty_dynamics"] = dict(data["loyalty_dynamics"]) | off | dynamics
    # Twice the price rise: the crowd's ignition is all-or-nothing at the baseline's shock
    # (docs/ODD.md §8), and these tests need days of crisis, whatever the seed.
    data["shocks"][0]["magnitude"] = 2.0
    return TransitionModel(Scenario.model_validate(data), 3)


def office_loyalty(m: TransitionModel, days: int) -> dict[str, float]:
    m.run_for(days)
    return {f.name: f.loyalty.get(m.elites.office, 0.0) for f in m.factions}


def test_loyalty_stays_fixed_with_every_rate_at_zero() -> None:
    """Only discrete events (a chief replaced by a purge or after a failed coup) move it."""
    m = kazakhstan()
    start = {f.name: dict(f.loyalty) for f in m.factions}
    snapshot = start
    for _ in range(10):
        m.step()
        if not m.elites.office_is_camp:
            break  # the office left the camps: check the day before
        snapshot = {f.name: dict(f.loyalty) for f in m.factions}
        office = m.elites.office
        gone = [n for n, c in m.elites.camps.items() if not c.in_play]
    replaced = {f.name for f in m.factions for e in m.events if f"{f.name} chief" in e[3]}
    replaced |= {e[1] for e in m.events if e[2] == "coup_failed"}
    assert m.peak_active_share > m.params.order.max_active_share, "the test needs a crisis"
    assert m.day >= 5, "the test needs days of crisis"
    for f in m.factions:
        assert OPPOSITION not in snapshot[f.name], f.name
        if f.name not in replaced:
            expected = {k: v for k, v in start[f.name].items() if k not in gone}
            expected[office] += sum(start[f.name].get(k, 0.0) for k in gone)  # as `remove`
            assert snapshot[f.name] == pytest.approx(expected), f.name


def test_a_crowd_in_front_of_the_units_moves_loyalty_to_the_street_in_the_model() -> None:
    """Days of mass protest with crowd pressure on: the services' loyalty to the office holder
    falls and the street gains; off, nobody's loyalty goes to the street."""
    on = kazakhstan(crowd_pressure=1.0)
    on.run_for(5)
    assert on.elites.street.active_share > on.params.order.max_active_share, (
        "the test needs a crowd"
    )
    assert all(f.loyalty.get(OPPOSITION, 0.0) > 0.0 for f in on.factions)
    off = kazakhstan(crowd_pressure=0.0)
    off.run_for(5)
    assert all(f.loyalty.get(OPPOSITION, 0.0) == 0.0 for f in off.factions)


def test_repressing_peaceful_crowds_backfires_in_the_model() -> None:
    on = kazakhstan(backfire=2.0)
    on.run_for(5)
    assert on.repression_level > 0, "the test needs repression"
    assert sum(f.loyalty.get(OPPOSITION, 0.0) for f in on.factions) > 0.0
