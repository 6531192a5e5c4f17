"""Backtest the model against the case library: how much probability did it give what happened?

For every case file in a folder (a scenario with an ``observed:`` section), run an ensemble and
compare its outcome distribution with the recorded outcome: the probability given to it, the
modal outcome, and the multiclass Brier score ``sum_k (f_k - o_k)^2`` (0 is a perfect forecast, 2
the worst). The library's mean Brier score is shown beside two baselines: a uniform guess over
the outcome classes, and base rates from the literature for the case's kind of crisis
(`BASE_RATES`). Plain functions over plain data; `transition_sim.cli.backtest` adds
``transition-sim backtest``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from transition_sim.core.outcomes import OUTCOMES
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.summary import wilson_interval
from transition_sim.scenario.schema import Scenario

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


def uniform_forecast() -> dict[str, float]:
    return dict.fromkeys(OUTCOMES, 1.0 / len(OUTCOMES))


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

    @property
    def hit(self) -> bool:
        return self.modal == self.observed


@dataclass(frozen=True)
class Backtest:
    cases: list[CaseResult]

    def mean(self, attr: str) -> float:
        return sum(getattr(c, attr) for c in self.cases) / len(self.cases)

    def to_dict(self) -> dict:
        return {
            "cases": [asdict(c) | {"hit": c.hit} for c in self.cases],
            "brier": {
                "model": self.mean("brier"),
                "uniform": self.mean("brier_uniform"),
                "base_rates": self.mean("brier_base_rate"),
            },
            "hits": sum(c.hit for c in self.cases),
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
) -> CaseResult:
    """Run one case and score its outcome distribution against the observed outcome."""
    if scenario.observed is None:
        raise NotACase(f"{file}: observed: a case needs the recorded outcome", file)
    # Point values, explicitly: the backtest scores the scenarios as written (`--loo` scores
    # them under a posterior).
    runs = run_ensemble(
        scenario, replications, seed, workers=workers, keep="summary", uncertainty=None
    ).runs
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
    )


def run_backtest(
    folder: Path,
    load: Callable[[Path], Scenario],
    replications: int,
    seed: int | None = None,
    workers: int = 1,
) -> Backtest:
    """Evaluate every case file in ``folder`` (each with its own seed unless ``seed`` is given).
    Every file is loaded and checked before any is run, so bad input fails fast."""
    files = case_files(folder)
    if not files:
        raise NotACase(f"{folder}: no case files (*.yaml) here", folder)
    scenarios = [load(f) for f in files]
    for scenario, file in zip(scenarios, files, strict=True):
        if scenario.observed is None:
            raise NotACase(f"{file}: observed: a case needs the recorded outcome", file)
    return Backtest(
        [evaluate(s, f, replications, seed, workers) for s, f in zip(scenarios, files, strict=True)]
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
    console.print(
        f"modal outcome right in {sum(c.hit for c in result.cases)} of {len(result.cases)}"
    )
