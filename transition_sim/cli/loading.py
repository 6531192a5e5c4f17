"""Scenario files read for a command, their errors reported under the contract (`errors`)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from transition_sim.cli.errors import CliError, scenario_error
from transition_sim.scenario.schema import Scenario

__all__ = ["load", "loader"]


def loader() -> ModuleType:
    """The scenario loader, imported on first use so the CLI starts even without it."""
    try:
        from transition_sim.scenario import loader
    except ImportError as err:
        raise CliError(f"scenario loader not available ({err})", 1) from None
    return loader


def load(path: Path) -> Scenario:
    """The scenario in ``path``; a `CliError` (exit 2) that locates every problem if invalid."""
    scenarios = loader()
    try:
        return scenarios.load_scenario(path)
    except scenarios.ScenarioError as err:
        raise scenario_error(err) from None
    except OSError as err:
        message = f"cannot read: {err.strerror or err}"
        raise CliError(message, file=str(path), text=f"{path}: {message}") from None
