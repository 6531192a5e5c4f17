"""The fit spec: what one ABC-SMC fit across the case library fits, to what, and how long.

```yaml
name: One fit across the library
scenario: ../../scenarios/kazakhstan_2022.yaml   # the base every case extends (relative to here)
cases: ../../scenarios/cases                     # the library: every *.yaml with `observed:`
registry: ../../seeds/claims.yaml                # where `prior: ID` is looked up (default)
seed: 2026
population: 40          # particles per generation
generations: 5          # at most (generation 0 is drawn from the priors)
min_epsilon: 0.0        # stop once a generation's threshold is at or below this
quantile: 0.5           # the next threshold: this quantile of the last generation's distances
proposal: joint         # joint: one kernel over all parameters; per_parameter: one kernel each
replications: 2         # runs of each case per particle
days: null              # set every scenario's horizon (short test fits); null keeps each file's
parameters:             # shared addresses of the base that no case file sets itself
  - {address: loyalty_dynamics.backfire, prior: A-loyalty-backfire}  # a registry prior, by id
  - {address: crowd.contagion, prior: {distribution: uniform, low: 0.05, high: 0.2}}  # inline
record:                 # the base scenario's documented patterns (see `transition_sim.studies.fit`)
  replications: 8
  deaths: {value: 231, source: F-toll}
  ...
patterns:               # other cases' sourced numbers: the median run's value against a range
  - {case: kyrgyzstan_2010, metric: deaths, range: [85, 88], source: rferl.org/a/2015975.html}
weights: {record: 1, patterns: 1, classes: 1}
```

A bad spec raises `ScenarioError` (``file:line: field: message``): the CLI exits 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError
from pydantic import model_validator as after

from transition_sim.scenario.loader import read_located
from transition_sim.studies.spec import Interval, SpecFile, spec_error

__all__ = [
    "BASE_PREFIX",
    "METRICS",
    "FitSpec",
    "FitSpecFile",
    "InlinePrior",
    "load_fit_spec",
]

BASE_PREFIX = "base:"  # the base scenario's runs in predictive.parquet: case "base:<file stem>"
# The run metrics a case's pattern may name (`RunResult.metrics`).
METRICS = ("deaths", "detained", "peak_protesters", "days_to_order", "invitation_day")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class InlinePrior(Interval):
    """A prior written in the spec: the registry's forms (a triangular prior's mode is the base
    scenario's value); ``low`` < ``high`` as any interval of a spec."""

    distribution: Literal["uniform", "log-uniform", "triangular"]

    @after(mode="after")
    def _log_positive(self) -> Self:
        if self.distribution == "log-uniform" and self.low <= 0:
            raise ValueError("a log-uniform prior needs low > 0")
        return self


def _prior_form(value: Any) -> str:
    return "id" if isinstance(value, str) else "inline"


# A prior is an assumption's id in the registry or written inline; the tag picks the form, so a
# bad inline prior is reported as such (not also as "not a string"). Tags are left out of fields.
PriorForm = Annotated[
    Annotated[Annotated[str, Field(min_length=1)], Tag("id")]
    | Annotated[InlinePrior, Tag("inline")],
    Discriminator(_prior_form),
]
TAGS = ("id", "inline")


class FitParameter(Strict):
    address: Annotated[str, Field(min_length=1)]
    prior: PriorForm


class Target(Strict):
    """A documented number: ``value`` (a point) or ``range`` [low, high], and its source."""

    value: Annotated[float, Field(ge=0)] | None = None
    range: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]] | None = None
    source: Annotated[str, Field(min_length=1)]

    @after(mode="after")
    def _one(self) -> Self:
        if (self.value is None) == (self.range is None):
            raise ValueError("give exactly one of value or range")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range: low ({self.range[0]:g}) above high ({self.range[1]:g})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        if self.range is not None:
            return self.range
        assert self.value is not None
        return (self.value, self.value)


class PeakCrowd(Strict):
    region: Annotated[str, Field(min_length=1)]
    range: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]]
    source: Annotated[str, Field(min_length=1)]


class Record(Strict):
    """The base scenario's record: five patterns scored as the calibration scores them."""

    replications: Annotated[int, Field(ge=1)] = 8
    deaths: Target
    detained: Target
    invitation_day: Target
    days_to_order: Target
    peak_crowd: PeakCrowd


class Pattern(Strict):
    """A documented number of another case: the median over its runs against ``range``. A
    ``peak_crowd`` is the peak of protesters (people) in one ``region`` of the case, as the
    record's is; the other metrics are the run's own."""

    case: Annotated[str, Field(min_length=1)]
    metric: Literal[
        "deaths", "detained", "peak_protesters", "days_to_order", "invitation_day", "peak_crowd"
    ]
    region: Annotated[str, Field(min_length=1)] | None = None
    range: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]]
    source: Annotated[str, Field(min_length=1)]

    @after(mode="after")
    def _ordered(self) -> Self:
        if self.range[0] > self.range[1]:
            raise ValueError(f"range: low ({self.range[0]:g}) above high ({self.range[1]:g})")
        if (self.metric == "peak_crowd") != (self.region is not None):
            raise ValueError("a peak_crowd pattern names its region, and only it does")
        return self


class Weights(Strict):
    record: Annotated[float, Field(ge=0)] = 1.0
    patterns: Annotated[float, Field(ge=0)] = 1.0
    classes: Annotated[float, Field(ge=0)] = 1.0


class FitSpec(Strict):
    """A validated fit spec (module docstring)."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    scenario: Annotated[str, Field(min_length=1)]
    cases: Annotated[str, Field(min_length=1)]
    registry: str | None = None
    seed: Annotated[int, Field(ge=0)]
    population: Annotated[int, Field(ge=2, le=100_000)]
    generations: Annotated[int, Field(ge=1, le=1000)]
    min_epsilon: Annotated[float, Field(ge=0)] = 0.0
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # How the next generation's proposals are drawn from the last one's particles: one
    # multivariate normal kernel over every parameter (pyabc's default; the shipped fits), or one
    # kernel per parameter, drawn independently. In 11 dimensions a joint kernel fitted to a few
    # dozen particles is so uneven that the importance weights (prior over proposal) collapse:
    # fitted to 60 prior draws, its weights keep an effective sample size of 0.7% of the
    # proposals, per-parameter kernels 38% (experiments/session22/proposal_ess.md).
    proposal: Literal["joint", "per_parameter"] = "joint"
    replications: Annotated[int, Field(ge=1, le=10_000)]
    days: Annotated[int, Field(ge=1, le=3650)] | None = None
    parameters: Annotated[list[FitParameter], Field(min_length=1)]
    record: Record
    patterns: list[Pattern] = []
    weights: Weights = Weights()

    @after(mode="after")
    def _distinct(self) -> Self:
        seen = [p.address for p in self.parameters]
        for i, address in enumerate(seen):
            if address in seen[:i]:
                raise ValueError(f"parameters.{i}.address: {address!r} is already fitted")
        return self

    @property
    def addresses(self) -> list[str]:
        return [p.address for p in self.parameters]


@dataclass(frozen=True)
class FitSpecFile(SpecFile):
    """A fit spec with its file and the line of each of its fields."""

    spec: FitSpec  # type: ignore[assignment]


def load_fit_spec(path: str | Path) -> FitSpecFile:
    """Read and validate a fit spec's shape; `ScenarioError` (file:line: field) if bad. The
    checks against the scenarios and the registry are `transition_sim.studies.fit.prepare`'s."""
    path = Path(path)
    data, locations = read_located(path)
    try:
        spec = FitSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error(exc, locations, path, FitSpec, TAGS) from None
    return FitSpecFile(spec, path, locations)


def describe_prior(prior: Any) -> dict[str, Any]:
    """A prior as the posterior file records it."""
    return {"distribution": prior.distribution, "low": prior.low, "high": prior.high}
