"""The one pure function at the heart of the project: (scenario, seed) -> a run's results."""

from __future__ import annotations

from transition_sim.core.results import RunResult
from transition_sim.scenario.schema import Scenario

__all__ = ["simulate"]


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run one replication of ``scenario`` with ``seed``; same inputs, same result."""
    from transition_sim.core.model import TransitionModel

    model = TransitionModel(scenario, seed=seed)
    model.run()
    result = model.result()
    model.close()  # its arrays freed now, not when the collector finds the model (a cycle)
    return result
