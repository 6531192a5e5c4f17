"""Scenario I/O: YAML files in, a validated `Scenario` that can run out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from transition_sim.lazy import lazy_getattr

# Names are imported on first use (PEP 562): the schema alone must not pull in the
# feasibility checks' numpy and pandas.
_MODULES = {
    "Scenario": "schema",
    "ScenarioError": "loader",
    "check_feasible": "feasibility",
    "estimate_memory": "feasibility",
    "json_schema": "loader",
    "load_scenario": "loader",
    "scenario_hash": "loader",
    "scenario_to_yaml": "loader",
}

if TYPE_CHECKING:
    from transition_sim.scenario.feasibility import check_feasible, estimate_memory
    from transition_sim.scenario.loader import (
        ScenarioError,
        json_schema,
        load_scenario,
        scenario_hash,
        scenario_to_yaml,
    )
    from transition_sim.scenario.schema import Scenario


__getattr__ = lazy_getattr(__name__, _MODULES)

__all__ = [
    "Scenario",
    "ScenarioError",
    "check_feasible",
    "estimate_memory",
    "json_schema",
    "load_scenario",
    "scenario_hash",
    "scenario_to_yaml",
]
