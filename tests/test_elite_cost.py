"""The elite layer's day is linear in the number of security factions (issue 14: 8,000 factions
took 92 s a simulated day, because each faction's coup odds recounted every faction)."""

from __future__ import annotations

import pytest

from transition_sim.core.elites import ElitePolitics
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.schema import Scenario


def many_factions(k: int) -> Scenario:
    """Two camps in a crisis (the rival resists from the start), ``k`` factions of 2 units."""
    return Scenario.model_validate(
        {
            "name": f"{k} factions",
            "days": 6,
            "regions": [{"name": "city", "urban_population": 40_000}],
            "camps": [
                {"name": "a", "incumbent": True, "power": 0.5},
                {"name": "b", "power": 0.3, "resistance": 1.0},
            ],
            "power": {"security": 0.2},
            "government": {"enabled": True},
            "factions": {
                f"f{i}": {
                    "units": 2,
                    "loyalty": {"a": 0.6, "b": 0.2, "self_interest": 0.2},
                    "counterweight": i % 5 == 0,
                }
                for i in range(k)
            },
            "shocks": [{"day": 0, "label": "shock", "hardship": 0.6}],
        }
    )


def faction_counts_per_day(k: int, monkeypatch: pytest.MonkeyPatch) -> float:
    calls = 0
    original = ElitePolitics._faction_part

    def counted(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ElitePolitics, "_faction_part", counted)
    model = TransitionModel(many_factions(k), seed=3)
    model.run_for(6)
    monkeypatch.undo()
    return calls / 6


def test_elite_work_per_day_grows_linearly_with_factions(monkeypatch) -> None:
    small = faction_counts_per_day(10, monkeypatch)
    large = faction_counts_per_day(40, monkeypatch)
    # Four times the factions: linear work is about four times as much; quadratic, sixteen.
    assert large / small < 6, (small, large)


def test_coup_odds_in_a_turn_are_the_direct_odds() -> None:
    """Within the factions' turn, the counted-once view gives each faction's coup odds as a
    full recount would, also after stances change one by one."""
    model = TransitionModel(many_factions(12), seed=5)
    model.run_for(2)
    el = model.elites
    sides = ["b", "security"]
    with el.factions_turn():
        for i, f in enumerate(model.factions):
            for side in sides:
                direct = el.odds(side, el.office, commit=(f.name, side))
                assert el.coup_odds(f, side) == pytest.approx(direct, rel=1e-12, abs=1e-15)
            f.stance = ("stand_aside", "side_with_b", "defect", "obey")[i % 4]
            el.note_stance(f)
