"""The elite actors' decision rules, each checked on a model put into a chosen situation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from transition_sim.core.actors import CAMPS, Situation
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def model(name: str = "kazakhstan_2022", seed: int = 1) -> TransitionModel:
    return TransitionModel(load_scenario(SCENARIOS / f"{name}.yaml"), seed)


def situation(**kw) -> Situation:
    base = dict(
        day=3,
        active_share=0.0,
        peaceful_share=1.0,
        armed_share=0.0,
        sites_seized=0.0,
        win={c: float(c == "successor") for c in CAMPS},
    )
    return Situation(**(base | kw))


def escalate_for(m: TransitionModel, days: int, s: Situation) -> int:
    for _ in range(days):
        m.successor._escalate(s)
    return m.repression_level


def test_a_large_peaceful_protest_meets_force_but_not_lethal_force() -> None:
    m = model()
    assert escalate_for(m, 5, situation(active_share=0.2, peaceful_share=1.0)) == 2


def test_armed_violence_brings_shoot_to_kill() -> None:
    m = model()
    threshold = m.params.successor.lethal_force_armed_share
    s = situation(active_share=0.2, peaceful_share=0.8, armed_share=2 * threshold)
    assert escalate_for(m, 5, s) == 3


def test_a_seized_site_brings_shoot_to_kill_even_with_a_small_protest() -> None:
    m = model()
    assert escalate_for(m, 5, situation(active_share=0.0, sites_seized=0.1)) == 3


def test_escalation_climbs_one_level_a_day() -> None:
    m = model()
    s = situation(active_share=0.2, armed_share=0.1)
    assert [escalate_for(m, 1, s) for _ in range(4)] == [1, 2, 3, 3]


@pytest.mark.parametrize("seized", [0.0, 0.5])
def test_the_patron_is_invited_only_when_services_are_not_loyal(seized) -> None:
    m = model()
    m.situation = situation(active_share=0.05, sites_seized=seized)
    m.successor.step()
    assert m.patron.state == "idle", "loyal services can retake a site; no need for the patron"
    knb = next(f for f in m.factions if f.name == "KNB")
    knb.stance = "stand_aside"
    m.successor.step()
    assert m.patron.state in ("accepted", "declined")
    assert m.invitation_day == m.day


def test_a_legitimacy_shock_moves_the_incumbents_legitimacy() -> None:
    m = model("belarus_2020")
    before = m.legitimacy
    (shock,) = m._shocks
    assert shock.shock.legitimacy < 0
    shock.fire()
    assert m.legitimacy == pytest.approx(before + shock.shock.legitimacy)
    assert m.events[-1][1:3] == ("scenario", "shock")


def test_situation_is_a_frozen_record() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        situation().day = 4  # type: ignore[misc]
