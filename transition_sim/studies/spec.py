"""Experiment specs: the YAML file that says what to vary, how to sample it, and how often to run.

```yaml
name: KNB loyalty x patron readiness
scenario: ../scenarios/kazakhstan_2022.yaml   # relative to this file (the transition model)
fixed: {days: 60}                             # set before anything is varied (optional)
design: grid                                  # grid | oat | lhs | morris | sobol
replications: 20                              # runs per design point
seed: 8                                       # with point and replication, gives each run's seed
parameters:
  - path: factions.KNB.loyalty.successor      # a number in the scenario (see address.py)
    values: [0.1, 0.25, 0.5]                  # or range: {low, high, steps}; bounds: [low, high];
                                              # or distribution: {name: normal, mean, sd} ...
coupled:                                      # sets that keep their sum (address.py has the rule)
  - [factions.KNB.loyalty.successor, factions.KNB.loyalty.family,
     factions.KNB.loyalty.self_interest]
```

Sampling designs take ``design: {method: lhs|morris|sobol, samples: N}`` (points for lhs, Morris
trajectories, Sobol's base sample N, a power of two), ``levels`` (Morris grid levels, default 4)
and ``second_order`` (Sobol, default false). Grid and one-at-a-time designs need each parameter's
``values`` or ``range``; sampling designs need ``bounds``, ``range`` or a ``distribution``.

``model`` is ``transition`` (the default: the simulator, on ``scenario``), a registered model's
name, or ``module:function``, any function ``fn(inputs, seed) -> (outcome, metrics)`` that
declares its inputs (see `transition_sim.studies.models`; outside the package and the registry
it needs ``allow_code``); then ``scenario`` is left out.

A spec is read like a scenario (`transition_sim.scenario.loader`): a bad one raises
`ScenarioError` naming file, line and field.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self, Union, get_args, get_origin

import numpy as np
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as after
from scipy import stats

from transition_sim.scenario.loader import (
    NO_VALUE,
    Locations,
    ScenarioError,
    describe_error,
    locate,
    read_located,
    unwrap_annotation,
)

METHODS = ("grid", "oat", "lhs", "morris", "sobol")
# A design is built whole, and every point validated as a scenario, before anything runs: bound
# it (and its runs) so that validation refuses what would exhaust the machine (exit 2).
MAX_POINTS = 100_000
MAX_RUNS = 10_000_000
SAMPLING = ("lhs", "morris", "sobol")

__all__ = [
    "METHODS",
    "SAMPLING",
    "Parameter",
    "Spec",
    "SpecFile",
    "data_hash",
    "load_spec",
    "spec_hash",
    "spec_to_yaml",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Interval(Strict):
    """``low`` < ``high``."""

    low: float
    high: float

    @after(mode="after")
    def _ordered(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Steps(Interval):
    """``steps`` evenly spaced values from ``low`` to ``high`` (both included)."""

    steps: Annotated[int, Field(ge=2)]


class Uniform(Interval):
    name: Literal["uniform"]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)


class Normal(Strict):
    name: Literal["normal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return stats.norm.ppf(u, loc=self.mean, scale=self.sd)


class TruncNormal(Interval):
    """A normal distribution cut to [low, high] (for parameters with hard limits)."""

    name: Literal["truncnormal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)


class Triangular(Strict):
    name: Literal["triangular"]
    low: float
    mode: float
    high: float

    @after(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return stats.triang.ppf(u, c, loc=self.low, scale=width)


Distribution = Annotated[Uniform | Normal | TruncNormal | Triangular, Field(discriminator="name")]


class Parameter(Strict):
    """One varied number: its path and exactly one of values, range, bounds or distribution."""

    path: Annotated[str, Field(min_length=1)]
    values: Annotated[list[float], Field(min_length=1)] | None = None
    range: Steps | None = None
    bounds: tuple[float, float] | None = None
    distribution: Distribution | None = None

    @after(mode="after")
    def _one_form(self) -> Self:
        given = [k for k in ("values", "range", "bounds", "distribution") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of values, range, bounds or distribution"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.bounds is not None and self.bounds[0] >= self.bounds[1]:
            raise ValueError(f"bounds: low ({self.bounds[0]:g}) must be below high")
        return self

    def levels(self) -> list[float]:
        """The values a grid or one-at-a-time design takes (values, or range's steps)."""
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            return np.linspace(self.range.low, self.range.high, self.range.steps).tolist()
        raise ValueError(f"{self.path}: a grid or oat design needs values or a range")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniform [0, 1] draws to this parameter's values (sampling designs)."""
        if self.distribution is not None:
            return self.distribution.ppf(u)
        if self.bounds is not None:
            low, high = self.bounds
        elif self.range is not None:
            low, high = self.range.low, self.range.high
        else:
            raise ValueError(f"{self.path}: sampling needs bounds, a range or a distribution")
        return low + u * (high - low)


class Design(Strict):
    method: Literal["grid", "oat", "lhs", "morris", "sobol"]
    samples: Annotated[int, Field(ge=1)] | None = None
    levels: Annotated[int, Field(ge=2)] = 4
    second_order: bool = False

    @after(mode="after")
    def _samples(self) -> Self:
        if self.method in SAMPLING and self.samples is None:
            what = {"lhs": "points", "morris": "trajectories", "sobol": "base samples N"}
            raise ValueError(f"samples: a {self.method} design needs samples ({what[self.method]})")
        if self.method not in SAMPLING and self.samples is not None:
            raise ValueError(f"samples: a {self.method} design takes no samples")
        if self.method == "sobol":
            n = self.samples or 0
            if n < 4 or n & (n - 1):
                raise ValueError(
                    f"samples: Sobol needs a power of two, at least 4 (got {n}); the"
                    " convergence check compares indices at samples/2 and samples"
                )
        if self.method == "morris" and (self.samples or 0) < 2:
            raise ValueError("samples: Morris needs at least 2 trajectories")
        return self


def _single_value(value: Any) -> Any:
    """A `fixed:` value is one number, flag or name: anything else is one error, not one per
    type the value could have been."""
    if value is None or isinstance(value, list | dict):
        kind = "null" if value is None else type(value).__name__
        raise ValueError(f"a single number, flag or name, not {kind}")
    return value


FixedValue = Annotated[float | int | bool | str, BeforeValidator(_single_value)]


class Spec(Strict):
    """A validated experiment spec (module docstring)."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    model: Annotated[str, Field(min_length=1)] = "transition"
    scenario: str | None = None
    fixed: dict[str, FixedValue] = {}
    design: Design
    replications: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0)]
    parameters: Annotated[list[Parameter], Field(min_length=1)]
    coupled: list[Annotated[list[str], Field(min_length=2)]] = []

    @field_validator("design", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"method": value} if isinstance(value, str) else value

    @after(mode="after")
    def _consistent(self) -> Self:
        paths = [p.path for p in self.parameters]
        for i, path in enumerate(paths):
            if path in paths[:i]:
                raise ValueError(f"parameters.{i}.path: {path!r} is already varied")
            if path in self.fixed:
                raise ValueError(f"parameters.{i}.path: {path!r} is also fixed")
        sampling = self.design.method in SAMPLING
        for i, p in enumerate(self.parameters):
            if sampling and p.values is not None:
                raise ValueError(
                    f"parameters.{i}.values: a {self.design.method} design samples, so it needs"
                    " bounds, a range or a distribution"
                )
            if not sampling and (p.bounds is not None or p.distribution is not None):
                form = "bounds" if p.bounds is not None else "distribution"
                raise ValueError(
                    f"parameters.{i}.{form}: a {self.design.method} design needs values or a"
                    " range (with steps)"
                )
        if self.design.method == "morris":
            for i, p in enumerate(self.parameters):
                if p.distribution is not None and p.distribution.name == "normal":
                    raise ValueError(
                        f"parameters.{i}.distribution: Morris's levels include the ends of the"
                        " range, so it needs a bounded distribution (uniform, triangular,"
                        " truncnormal)"
                    )
        seen: dict[str, int] = {}
        for i, members in enumerate(self.coupled):
            for j, member in enumerate(members):
                if member in seen:
                    raise ValueError(
                        f"coupled.{i}.{j}: {member!r} is already in coupled set {seen[member]}"
                    )
                seen[member] = i
        if self.model == "transition" and not self.scenario:
            raise ValueError("scenario: the transition model needs a base scenario file")
        if self.model != "transition" and self.scenario:
            raise ValueError(f"scenario: model {self.model!r} is a function and takes none")
        return self

    @after(mode="after")
    def _bounded(self) -> Self:
        points = self.points
        if points > MAX_POINTS:
            shown = self._count_formula()
            table = _bytes(points * len(self.parameters) * 8 * 3)  # values, unit cube, applied
            raise ValueError(
                f"design: {points:,} points ({shown}) are more than {MAX_POINTS:,}; their table"
                f" alone needs {table}, and each point is checked as a scenario before running"
            )
        runs = points * self.replications
        if runs > MAX_RUNS:
            raise ValueError(
                f"replications: {points:,} points x {self.replications:,} replications ="
                f" {runs:,} runs, more than {MAX_RUNS:,}"
            )
        return self

    @property
    def points(self) -> int:
        """How many points the design has (counted, not built)."""
        d, n = len(self.parameters), self.design.samples or 0
        method = self.design.method
        if method == "grid":
            return math.prod(_levels(p) for p in self.parameters)
        if method == "oat":
            return 1 + sum(_levels(p) for p in self.parameters)  # at most: the base may repeat
        if method == "lhs":
            return n
        if method == "morris":
            return n * (d + 1)
        return n * (2 * d + 2 if self.design.second_order else d + 2)

    def _count_formula(self) -> str:
        if self.design.method == "grid":
            return " x ".join(str(_levels(p)) for p in self.parameters)
        if self.design.method == "oat":
            return "1 + " + " + ".join(str(_levels(p)) for p in self.parameters)
        return f"{self.design.method} with {self.design.samples:,} samples"

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.parameters]


def _levels(p: Parameter) -> int:
    if p.values is not None:
        return len(p.values)
    return p.range.steps if p.range is not None else 1


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**10:.1f} KiB"


@dataclass(frozen=True)
class SpecFile:
    """A spec with the file it came from and the line of each of its fields."""

    spec: Spec
    path: Path
    locations: Locations

    def error(self, field: str | None, message: str) -> ScenarioError:
        """A located error about ``field`` (a dotted path in the spec) of this file."""
        file, line = locate(field, self.locations)
        return ScenarioError(file, line, field, message)

    def resolve(self, relative: str) -> Path:
        """A path written in the spec, relative to the spec file."""
        return self.path.parent / relative


_PREFIX = re.compile(r"^(\S+): (.*)$", re.DOTALL)


def load_spec(path: str | Path) -> SpecFile:
    """Read and validate an experiment spec; `ScenarioError` (file:line: field: message) if bad."""
    path = Path(path)
    data, locations = read_located(path)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, locations, path, Spec) from None
    return SpecFile(spec, path, locations)


def spec_error(
    exc: ValidationError,
    locations: Locations,
    path: Path,
    root: type[BaseModel],
    tags: tuple[str, ...] = (),
) -> ScenarioError:
    """Pydantic's errors on a spec file (a `root` model) as one located error, problems sorted by
    line. `tags` are the tags of discriminated unions, left out of field paths."""
    problems = []
    for error in exc.errors():
        loc = tuple(part for i, part in enumerate(error["loc"]) if i == 0 or part not in tags)
        error = {**error, "loc": loc}
        if error["type"] == "extra_forbidden":
            field = ".".join(str(part) for part in loc)
            options = fields_at(root, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), options)
            hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(options)}"
            message = f"unknown key ({hint})" if options else "unknown key"
        else:
            field, message, value = describe_error(error)
            if value is not NO_VALUE:
                shown = json.dumps(value, default=str)
                message += f" (got {shown if len(shown) <= 40 else shown[:37] + '...'})"
            # Checks across fields name their field in the message: "parameters.1.path: ...".
            match = _PREFIX.match(message)
            if match and match[1].split(".")[0] in fields_at(root, loc):
                prefix = f"{field}." if field else ""
                field, message = prefix + match[1], match[2]
        line = locate(field, locations)[1]
        problems.append((line, field, message))
    problems.sort(key=lambda p: p[0])
    line, field, message = problems[0]
    return ScenarioError(path, line, field, message, problems=problems)


def fields_at(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``loc`` of a `root` model (for "did you mean" hints); [] if unknown.
    In a union of models, the arm is the one whose `name` is the part of ``loc``."""
    annotation: Any = root
    for part in (*loc, None):
        annotation = unwrap_annotation(annotation)
        if get_origin(annotation) in (Union, types.UnionType):  # tagged: the tag names the arm
            arms = [a for a in get_args(annotation) if get_args(_field_type(a, "name")) == (part,)]
            if not arms:
                return []
            annotation = arms[0]
            continue
        if part is None:
            break
        if get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            annotation = _field_type(annotation, str(part))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _field_type(model: Any, name: str) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel) and name in model.model_fields:
        return model.model_fields[name].annotation
    return None


def spec_hash(spec: Spec, base_hash: str | None) -> str:
    """sha256 of the spec's canonical JSON and its base's hash: a sweep can only be resumed with
    the spec (and base) it was started with. The scenario's file name and the ``fixed`` values
    are left out: the base's hash covers them (it is taken after ``fixed`` is applied)."""
    data = spec.model_dump(mode="json", exclude={"scenario", "fixed"})
    canonical = json.dumps([data, base_hash], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def data_hash(data: Any) -> str:
    """sha256 of plain data's canonical JSON (a function model's inputs)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def spec_to_yaml(spec: Spec) -> str:
    """The resolved spec (every default written out) as YAML."""
    data = spec.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
