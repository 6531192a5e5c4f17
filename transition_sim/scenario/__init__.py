"""Scenario I/O: YAML files in, a validated `Scenario` that can run out."""

from transition_sim.scenario.feasibility import check_feasible, estimate_memory
from transition_sim.scenario.loader import (
    ScenarioError,
    json_schema,
    load_scenario,
    scenario_hash,
    scenario_to_yaml,
)
from transition_sim.scenario.schema import Scenario

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
