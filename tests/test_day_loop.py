"""`TransitionModel.run` (a plain day loop) runs a replication exactly as Mesa's event list does
(`run_for(days)`): the same days and the scripted shocks at the same moments, in the same order,
those of the last day after the last step, later ones never."""

from __future__ import annotations

from pathlib import Path

import pytest

from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Shock

BASELINE = Path(__file__).parents[1] / "scenarios" / "kazakhstan_2022.yaml"
DAYS = 12


def scenario():
    base = load_scenario(BASELINE)
    extra = [
        # listed out of day order; two on day 3 whose order shows in the log and the clipping
        Shock(day=3, label="second cut", legitimacy=-0.4, hardship=0.2),
        Shock(day=0, label="opening", performance=-0.3),
        Shock(day=3, label="third cut", legitimacy=0.5),
        Shock(day=DAYS, label="after the last step", legitimacy=-0.9),
        Shock(day=DAYS + 1, label="never", legitimacy=-0.9),
    ]
    return base.model_copy(update={"days": DAYS, "shocks": [*base.shocks, *extra]})


@pytest.mark.parametrize("seed", [1, 24])
def test_run_equals_mesas_event_list(seed: int) -> None:
    sc = scenario()
    plain, mesa = TransitionModel(sc, seed), TransitionModel(sc, seed)
    plain.run()
    mesa.run_for(DAYS)
    assert plain.events == mesa.events
    assert plain.timeseries_table().equals(mesa.timeseries_table())
    assert plain.metrics() == pytest.approx(mesa.metrics(), nan_ok=True, rel=0, abs=0)
    assert plain.time == mesa.time == DAYS
    labels = [d for _, actor, action, d in plain.events if action == "shock"]
    assert labels.index("second cut") < labels.index("third cut")
    assert "after the last step" in labels and "never" not in labels
