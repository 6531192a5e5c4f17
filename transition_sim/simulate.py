"""The one pure function at the heart of the project: (scenario, seed) -> a run's results."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transition_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RunResult:
    """Everything one replication produces, as plain values and tables.

    - ``outcome``: one of `transition_sim.core.outcomes.OUTCOMES`.
    - ``metrics``: final metrics by name (floats; NaN where a metric does not apply,
      e.g. ``invitation_day`` when the patron was never invited).
    - ``timeseries``: one row per (day, region) plus region ``"all"``; see `core.model`.
    - ``events``: the event log, columns ``day, date, actor, action, details``.
    """

    outcome: str
    metrics: dict[str, float]
    timeseries: pd.DataFrame
    events: pd.DataFrame


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run one replication of ``scenario`` with ``seed``; same inputs, same result."""
    from transition_sim.core.model import TransitionModel

    model = TransitionModel(scenario, seed=seed)
    model.run()
    return model.result()
