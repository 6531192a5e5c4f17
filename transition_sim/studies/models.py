"""What an experiment runs: ``fn(inputs, seed) -> (outcome, metrics)``, the engine's one seam.

For the simulator, ``inputs`` is a validated `Scenario` (`transition`). Any other function can be
swept, screened or compared by the same engine, storage and seeding: it is named in a spec as
``module:function`` and declares its inputs and their defaults with `inputs` (the spec's
parameter paths must be among them). `ishigami` is the classic test with known Sobol indices.
A function must be importable by name (module level) so that process pools and Dask workers can
run it.

Naming a function runs its module's code, so a spec is trusted like code: without
``allow_code``, `resolve_function` accepts only a function inside this package or one registered
under the ``transition_sim.models`` entry-point group (by its entry-point name or its
``module:function``), and it checks the name before importing anything.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from transition_sim.scenario.address import apply_values, scenario_values
from transition_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from transition_sim.ensemble.uncertainty import Uncertainty

RunOutput = tuple[str, Mapping[str, float]]
RunFn = Callable[[Any, int], RunOutput]

MODELS_GROUP = "transition_sim.models"  # the entry-point group of registered models
_TARGET = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*", re.ASCII)

__all__ = [
    "MODELS_GROUP",
    "Model",
    "RunFn",
    "check_model",
    "drawn_transition",
    "inputs",
    "ishigami",
    "registered_models",
    "resolve_function",
    "transition",
]


def transition(scenario: Scenario, seed: int) -> RunOutput:
    """The simulator: one replication of ``scenario`` with ``seed``."""
    from transition_sim.simulate import simulate

    result = simulate(scenario, seed)
    return result.outcome, result.metrics


def drawn_transition(inputs: tuple[Scenario, Uncertainty | None], seed: int) -> RunOutput:
    """`transition` with the parameters of the draw of ``seed`` (point values if None): the
    run's seed is its draw's seed, as `run` draws replication r (one seed per draw)."""
    from transition_sim.ensemble.uncertainty import drawn_scenario

    scenario, uncertainty = inputs
    if uncertainty is not None:
        scenario = drawn_scenario(scenario, seed, uncertainty)
    return transition(scenario, seed)


def inputs(**defaults: float) -> Callable[[RunFn], RunFn]:
    """Declare a function's inputs and their default values (``fn.inputs``)."""

    def mark(fn: RunFn) -> RunFn:
        fn.inputs = dict(defaults)  # type: ignore[attr-defined]
        return fn

    return mark


@inputs(x1=0.0, x2=0.0, x3=0.0, a=7.0, b=0.1, noise=0.0)
def ishigami(x: Mapping[str, float], seed: int) -> RunOutput:
    """Ishigami & Homma (1990): y = sin x1 + a sin² x2 + b x3⁴ sin x1, x_i ~ U(-π, π).

    With a = 7, b = 0.1 the Sobol indices are known: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442,
    0.244). ``noise`` adds N(0, noise²) drawn from the run's seed, to stand for a stochastic model
    (its replications average it out; the rest of the variance is the function's). The outcome is
    the sign of y.
    """
    y = math.sin(x["x1"]) + x["a"] * math.sin(x["x2"]) ** 2
    y += x["b"] * x["x3"] ** 4 * math.sin(x["x1"])
    if x["noise"]:
        y += x["noise"] * float(np.random.default_rng(seed).standard_normal())
    return ("positive" if y > 0 else "negative"), {"y": y}


def registered_models() -> dict[str, str]:
    """Registered models: entry-point name -> ``module:function`` (read from the installed
    packages' metadata; nothing is imported)."""
    return {ep.name: ep.value for ep in importlib.metadata.entry_points(group=MODELS_GROUP)}


def check_model(name: str, *, allow_code: bool = False) -> str:
    """The ``module:function`` that ``name`` may run, checked without importing anything;
    `ValueError` saying why not. Without ``allow_code``, only this package's functions and
    registered models are accepted."""
    registered = registered_models()
    target = registered.get(name, name)
    if not _TARGET.fullmatch(target):
        raise ValueError(
            f"model {name!r}: write 'transition', a registered model or 'module:function'"
        )
    module_name = target.partition(":")[0]
    ours = module_name == "transition_sim" or module_name.startswith("transition_sim.")
    if allow_code or ours or target in registered.values():
        return target
    known = ", ".join(sorted(registered)) or "none"
    raise ValueError(
        f"model {name!r}: {module_name} is not a registered model (registered: {known});"
        " running it runs its code: pass --allow-code if you trust this spec"
    )


def resolve_function(name: str, *, allow_code: bool = False) -> RunFn:
    """The function ``name`` names (`check_model` first); `ValueError` saying why if there is
    none or it may not run."""
    target = check_model(name, allow_code=allow_code)
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"model {name!r}: cannot import {module_name} ({err})") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ValueError(f"model {name!r}: {module_name} has no function {attr!r}")
    if not isinstance(getattr(fn, "inputs", None), dict):
        raise ValueError(
            f"model {name!r}: declare the function's inputs with"
            " @transition_sim.studies.models.inputs(name=default, ...)"
        )
    return fn


@dataclass(frozen=True)
class Model:
    """A run function and the base its inputs are built from (a Scenario, or a function's inputs
    as a dict), with the spec's coupled sets."""

    fn: RunFn
    base: Scenario | dict[str, Any]
    coupled: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def data(self) -> dict[str, Any]:
        """The base as plain data, where parameter paths are looked up (do not modify)."""
        return scenario_values(self.base) if isinstance(self.base, Scenario) else dict(self.base)

    def build(self, values: Mapping[str, float]) -> tuple[Any, dict[str, float]]:
        """The inputs of one design point and the values actually set (coupled sets completed,
        integers rounded). Raises if they make invalid inputs (pydantic's `ValidationError` for
        an invalid scenario)."""
        data, applied = apply_values(self.data, values, self.coupled)
        if isinstance(self.base, Scenario):
            return Scenario.model_validate(data), applied
        return data, applied
