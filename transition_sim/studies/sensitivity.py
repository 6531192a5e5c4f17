"""Global sensitivity from a Morris or Sobol sweep (SALib), for every outcome and metric.

Outputs. Each design point gets one number per output: ``share_<outcome>`` (the share of its
successful runs ending in that outcome: an estimate of the outcome's probability) and
``<metric>_mean`` (the metric's mean over the runs where it is defined). Indices come with
SALib's bootstrap 95% confidence intervals.

The model's randomness. A point's output is an average over its replications, so it carries
Monte Carlo noise of variance ``σ²/n`` (σ² the spread between replications, n their number; for
a share, p(1-p)/n). That noise is estimated from the replications themselves and reported as a
**noise floor**:

- Sobol: ``noise_floor = mean(σ²/n) / Var(output)``, the share of the output's variance that is
  replication noise. It inflates every total index by about that much (Jansen's estimator), so
  an index below it cannot be told from noise; more replications lower it.
- Morris: ``noise_floor = 2 sqrt(mean(σ²/n)) / (Δ sqrt(π))``, the μ* that pure noise gives
  (the mean absolute difference of two noisy points over the step Δ).

With one replication per point the noise cannot be estimated and the floor is null.

Convergence. Sobol indices are computed again from the first half of the base sample (N/2
against N; Sobol' sequences are nested, so this is the design at N/2); Morris μ* from the first
half of the trajectories. An output is called converged when every index moved by less than
its 95% interval at the full size.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from transition_sim.studies.design import salib_problem
from transition_sim.studies.sweep import Experiment, metric_names

RESAMPLES = 1000  # bootstrap resamples for the confidence intervals
CONF = 0.95

__all__ = ["analyze", "folder_outputs", "point_outputs"]


def point_outputs(
    runs: pd.DataFrame, parameters: list[str], outcomes: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For each output, its value at each point of ``runs`` (in point order) and the variance of
    that value's Monte Carlo error (NaN where it cannot be estimated)."""
    index = pd.Index(sorted(runs["point"].unique()))
    ok = runs[runs["error"].isna()]
    n = ok.groupby("point").size().reindex(index, fill_value=0).to_numpy().astype(float)
    values: dict[str, np.ndarray] = {}
    noise: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for outcome in outcomes:
            k = (ok["outcome"] == outcome).groupby(ok["point"]).sum().reindex(index, fill_value=0)
            p = k.to_numpy() / n
            values[f"share_{outcome}"] = p
            noise[f"share_{outcome}"] = np.where(n > 1, p * (1 - p) / (n - 1), np.nan)
        for metric in metric_names(runs, parameters):
            grouped = ok.groupby("point")[metric]
            values[f"{metric}_mean"] = grouped.mean().reindex(index).to_numpy()
            var = grouped.var(ddof=1).reindex(index).to_numpy()
            count = grouped.count().reindex(index, fill_value=0).to_numpy()
            noise[f"{metric}_mean"] = np.where(count > 1, var / count, np.nan)
    return values, noise


def folder_outputs(
    blocks: Iterable[pd.DataFrame], parameters: list[str], outcomes: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`point_outputs` over blocks of whole points (`sweep.run_blocks`), joined in order."""
    parts = [point_outputs(block, parameters, outcomes) for block in blocks]
    join = lambda i: {k: np.concatenate([p[i][k] for p in parts]) for k in parts[0][i]}  # noqa: E731
    return join(0), join(1)


def _skip_reason(y: np.ndarray) -> str | None:
    if np.isnan(y).any():
        return f"undefined at {int(np.isnan(y).sum())} of {len(y)} points (no run defined it)"
    if np.ptp(y) == 0:
        return "constant across the design: nothing to attribute"
    return None


def _noise_variance(noise: np.ndarray) -> float | None:
    finite = noise[np.isfinite(noise)]
    return float(finite.mean()) if finite.size else None


def analyze(exp: Experiment, blocks: Iterable[pd.DataFrame], outcomes: list[str]) -> dict[str, Any]:
    """``sensitivity.json`` for a Morris or Sobol sweep (module docstring), from its runs in
    blocks of whole points (`sweep.run_blocks`; a DataFrame of all runs is one block)."""
    spec = exp.spec
    method = spec.design.method
    if method not in ("morris", "sobol"):
        raise ValueError(f"sensitivity needs a morris or sobol design, not {method}")
    values, noise = folder_outputs(blocks, spec.paths, outcomes)
    if any(len(v) != len(exp.points) for v in values.values()):
        raise ValueError("the runs do not cover every point of the design")
    problem = salib_problem(spec)
    result: dict[str, Any] = {
        "method": method,
        "replications": spec.replications,
        "samples": spec.design.samples,
        "points": len(exp.points),
        "conf_level": CONF,
        "outputs": {},
        "skipped": {},
    }
    for name, y in values.items():
        reason = _skip_reason(y)
        if reason:
            result["skipped"][name] = reason
            continue
        noise_var = _noise_variance(noise[name])
        if method == "sobol":
            entry = _sobol(problem, y, spec.design.second_order, spec.seed, noise_var)
        else:
            entry = _morris(problem, exp.points.unit, y, spec.design.levels, spec.seed, noise_var)
        result["outputs"][name] = entry
    return result


def _sobol(
    problem: dict[str, Any], y: np.ndarray, second: bool, seed: int, noise_var: float | None
) -> dict[str, Any]:
    from SALib.analyze import sobol

    def indices(y_part: np.ndarray) -> dict[str, Any]:
        return sobol.analyze(
            problem, y_part, calc_second_order=second, num_resamples=RESAMPLES,
            conf_level=CONF, seed=seed,
        )  # fmt: skip

    full = indices(y)
    d = problem["num_vars"]
    block = 2 * d + 2 if second else d + 2
    half = indices(y[: len(y) // block // 2 * block])
    variance = float(np.var(y, ddof=1))
    floor = None if noise_var is None else noise_var / variance
    entry: dict[str, Any] = {"names": problem["names"]}
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        entry[key] = full[key].tolist()
    if second:
        entry["S2"] = full["S2"].tolist()
        entry["S2_conf"] = full["S2_conf"].tolist()
    entry["variance"] = variance
    entry["noise_floor"] = floor
    entry["below_noise_floor"] = (
        []
        if floor is None
        else [n for n, st in zip(problem["names"], full["ST"], strict=True) if st < floor]
    )
    change = {k: np.abs(full[k] - half[k]) for k in ("S1", "ST")}
    entry["convergence"] = {
        "half": {"S1": half["S1"].tolist(), "ST": half["ST"].tolist()},
        "max_change": {k: float(np.nanmax(v)) for k, v in change.items()},
        "converged": bool(all((change[k] <= full[f"{k}_conf"]).all() for k in ("S1", "ST"))),
    }
    return entry


def _morris(
    problem: dict[str, Any],
    x: np.ndarray | None,
    y: np.ndarray,
    levels: int,
    seed: int,
    noise_var: float | None,
) -> dict[str, Any]:
    from SALib.analyze import morris

    assert x is not None  # a Morris design keeps its unit-cube points

    def indices(rows: int) -> dict[str, Any]:
        with warnings.catch_warnings():  # one trajectory (the half of two) has no σ: NaN, unused
            warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            return morris.analyze(
                problem, x[:rows], y[:rows], num_resamples=RESAMPLES, conf_level=CONF,
                num_levels=levels, seed=seed,
            )  # fmt: skip

    full = indices(len(y))
    step = problem["num_vars"] + 1
    trajectories = len(y) // step
    half = indices(trajectories // 2 * step)
    delta = levels / (2 * (levels - 1))
    floor = None if noise_var is None else 2 * math.sqrt(noise_var) / (delta * math.sqrt(math.pi))
    entry: dict[str, Any] = {"names": problem["names"]}
    for key in ("mu_star", "mu_star_conf", "sigma", "mu"):
        entry[key] = np.asarray(full[key], dtype=float).tolist()
    entry["noise_floor"] = floor
    entry["below_noise_floor"] = (
        []
        if floor is None
        else [n for n, m in zip(problem["names"], entry["mu_star"], strict=True) if m < floor]
    )
    mu_full = np.asarray(full["mu_star"], dtype=float)
    mu_half = np.asarray(half["mu_star"], dtype=float)
    rho = spearmanr(mu_full, mu_half).statistic if len(mu_full) > 2 else math.nan
    entry["convergence"] = {
        "half": {"trajectories": trajectories // 2, "mu_star": mu_half.tolist()},
        "rank_correlation": float(rho),
        "max_change": float(np.max(np.abs(mu_full - mu_half))),
        "converged": bool((np.abs(mu_full - mu_half) <= np.asarray(full["mu_star_conf"])).all()),
    }
    return entry
