"""Scenario files read for a command, their errors reported under the contract (`errors`)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from transition_sim.cli.errors import CliError, scenario_error

if TYPE_CHECKING:
    from transition_sim.scenario.posterior import Posterior
    from transition_sim.scenario.schema import Scenario

__all__ = ["load", "load_checked", "loader"]


def loader() -> ModuleType:
    """The scenario loader, imported on first use so the CLI starts even without it."""
    try:
        from transition_sim.scenario import loader
    except ImportError as err:
        raise CliError(f"scenario loader not available ({err})", 1) from None
    return loader


def load(path: Path) -> Scenario:
    """The scenario in ``path``; a `CliError` (exit 2) that locates every problem if invalid."""
    return load_checked(path)[0]


def load_checked(path: Path) -> tuple[Scenario, Posterior | None]:
    """`load`, and the particles of the scenario's ``from_posterior`` as the loader read and
    checked them (None without one): what a run draws from, not a second read of the file."""
    scenarios = loader()
    try:
        return scenarios.load_scenario_and_posterior(path)
    except scenarios.ScenarioError as err:
        raise scenario_error(err) from None
    except OSError as err:
        message = f"cannot read: {err.strerror or err}"
        raise CliError(message, file=str(path), text=f"{path}: {message}") from None
