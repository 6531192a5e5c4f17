"""The elite actors' decision rules, each checked on a model put into a chosen situation: the
odds of each choice move in the direction docs/ODD.md §7.5–7.8 documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from transition_sim.core import decisions
from transition_sim.core.actors import Situation
from transition_sim.core.elites import RESISTING
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def scenario(name: str = "kazakhstan_2022") -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


def model(sc: Scenario | str = "kazakhstan_2022", seed: int = 1) -> TransitionModel:
    return TransitionModel(scenario(sc) if isinstance(sc, str) else sc, seed)


def situation(m: TransitionModel, **kw) -> Situation:
    base = dict(
        day=3,
        active_share=0.0,
        peaceful_share=1.0,
        armed_share=0.0,
        sites_seized=0.0,
        win=m.elites.expected_winner(),
        calm=True,
    )
    return Situation(**(base | kw))


def escalate_for(m: TransitionModel, days: int, s: Situation) -> int:
    for _ in range(days):
        m.government._escalate(s)
    return m.repression_level


# -- repression ----------------------------------------------------------------------------------
def test_a_large_peaceful_protest_meets_force_but_not_lethal_force() -> None:
    m = model()
    assert escalate_for(m, 5, situation(m, active_share=0.2, peaceful_share=1.0)) == 2


def test_armed_violence_brings_lethal_force() -> None:
    m = model()
    threshold = m.params.government.lethal_force_armed_share
    s = situation(m, active_share=0.2, peaceful_share=0.8, armed_share=2 * threshold)
    assert escalate_for(m, 5, s) == 3


def test_a_seized_site_brings_lethal_force_even_with_a_small_protest() -> None:
    m = model()
    assert escalate_for(m, 5, situation(m, active_share=0.0, sites_seized=0.1)) == 3


def test_escalation_climbs_one_level_a_day() -> None:
    m = model()
    s = situation(m, active_share=0.2, armed_share=0.1)
    assert [escalate_for(m, 1, s) for _ in range(4)] == [1, 2, 3, 3]


# -- the patron ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seized", [0.0, 0.5])
def test_the_patron_is_invited_only_when_services_are_not_loyal(seized) -> None:
    m = model()
    m.situation = situation(m, active_share=0.05, sites_seized=seized)
    m.government.step()
    assert m.patron.state == "idle", "loyal services can retake a site; no need for the patron"
    m.faction("KNB").stance = "stand_aside"
    m.government.step()
    assert m.patron.state == "accepted" or "successor" in m.patron.declined
    assert m.invitation_day == m.day


def accepted_share(m_factory, inviter: str, n: int = 400) -> float:
    accepted = 0
    for seed in range(n):
        m = m_factory(seed)
        m.patron.invite(inviter)
        accepted += m.patron.state == "accepted"
    return accepted / n


def test_the_patron_accepts_its_ally_less_often_the_costlier_intervening_is() -> None:
    sc = scenario()

    def with_cost(cost: float):
        patron = sc.patron.model_copy(update={"cost": cost})
        return lambda seed: model(sc.model_copy(update={"patron": patron}), seed)

    cheap, dear = (
        accepted_share(with_cost(0.1), "successor"),
        accepted_share(with_cost(0.6), "successor"),
    )
    assert cheap > dear + 0.3
    assert cheap == pytest.approx(0.9, abs=0.05)
    assert accepted_share(with_cost(0.1), "family") == 0.0, "it is aligned with the successor"


def test_a_committed_patron_raises_its_clients_odds_in_a_showdown() -> None:
    m = model()
    before = m.elites.odds("successor", "family")
    m.patron.state, m.patron.client = "accepted", "successor"
    assert m.elites.odds("successor", "family") > before


def test_a_patron_aligned_with_the_opposition_backs_it_from_the_start() -> None:
    sc = scenario()
    patron = sc.patron.model_copy(update={"aligned_with": "opposition"})
    backed = model(sc.model_copy(update={"patron": patron}))
    plain = model(sc)
    assert backed.patron.backs == "opposition"
    assert (
        backed.elites.expected_winner()["opposition"] > plain.elites.expected_winner()["opposition"]
    )


# -- security factions ---------------------------------------------------------------------------
def stance_shares(m: TransitionModel, faction: str) -> dict[str, float]:
    """How likely `faction` is to pick each option today (from its utilities)."""
    options = m.faction(faction).options(m.situation)
    t = m.params.expectations.stance_temperature
    probs = decisions.choice_probabilities([u for _, u in options], t)
    return {name: p for (name, _), p in zip(options, probs, strict=True)}


def test_a_faction_sides_with_a_camp_only_when_the_camp_resists() -> None:
    m = model()
    m.situation = situation(m)
    assert not any(k.startswith("side_with_") for k in stance_shares(m, "KNB"))
    m.elites.begin_resisting("family")
    m.situation = situation(m)
    assert "side_with_family" in stance_shares(m, "KNB")


def test_a_chief_who_is_the_resisting_camps_man_stands_aside_more_often() -> None:
    m = model()
    m.situation = situation(m)
    calm = stance_shares(m, "KNB")["stand_aside"]
    m.elites.begin_resisting("family")
    m.situation = situation(m)
    assert stance_shares(m, "KNB")["stand_aside"] > calm


def test_a_coup_is_more_tempting_the_better_its_odds() -> None:
    m = model()
    m.elites.begin_resisting("family")
    m.situation = situation(m)
    low = stance_shares(m, "KNB")["coup:family"]
    m.elites.power["family"] += m.elites.power["successor"] - 0.01  # the family's posts grow
    m.elites.power["successor"] = 0.01
    m.situation = situation(m)
    assert stance_shares(m, "KNB")["coup:family"] > low


def test_firing_on_peaceful_crowds_makes_averse_factions_obey_less() -> None:
    m = model()
    m.situation = situation(m, active_share=0.1, peaceful_share=1.0)
    before = stance_shares(m, "army")["obey"]
    m.repression_level = 3
    assert stance_shares(m, "army")["obey"] < before


# -- rival camps ---------------------------------------------------------------------------------
def rival_choice(m: TransitionModel) -> dict[str, float]:
    """How likely the family camp is to hold, exit or strike today."""
    values = m.rivals[1].values()
    probs = decisions.choice_probabilities(
        list(values.values()), m.params.expectations.decision_temperature
    )
    return dict(zip(values, probs, strict=True))


def cornered_family(guarantees: bool) -> TransitionModel:
    m = model()
    el = m.elites
    el.begin_resisting("family")
    el.camps["family"].threatened = True
    el.transfer_power("family", "successor", 0.6 * el.power["family"])  # purged twice over
    el.guarantees_offered = guarantees
    return m


def test_guarantees_make_a_cornered_camp_exit_instead_of_striking() -> None:
    """C-guarantees and the commitment problem: without a safe exit, a camp that is losing its
    posts fights for the office; with credible guarantees it leaves."""
    with_g, without = rival_choice(cornered_family(True)), rival_choice(cornered_family(False))
    assert with_g["exit"] > without["exit"]
    assert without["strike"] > with_g["strike"]
    assert without["strike"] > without["exit"]


def test_a_camp_strikes_more_readily_the_better_its_odds() -> None:
    m = cornered_family(False)
    before = rival_choice(m)["strike"]
    m.faction("KNB").stance = "side_with_family"
    m.faction("police").stance = "side_with_family"
    assert m.elites.odds("family", "successor") > 0.5
    assert rival_choice(m)["strike"] > before


def test_a_camp_resists_only_when_something_opens_the_way() -> None:
    sc = scenario()
    camps = [c.model_copy(update={"resistance": 1.0, "cohesion": 1.0}) for c in sc.camps]
    m = model(sc.model_copy(update={"camps": camps}))
    m.situation = situation(m, calm=True)
    m.rivals[1].step()
    assert m.elites.camps["family"].status == "in_office"
    m.situation = situation(m, calm=False)
    m.rivals[1].step()
    assert m.elites.camps["family"].status == RESISTING


def test_sponsored_violence_fades_when_the_patron_comes_in() -> None:
    m = model()
    m.elites.street.sponsored_share = 0.001
    m.elites.begin_resisting("family")
    full = m.crime_drive()
    m.patron.state, m.patron.client = "accepted", "successor"
    assert full == pytest.approx(m.params.protesters.crime_motivation)
    assert m.crime_drive() < full


# -- the office holder ---------------------------------------------------------------------------
def test_the_office_holder_purges_more_readily_the_better_its_odds() -> None:
    """The purge's attempt probability is the logistic of its value, which rises with the odds:
    committing the patron (which counts for the successor) raises it."""
    m = model()
    gov = m.params.government

    def attempt_probability() -> float:
        el = m.elites
        gain = gov.purge_transfer * el.power["family"] / el.power["successor"]
        value = decisions.purge_value(el.odds("successor", "family"), gain, 1.0)
        return decisions.logistic(value, m.params.expectations.decision_temperature)

    before = attempt_probability()
    m.patron.state, m.patron.client = "accepted", "successor"
    assert attempt_probability() > before


def leave_probability(m: TransitionModel, win: float) -> float:
    camp = m.elites.camps[m.elites.office].spec
    stay = decisions.fight_value(win, 1.0, camp.punishment)
    leave = decisions.exit_value(camp.exit_safety, camp.exit_keeps, camp.punishment)
    return decisions.logistic(leave - stay, m.params.expectations.decision_temperature)


def test_an_office_holder_leaves_more_readily_the_worse_its_expected_odds() -> None:
    m = model()
    assert leave_probability(m, 0.1) > leave_probability(m, 0.5) > leave_probability(m, 0.9)


def test_an_office_holder_that_expects_to_lose_hands_the_office_to_the_strongest() -> None:
    m = model()
    for f in m.factions:
        f.stance = "defect"
    m.elites.street.active_share = 0.3
    win = m.elites.expected_winner()
    assert max(win, key=win.get) == "opposition"
    m.situation = situation(m, active_share=0.3, win=win)
    for _ in range(20):
        m.government._consider_leaving(m.situation)
        if m.elites.office != "successor":
            break
    assert m.elites.office == "opposition"


def test_a_legitimacy_shock_moves_the_office_holders_legitimacy() -> None:
    sc = scenario()
    shock = {"day": 0, "label": "disputed election", "legitimacy": -0.3}
    m = model(Scenario.model_validate(sc.model_dump() | {"shocks": [shock]}))
    before = m.legitimacy
    (scripted,) = m._shocks
    scripted.fire()
    assert m.legitimacy == pytest.approx(before - 0.3)
    assert m.events[-1][1:3] == ("scenario", "shock")


def test_situation_is_a_frozen_record() -> None:
    m = model()
    with pytest.raises(AttributeError):
        situation(m).day = 4  # type: ignore[misc]
