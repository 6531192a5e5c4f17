"""The coup trap (docs/ODD.md §7.5, A-coup-trap): a country's past coups raise its forces' odds
of staging one; without a history the model is exactly as before."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from transition_sim.core.actors import SecurityFaction, coup_trap_value
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MALI = SCENARIOS / "cases" / "mali_2020.yaml"  # a mass protest whose army is a guardian


def with_history(scenario: Scenario, coups: list[dt.date], **expectations: float) -> Scenario:
    ex = scenario.expectations.model_copy(update=expectations)
    regime = scenario.regime.model_copy(update={"coups": coups})
    return scenario.model_copy(update={"regime": regime, "expectations": ex})


def table_hashes(scenario: Scenario, runs: int = 3, days: int = 40) -> dict[str, str]:
    e = run_ensemble(scenario.model_copy(update={"days": days}), runs, 11, workers=1)
    return {
        name: hashlib.sha256(
            pd.util.hash_pandas_object(getattr(e, name)).values.tobytes()
        ).hexdigest()
        for name in ("runs", "timeseries", "events")
    }


def test_the_trap_is_zero_without_a_history_or_an_effect() -> None:
    assert coup_trap_value(0.1, 1.1, 0.0) == 0.0
    assert coup_trap_value(0.1, 0.0, 2.0) == 0.0
    assert coup_trap_value(0.1, 1.1, 2.0) > coup_trap_value(0.1, 1.1, 1.0) > 0.0
    assert coup_trap_value(0.1, 2.0, 1.0) > coup_trap_value(0.1, 1.0, 1.0)


def test_a_history_raises_every_coup_option_by_the_same_log_odds_and_nothing_else() -> None:
    """Mali's recorded coups add temperature x trap x history to each coup a faction weighs, so
    in the logit each coup's odds against obeying rise by exp(trap x history); the other options
    are untouched."""
    mali = load_scenario(MALI)
    assert mali.regime.coups, "rule 15 records Mali's coups"
    without = with_history(mali, [])
    history = mali.regime.coup_history(mali.start_date, mali.expectations.coup_memory)
    assert 0.5 < history < 1.0  # 2012 (8 years), 1991 and 1968, half-life 10 years
    a, b = TransitionModel(mali, 5), TransitionModel(without, 5)
    for _ in range(3):
        a.step()
        b.step()
    fa = next(f for f in a.agents_by_type[SecurityFaction] if f.guardian > 0)
    fb = next(f for f in b.agents_by_type[SecurityFaction] if f.name == fa.name)
    fb.stance, fb.loyalty = fa.stance, dict(fa.loyalty)
    # the same situation for both: b's faction read through a's model state
    fb.model = a
    oa, ob = dict(fa.options(a.situation)), dict(fb.options(a.situation))
    assert oa.keys() == ob.keys()
    t, trap = mali.expectations.stance_temperature, mali.expectations.coup_trap
    for name in oa:
        if name.startswith("coup:"):
            assert oa[name] - ob[name] == pytest.approx(t * trap * history)
            assert math.exp((oa[name] - ob[name]) / t) == pytest.approx(math.exp(trap * history))
        else:
            assert oa[name] == ob[name]


def test_without_a_history_the_model_is_bit_identical_whatever_the_effect() -> None:
    """A case with no coup on record runs exactly as with the trap switched off, and a history
    with the trap at 0 runs exactly as no history: the mechanism adds nothing then."""
    mali = load_scenario(MALI)
    none_on = with_history(mali, [], coup_trap=1.1)
    none_off = with_history(mali, [], coup_trap=0.0)
    some_off = with_history(mali, mali.regime.coups, coup_trap=0.0)
    reference = table_hashes(none_off)
    assert table_hashes(none_on) == reference
    assert table_hashes(some_off) == reference
    # and the comparison sees a difference where there is one: a strong recent history
    strong = with_history(mali, [dt.date(2019, 6, 1), dt.date(2020, 1, 1)], coup_trap=5.0)
    assert table_hashes(strong, runs=10, days=90) != table_hashes(none_off, runs=10, days=90)


def test_an_army_under_mass_protest_removes_the_ruler_more_often_with_a_coup_history() -> None:
    """Mali's crisis (a mass protest, an army that guards the regime) with and without a recent
    coup history, the same seeds: the history makes insider takeovers by a coup more frequent.
    The history and the effect here are strong (three coups in the last four years; the trap
    at 5, beyond its prior's top, 2.3) so that 30 runs show it: at the library's sizes the
    effect is far smaller (experiments/diagnosis/coup_trap/README.md)."""
    mali = load_scenario(MALI)
    recent = [dt.date(2016, 6, 1), dt.date(2018, 6, 1), dt.date(2019, 6, 1)]
    shares = {}
    for label, coups in (("with", recent), ("without", [])):
        e = run_ensemble(with_history(mali, coups, coup_trap=5.0), 30, 7, workers=1)
        runs = e.runs
        shares[label] = (
            ((runs["outcome"] == "insider_takeover") & (runs["coups_won"] > 0)).mean(),
            runs["coups"].mean(),
        )
    assert shares["with"][1] > shares["without"][1]  # more coups staged
    assert shares["with"][0] >= shares["without"][0] + 0.2  # and more rulers removed by one
