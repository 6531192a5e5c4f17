"""Parameters addressed by dotted path: moved to `transition_sim.scenario.address`, so that the
ensemble (below the studies) can apply drawn parameters too; re-exported here for the studies."""

from transition_sim.scenario.address import (
    PathError,
    apply_values,
    base_value,
    coupled_values,
    scenario_values,
    set_value,
    yaml_value,
)

__all__ = [
    "PathError",
    "apply_values",
    "base_value",
    "coupled_values",
    "scenario_values",
    "set_value",
    "yaml_value",
]
