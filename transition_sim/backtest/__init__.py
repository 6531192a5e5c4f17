"""Backtest the model against the case library: how much probability did it give what happened?

For every case file in a folder (a scenario with an ``observed:`` section), run an ensemble and
compare its outcome distribution with the recorded outcome: the probability given to it, the
modal outcome, and the multiclass Brier score ``sum_k (f_k - o_k)^2`` (0 is a perfect forecast, 2
the worst). The library's mean Brier score is shown beside two baselines: a uniform guess over
the outcome classes, and base rates from the literature for the case's kind of crisis
(`BASE_RATES`). Where a case records its peak crowd (``observed.peak_crowd``), the ensemble's
median peak of protesters in that region (or nationally, for ``all``) is compared with the
recorded range. Plain functions over plain data; `transition_sim.cli.backtest` adds
``transition-sim backtest``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from transition_sim.core.outcomes import OUTCOMES
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.summary import wilson_interval
from transition_sim.ensemble.uncertainty import (
    Uncertainty,
    describe,
    drawn_values,
    refuse_refused_draws,
)
from transition_sim.scenario.schema import PeakCrowd, Scenario

# The literature's base rate for each kind of crisis: (classes, share, source). The share goes
# to the classes named (split evenly); the rest is spread evenly over the other classes.
BASE_RATES: dict[str, tuple[tuple[str, ...], float, str]] = {
    "mass_protest": (
        ("popular_transition",),
        0.34,
        "maximalist campaigns 2010-2019 that succeeded: under 34% (Chenoweth 2020, NAVCO)",
    ),
    "leader_death": (
        ("incumbent_holds", "power_sharing"),
        0.87,
        "regimes intact a year after the dictator died in office: 87%"
        " (Kendall-Taylor & Frantz 2016)",
    ),
    "elite_split": (
        ("insider_takeover",),
        0.50,
        "coup attempts that succeeded 1950-2010: 227 of 457 (Powell & Thyne 2011)",
    ),
}


def base_rate_forecast(crisis: str) -> dict[str, float]:
    """The literature's forecast for a kind of crisis, over every outcome class."""
    classes, share, _ = BASE_RATES[crisis]
    rest = [k for k in OUTCOMES if k not in classes]
    return {k: share / len(classes) if k in classes else (1 - share) / len(rest) for k in OUTCOMES}


BOOTSTRAP = 10_000  # resamples of the cases for each interval


def bootstrap_interval(differences: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """Paired bootstrap 95% interval of the mean of per-case differences (cases resampled)."""
    d = np.asarray(differences, dtype="float64")
    if len(d) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng([seed, 0x424F4F54])
    means = d[rng.integers(0, len(d), size=(BOOTSTRAP, len(d)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return (float(lo), float(hi))


def case_interval(differences: Sequence[float]) -> dict[str, Any]:
    """``{"ci95": [lo, hi]}``: the paired bootstrap 95% interval of the mean of per-case
    differences (`bootstrap_interval`). Fewer than 2 cases have no spread to resample (every
    resample of one case is that case: the interval was [x, x], a certainty the data cannot
    give): ``{"ci95": None, "ci95_reason": why}``."""
    n = len(differences)
    if n < 2:
        cases = "case" if n == 1 else "cases"
        why = f"undefined over {n} {cases}: a paired bootstrap over cases needs 2 or more"
        return {"ci95": None, "ci95_reason": why}
    return {"ci95": list(bootstrap_interval(differences))}


def interval_text(entry: Mapping[str, Any], spec: str = "+.3f") -> str:
    """A mean difference and its interval (`case_interval`) as the tables print them."""
    if entry["ci95"] is None:
        return f"{entry['mean']:{spec}} (no 95% interval: {entry['ci95_reason']})"
    lo, hi = entry["ci95"]
    return f"{entry['mean']:{spec}} [{lo:{spec}}, {hi:{spec}}]"


def uniform_forecast() -> dict[str, float]:
    return dict.fromkeys(OUTCOMES, 1.0 / len(OUTCOMES))


def crowd_verdict(people: float, low: float, high: float) -> str:
    """Where a crowd of ``people`` falls against a recorded range."""
    return "below" if people < low else "above" if people > high else "in range"


@dataclass(frozen=True)
class CrowdCheck:
    """A case's recorded peak crowd against the ensemble's median peak of protesters."""

    region: str
    range: tuple[float, float]
    source: str
    model_median: float  # people: the median over runs of each run's peak in ``region``
    verdict: str  # "below", "in range" or "above"


def peak_crowd_check(
    record: PeakCrowd, runs: pd.DataFrame, timeseries: pd.DataFrame, people_per_agent: int
) -> CrowdCheck:
    """The median peak crowd of an ensemble where ``record`` counted it: the run metric
    ``peak_protesters`` for ``all``, else each run's largest daily number of active agents in
    the region (its timeseries) times the people an agent stands for, as the model counts
    protesters (docs/ODD.md §2)."""
    if record.region == "all":
        peaks = runs["peak_protesters"]
    else:
        regional = timeseries[timeseries["region"] == record.region]
        peaks = regional.groupby("replication")["active"].max() * float(people_per_agent)
    median = float(peaks.median())
    low, high = record.range
    return CrowdCheck(
        record.region, (low, high), record.source, median, crowd_verdict(median, low, high)
    )


def brier(forecast: dict[str, float], observed: str) -> float:
    """Multiclass Brier score of a forecast against the observed class."""
    return sum((forecast.get(k, 0.0) - (k == observed)) ** 2 for k in OUTCOMES)


@dataclass(frozen=True)
class CaseResult:
    """One case: its ensemble's outcome shares against what history recorded."""

    case: str
    file: str
    observed: str
    crisis: str
    replications: int
    shares: dict[str, float]
    p_observed: float
    p_observed_ci95: tuple[float, float]
    modal: str
    brier: float
    brier_uniform: float
    brier_base_rate: float
    moves: dict[str, float] = field(default_factory=dict)  # share of runs with each elite move
    peak_crowd: CrowdCheck | None = None  # only for a case that records its peak crowd
    # How many parameters each draw sets in this case (None at point values): the priors name
    # the baseline's addresses, and a case without one of its factions, camps or regions keeps
    # its own values there.
    parameters_drawn: int | None = None

    @property
    def hit(self) -> bool:
        return self.modal == self.observed


@dataclass(frozen=True)
class Backtest:
    cases: list[CaseResult]
    uncertainty: Uncertainty | None = None  # what the parameters were drawn from (None: point)

    def mean(self, attr: str) -> float:
        return sum(getattr(c, attr) for c in self.cases) / len(self.cases)

    def differences(self) -> dict[str, dict[str, float | list[float]]]:
        """The model's Brier minus each baseline's, per case, averaged: the mean and its paired
        bootstrap 95% interval over cases (below 0: the model forecast better)."""
        out: dict[str, dict[str, float | list[float]]] = {}
        for name, attr in (("uniform", "brier_uniform"), ("base_rates", "brier_base_rate")):
            d = [c.brier - getattr(c, attr) for c in self.cases]
            out[f"model_minus_{name}"] = {"mean": sum(d) / len(d), **case_interval(d)}
        return out

    def crowd_counts(self) -> dict[str, int]:
        """How many cases with a recorded peak crowd the model's median puts in each verdict."""
        checks = [c.peak_crowd for c in self.cases if c.peak_crowd is not None]
        counts = {v: sum(k.verdict == v for k in checks) for v in ("below", "in range", "above")}
        return {"cases": len(checks), **counts}

    def to_dict(self) -> dict:
        return {
            "cases": [asdict(c) | {"hit": c.hit} for c in self.cases],
            "brier": {
                "model": self.mean("brier"),
                "uniform": self.mean("brier_uniform"),
                "base_rates": self.mean("brier_base_rate"),
            },
            "brier_differences": self.differences(),
            "hits": sum(c.hit for c in self.cases),
            "parameters": describe(self.uncertainty),
            "peak_crowd": self.crowd_counts(),
            "base_rates": {
                k: {"share": v[1], "classes": list(v[0]), "source": v[2]}
                for k, v in BASE_RATES.items()
            },
        }


class NotACase(ValueError):
    """A folder with no case, or a scenario in it that records no observed outcome."""

    def __init__(self, message: str, file: Path | str) -> None:
        super().__init__(message)
        self.file = str(file)


def case_files(folder: Path) -> list[Path]:
    """The case files of a library folder, in name order."""
    return sorted(
        p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def evaluate(
    scenario: Scenario,
    file: Path,
    replications: int,
    seed: int | None = None,
    workers: int = 1,
    uncertainty: Uncertainty | None = None,
) -> CaseResult:
    """Run one case and score its outcome distribution against the observed outcome: at the
    case's point values (``uncertainty`` None), or with each replication's parameters drawn
    from ``uncertainty`` (the registry's priors: the parameters' uncertainty in the forecast)."""
    if scenario.observed is None:
        raise NotACase(f"{file}: observed: a case needs the recorded outcome", file)
    # Point values unless drawn parameters are asked for (`--loo` scores the cases under a
    # posterior). A regional peak crowd needs the daily counts by region.
    record = scenario.observed.peak_crowd
    regional = record is not None and record.region != "all"
    ensemble = run_ensemble(
        scenario,
        replications,
        seed,
        workers=workers,
        keep="all" if regional else "summary",
        uncertainty=uncertainty,
    )
    runs = ensemble.runs
    crowd = (
        None
        if record is None
        else peak_crowd_check(record, runs, ensemble.timeseries, scenario.scale.people_per_agent)
    )
    n = len(runs)
    counts = runs["outcome"].value_counts()
    shares = {k: float(counts.get(k, 0)) / n for k in OUTCOMES}
    observed = scenario.observed.outcome
    moves = {
        name: float((runs[column] > 0).mean())
        for name, column in (
            ("coup attempted", "coups"),
            ("coup won", "coups_won"),
            ("purge failed", "purges_failed"),
            ("strike for the office", "strikes"),
            ("patron invited", "invitation_day"),
        )
        if column in runs
    }
    return CaseResult(
        case=scenario.name,
        file=str(file),
        observed=observed,
        crisis=scenario.observed.crisis,
        replications=n,
        shares=shares,
        p_observed=shares[observed],
        p_observed_ci95=wilson_interval(int(counts.get(observed, 0)), n),
        modal=max(OUTCOMES, key=shares.__getitem__),
        brier=brier(shares, observed),
        brier_uniform=brier(uniform_forecast(), observed),
        brier_base_rate=brier(base_rate_forecast(scenario.observed.crisis), observed),
        moves=moves,
        peak_crowd=crowd,
        parameters_drawn=None if uncertainty is None else drawn_count(scenario, uncertainty),
    )


def drawn_count(scenario: Scenario, uncertainty: Uncertainty) -> int:
    """How many of the priors' (or the posterior's) parameters a draw sets in ``scenario``
    (the coupled members it completes not counted)."""
    _, values = drawn_values(scenario, scenario.seed, uncertainty)
    names = (
        {p.path for p in uncertainty.priors}
        if uncertainty.posterior is None
        else set(uncertainty.posterior.columns)
    )
    return len(names & values.keys())


def run_backtest(
    folder: Path,
    load: Callable[[Path], Scenario],
    replications: int,
    seed: int | None = None,
    workers: int = 1,
    uncertainty: Uncertainty | None = None,
) -> Backtest:
    """Evaluate every case file in ``folder`` (each with its own seed unless ``seed`` is given),
    at point values or with parameters drawn from ``uncertainty``. Every file is loaded and
    checked before any is run, so bad input fails fast."""
    files = case_files(folder)
    if not files:
        raise NotACase(f"{folder}: no case files (*.yaml) here", folder)
    scenarios = [load(f) for f in files]
    for scenario, file in zip(scenarios, files, strict=True):
        if scenario.observed is None:
            raise NotACase(f"{file}: observed: a case needs the recorded outcome", file)
    if uncertainty is not None and uncertainty.posterior is None:
        runs = [(replications, s.seed if seed is None else seed) for s in scenarios]
        refuse_refused_draws(scenarios, files, uncertainty, runs)
    pairs = zip(scenarios, files, strict=True)
    return Backtest(
        [evaluate(s, f, replications, seed, workers, uncertainty) for s, f in pairs], uncertainty
    )


def render(result: Backtest, console: Console) -> None:
    """The backtest as tables: one row per case, then the library's Brier scores."""

    table = Table(title="Backtest: the case library", show_lines=False)
    for column in ("case", "observed", "P(observed) [95% CI]", "modal", "Brier", "n"):
        table.add_column(column, justify="right" if column in ("Brier", "n") else "left")
    for c in result.cases:
        lo, hi = c.p_observed_ci95
        mark = "" if c.hit else "  (miss)"
        table.add_row(
            c.case,
            c.observed,
            f"{c.p_observed:.2f} [{lo:.2f}, {hi:.2f}]",
            c.modal + mark,
            f"{c.brier:.3f}",
            str(c.replications),
        )
    console.print(table)
    scores = Table(title="Mean multiclass Brier score (0 best, 2 worst)")
    scores.add_column("forecast")
    scores.add_column("Brier", justify="right")
    scores.add_row("this model", f"{result.mean('brier'):.3f}")
    scores.add_row("uniform guess", f"{result.mean('brier_uniform'):.3f}")
    scores.add_row("literature base rates", f"{result.mean('brier_base_rate'):.3f}")
    console.print(scores)
    for name, entry in result.differences().items():
        how = "" if entry["ci95"] is None else " (paired bootstrap 95% over cases)"
        console.print(f"{name.replace('_', ' ')}: {interval_text(entry)}{how}")
    render_crowds(result, console)
    console.print(
        f"modal outcome right in {sum(c.hit for c in result.cases)} of {len(result.cases)}"
    )


def render_crowds(result: Backtest, console: Console) -> None:
    """The recorded peak crowds against the model's median peaks, with the count by verdict."""
    checked = [c for c in result.cases if c.peak_crowd is not None]
    if not checked:
        return
    table = Table(title="Peak crowd: recorded range against the model's median peak (people)")
    for column in ("case", "region", "recorded", "model median", "verdict"):
        table.add_column(column, justify="right" if column == "model median" else "left")
    for c in checked:
        k = c.peak_crowd
        assert k is not None  # for the type checker: filtered above
        table.add_row(
            c.case, k.region, f"{k.range[0]:,.0f}-{k.range[1]:,.0f}", f"{k.model_median:,.0f}",
            k.verdict,
        )  # fmt: skip
    console.print(table)
    n = result.crowd_counts()
    console.print(
        f"peak crowd in range in {n['in range']} of {n['cases']} cases that record one"
        f" ({n['below']} below, {n['above']} above)"
    )
