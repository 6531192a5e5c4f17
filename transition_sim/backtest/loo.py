"""Leave-one-out scores of the case library under a fitted posterior (PSIS-LOO).

For each particle ``s`` of the posterior and each case ``i`` of the library, ``K`` replications
of the case with the particle's parameters estimate the class probabilities ``p[s, i, c]``.
Every particle runs the same ``K`` seeds of a case (common random numbers), so two particles
differ by their parameters, not by their luck.

Stated assumptions:

- **Smoothing.** ``p[s, i, c] = (count + 1/2) / (K + 6/2)`` (add-half, the Jeffreys /
  Krichevsky-Trofimov estimate): a class no replication reached keeps a small probability, so
  the log-likelihood and the log score stay finite. In-sample and leave-one-out forecasts use the
  same smoothed probabilities.
- **Likelihood.** Case ``i``'s contribution to the posterior is taken to be
  ``p[s, i, observed_i]``. The fit (ABC-SMC) weighs a case's class through its distance, not
  through this probability, and also weighs patterns (crowds, deaths) that stay in; so leaving
  a case out is approximated by dividing the weights by this likelihood, not refitting.
- **Importance reweighting.** The posterior without case ``i`` is the weighted particles with
  log-ratios ``log w_s - log p[s, i, observed_i]``, Pareto-smoothed (PSIS, ArviZ: the
  ``psislw`` of arviz-stats 1.x, ``r_eff = 1``: SMC particles are not a Markov chain). A Pareto
  ``k`` above 0.7 flags a case whose leave-one-out estimate is unreliable (the posterior depends
  on it too much); so do fewer than `MIN_PSIS` particles, where no tail can be fitted.

The forecast for case ``i`` is ``sum_s W_s p[s, i, .]``: with the posterior's weights in-sample,
with the leave-one-out weights out of sample. Scores: the multiclass Brier score (0 best, 2
worst) and the log score ``-ln f(observed)`` (0 best), per case and on average, beside the
uniform guess and the literature's base rates (`transition_sim.backtest.BASE_RATES`), with
paired bootstrap 95% intervals of the mean differences over cases.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from transition_sim.backtest import (
    BOOTSTRAP,
    base_rate_forecast,
    bootstrap_interval,
    brier,
    case_interval,
    interval_text,
    uniform_forecast,
)
from transition_sim.core.outcomes import OUTCOMES
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.uncertainty import with_values
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.posterior import Posterior
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

__all__ = [
    "K_FLAG",
    "SMOOTHING",
    "Case",
    "Counts",
    "LooResult",
    "bootstrap_interval",
    "choose_particles",
    "class_counts",
    "class_probabilities",
    "forecasts",
    "loo_log_weights",
    "score",
]

SMOOTHING = 0.5  # add-half: the pseudo-count of every class (module docstring)
K_FLAG = 0.7  # Pareto k above which a case's leave-one-out estimate is flagged
MIN_PSIS = 25  # particles needed to fit a Pareto tail (of at least 5: 20% of them)
CLASSES = tuple(OUTCOMES)


@dataclass(frozen=True)
class Case:
    """A case of the library as the LOO needs it: its scenario and what history recorded."""

    name: str
    file: str
    scenario: Scenario
    observed: str
    crisis: str
    seed: int  # the base seed of its K replications (the same for every particle)


@dataclass(frozen=True)
class Counts:
    """``counts[s, i, c]``: of ``K`` replications of case ``i`` with particle ``s``, how many
    ended in class ``c`` (`CLASSES` order); ``weights[s]`` the particles' weights (sum 1)."""

    particles: tuple[int, ...]
    weights: np.ndarray
    counts: np.ndarray
    replications: int


# -- choosing particles and counting classes ------------------------------------------------------


def choose_particles(
    posterior: Posterior, cap: int | None, seed: int
) -> tuple[list[int], np.ndarray]:
    """The rows of ``posterior`` to run and their weights (summing to 1).

    Without a cap (or a cap at least the number of particles), every particle with its weight.
    With a cap ``N``: a systematic weighted resample of ``N`` draws (from ``seed``); each
    particle drawn runs once and weighs its number of draws over ``N``, so the reweighted set
    is an unbiased, equally weighted sample of the posterior at the cost of its distinct draws.
    """
    weights = np.asarray(posterior.weights, dtype="float64")
    if cap is None or cap >= len(weights):
        return list(range(len(weights))), weights / weights.sum()
    u = (np.random.default_rng([seed, 0x4C4F4F]).random() + np.arange(cap)) / cap
    rows = np.minimum(np.searchsorted(np.cumsum(weights) / weights.sum(), u), len(weights) - 1)
    drawn, times = np.unique(rows, return_counts=True)
    return [int(r) for r in drawn], times / cap


def class_counts(
    case: Case, values: dict[str, float], coupled: tuple, replications: int
) -> np.ndarray:
    """Run ``replications`` of ``case`` with ``values`` set (the same seeds whatever the
    values) and count the classes (top-level: a worker runs it)."""
    data, _ = with_values(scenario_values(case.scenario), values, coupled)
    scenario = Scenario.model_validate(data)
    counts = np.zeros(len(CLASSES), dtype="int64")
    for r in range(replications):
        outcome = simulate(scenario, replication_seed(case.seed, r)).outcome
        counts[CLASSES.index(outcome)] += 1
    return counts


def class_probabilities(counts: np.ndarray) -> np.ndarray:
    """``counts`` (..., classes) as smoothed probabilities (add-half, module docstring)."""
    total = counts.sum(axis=-1, keepdims=True)
    return (counts + SMOOTHING) / (total + SMOOTHING * counts.shape[-1])


# -- the leave-one-out weights and forecasts -------------------------------------------------------


def loo_log_weights(
    weights: np.ndarray, loglik: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """PSIS log weights of the posterior without each case, their Pareto k, and how each was
    made.

    ``weights`` (particles,), ``loglik`` (particles, cases): returns (cases, particles) log
    weights, each row normalised, (cases,) k and (cases,) methods. A particle of zero weight
    stays at zero. Where no Pareto tail can be fitted the raw importance weights are used, k is
    NaN, and the method says why: fewer than `MIN_PSIS` particles, or a tail of equal ratios
    (the largest ratios tie, as counts of a few replications do: no heavy tail to smooth)."""
    from arviz_stats.base import array_stats

    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    live = np.isfinite(log_w)
    ratios = log_w[live][None, :] - loglik[live].T
    raw = ratios - np.logaddexp.reduce(ratios, axis=1, keepdims=True)
    out = np.full((loglik.shape[1], len(weights)), -np.inf)
    khat = np.full(loglik.shape[1], np.nan)
    methods = []
    for i, row in enumerate(ratios):
        if len(row) < MIN_PSIS:
            out[i, live], method = raw[i], f"raw (fewer than {MIN_PSIS} particles)"
        else:
            try:
                # arviz-stats 1.x's psislw takes the log-likelihood and smooths its negation
                # (the old arviz.psislw took the log-ratios): so it is given minus the ratios.
                smoothed, k = array_stats.psislw(-row, r_eff=1)
            except ValueError:  # "All tail values are the same"
                out[i, live], method = raw[i], "raw (a tail of equal ratios)"
            else:
                out[i, live], khat[i], method = smoothed, float(k), "psis"
        methods.append(method)
    return out, khat, methods


def forecasts(weights: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """The forecast over classes for each case: (cases, classes).

    ``weights`` is (particles,) for one posterior or (cases, particles) for one per case;
    ``probabilities`` (particles, cases, classes)."""
    if weights.ndim == 1:
        return np.einsum("s,sic->ic", weights, probabilities)
    return np.einsum("is,sic->ic", weights, probabilities)


def log_score(forecast: dict[str, float], observed: str) -> float:
    """``-ln f(observed)``: 0 for certainty on what happened, infinite for certainty against."""
    p = forecast.get(observed, 0.0)
    return math.inf if p <= 0 else -math.log(p)


# -- the record ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LooResult:
    cases: list[dict[str, Any]]
    summary: dict[str, Any]  # on every case, and on the subset without the excluded ones
    assumptions: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, **self.summary, "assumptions": self.assumptions}


def score(cases: Sequence[Case], counts: Counts, without: Sequence[str] = ()) -> LooResult:
    """Every score of the module docstring from the class counts."""
    probabilities = class_probabilities(counts.counts)
    observed = np.array([CLASSES.index(c.observed) for c in cases])
    loglik = np.log(probabilities[:, np.arange(len(cases)), observed])
    log_w, khat, methods = loo_log_weights(counts.weights, loglik)
    in_sample = forecasts(counts.weights, probabilities)
    loo = forecasts(np.exp(log_w), probabilities)
    rows = []
    for i, case in enumerate(cases):
        base = base_rate_forecast(case.crisis)
        uniform = uniform_forecast()
        f_in = dict(zip(CLASSES, map(float, in_sample[i]), strict=True))
        f_loo = dict(zip(CLASSES, map(float, loo[i]), strict=True))
        rows.append(
            {
                "case": case.name,
                "file": case.file,
                "observed": case.observed,
                "crisis": case.crisis,
                "forecast_in_sample": f_in,
                "forecast_loo": f_loo,
                "pareto_k": None if math.isnan(khat[i]) else float(khat[i]),
                "loo_weights": methods[i],
                # unreliable: a heavy tail, or too few particles to tell
                "k_flag": bool(khat[i] > K_FLAG or methods[i].startswith("raw (fewer")),
                "brier": {
                    "in_sample": brier(f_in, case.observed),
                    "loo": brier(f_loo, case.observed),
                    "uniform": brier(uniform, case.observed),
                    "base_rates": brier(base, case.observed),
                },
                "log": {
                    "in_sample": log_score(f_in, case.observed),
                    "loo": log_score(f_loo, case.observed),
                    "uniform": log_score(uniform, case.observed),
                    "base_rates": log_score(base, case.observed),
                },
            }
        )
    excluded = set(without)
    kept = [r for r, c in zip(rows, cases, strict=True) if _stem(c.file) not in excluded]
    summary = {"all": _means(rows), "without": {"excluded": sorted(excluded), **_means(kept)}}
    assumptions = {
        "replications_per_particle_and_case": counts.replications,
        "particles": len(counts.particles),
        "smoothing": f"add-{SMOOTHING:g} per class (Jeffreys / Krichevsky-Trofimov)",
        "likelihood": "p(observed class | particle), estimated by the replications; the ABC"
        " fit's other summaries stay in the leave-one-out posterior",
        "psis": "arviz_stats psislw, log-ratios log w_s - log p_s(observed), r_eff = 1",
        "k_flag": K_FLAG,
        "bootstrap": f"{BOOTSTRAP} resamples of the cases, paired",
        "common_random_numbers": "every particle runs the same seeds of a case",
    }
    assumptions["particles_run"] = [
        {"particle": p, "weight": float(w)}
        for p, w in zip(counts.particles, counts.weights, strict=True)
    ]
    return LooResult(rows, summary, assumptions)


def _stem(file: str) -> str:
    return Path(file).stem


def _means(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores over ``rows`` and the bootstrap intervals of the model's differences."""
    out: dict[str, Any] = {"cases": len(rows)}
    if not rows:
        return out
    for name in ("brier", "log"):
        entry: dict[str, Any] = {
            k: float(np.mean([r[name][k] for r in rows]))
            for k in ("in_sample", "loo", "uniform", "base_rates")
        }
        for model in ("in_sample", "loo"):
            for against in ("base_rates", "uniform"):
                d = [r[name][model] - r[name][against] for r in rows]
                entry[f"{model}_minus_{against}"] = {
                    "mean": float(np.mean(d)),
                    **case_interval(d),
                }
        out[name] = entry
    out["k_flagged"] = [r["case"] for r in rows if r["k_flag"]]
    return out


# -- running: particles x cases x K, saved by particle ------------------------------------------


def identity(
    cases: Sequence[Case],
    posterior: Posterior,
    rows: Sequence[int],
    replications: int,
    coupled: tuple,
) -> str:
    """What the counts depend on (the code aside: the ledger checks it), as a short hash: the
    registry's coupled sets too, which complete each particle's values (`with_values`).
    (Counts saved before they were part of it are in folders of another name: not reused.)"""
    record = {
        "posterior": posterior.sha256,
        "rows": list(rows),
        "replications": replications,
        "cases": [(c.file, c.seed, scenario_values(c.scenario)) for c in cases],
        "coupled": [list(members) for members in coupled],
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def _units(
    cases: Sequence[Case], posterior: Posterior, rows: Sequence[int], todo: set[int]
) -> Iterator[tuple[int, int, dict[str, float]]]:
    for s, row in enumerate(rows):
        if s in todo:
            for i in range(len(cases)):
                yield s, i, posterior.particle(row)


def run_counts(
    cases: Sequence[Case],
    posterior: Posterior,
    rows: Sequence[int],
    weights: np.ndarray,
    replications: int,
    coupled: tuple,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    announce: Callable[[int], None] | None = None,
) -> Counts:
    """The class counts of every (particle, case), on ``workers`` processes or a Dask
    ``scheduler``. With ``out``, each particle's counts are saved there as a part once all its
    cases have run (atomically, recorded in a ledger with their sha256), and a run of the same
    thing (`identity`) continues from the saved parts. ``announce(k)`` is told the number of
    particles left to run before any runs."""
    from functools import partial

    import pyarrow as pa
    import pyarrow.parquet as pq

    from transition_sim.ensemble import store
    from transition_sim.ensemble.executors import map_ordered, open_executor

    n_cases = len(cases)
    counts = np.zeros((len(rows), n_cases, len(CLASSES)), dtype="int64")
    done: set[int] = set()
    folder = None
    if out is not None:
        folder = Path(out) / f"counts-{identity(cases, posterior, rows, replications, coupled)}"
        folder.mkdir(parents=True, exist_ok=True)
        done = store.open_ledger(folder, ("counts",), "ledger.json")
        for s in done:
            table = pq.read_table(store.part_path(folder, "counts", s))
            counts[s] = np.array([table[c].to_pylist() for c in CLASSES]).T
    todo = set(range(len(rows))) - done
    if announce is not None:
        announce(len(todo))
    total = len(rows) * n_cases
    finished = len(done) * n_cases
    if progress is not None:
        progress(finished, total)
    task = partial(_unit_counts, cases, coupled, replications)
    with open_executor(workers, scheduler) as executor:
        for s, i, c in map_ordered(executor, task, _units(cases, posterior, rows, todo)):
            counts[s, i] = c
            finished += 1
            if progress is not None:
                progress(finished, total)
            if folder is not None and i == n_cases - 1:
                table = pa.table({name: counts[s, :, k] for k, name in enumerate(CLASSES)})
                store.write_part(folder, s, {"counts": table}, commit="counts")
                store.record_part(folder, s, ["counts"], "ledger.json")
    particles = tuple(posterior.particles[r] for r in rows)
    return Counts(particles, np.asarray(weights, dtype="float64"), counts, replications)


def _unit_counts(
    cases: Sequence[Case], coupled: tuple, replications: int, unit: tuple[int, int, dict]
) -> tuple[int, int, np.ndarray]:
    s, i, values = unit
    return s, i, class_counts(cases[i], values, coupled, replications)


# -- printing ----------------------------------------------------------------------------------


def render(result: LooResult, console: Any) -> None:
    """Per case, then on average: in-sample and leave-one-out side by side, with baselines."""
    from rich.table import Table

    table = Table(title="Leave-one-out (PSIS) against in-sample: the case library")
    for column in ("case", "observed", "P in / LOO", "Brier in", "Brier LOO", "base", "k"):
        table.add_column(column, justify="left" if column in ("case", "observed") else "right")
    for r in result.cases:
        p_in, p_loo = r["forecast_in_sample"][r["observed"]], r["forecast_loo"][r["observed"]]
        table.add_row(
            Path(r["file"]).stem,
            r["observed"],
            f"{p_in:.2f} / {p_loo:.2f}",
            f"{r['brier']['in_sample']:.3f}",
            f"{r['brier']['loo']:.3f}",
            f"{r['brier']['base_rates']:.3f}",
            ("–" if r["pareto_k"] is None else f"{r['pareto_k']:.2f}")
            + (" (!)" if r["k_flag"] else ""),
        )
    console.print(table)
    for key, title in (("all", "every case"), ("without", "without")):
        part = result.summary.get(key)
        if not part or part["cases"] == 0:
            continue
        if key == "without":
            title = f"without {', '.join(part['excluded'])}"
        means = Table(title=f"Mean scores, {title} ({part['cases']} cases; 0 best)")
        means.add_column("score")
        for column in (
            "in-sample",
            "LOO",
            "uniform",
            "base rates",
            "LOO - base [95%]",
            "LOO - uniform [95%]",
        ):
            means.add_column(column, justify="right")
        for name in ("brier", "log"):
            e = part[name]
            means.add_row(
                name,
                f"{e['in_sample']:.3f}",
                f"{e['loo']:.3f}",
                f"{e['uniform']:.3f}",
                f"{e['base_rates']:.3f}",
                interval_text(e["loo_minus_base_rates"]),
                interval_text(e["loo_minus_uniform"]),
            )
        console.print(means)
        if part["k_flagged"]:
            console.print(f"Pareto k > {K_FLAG} (LOO unreliable): {', '.join(part['k_flagged'])}")
