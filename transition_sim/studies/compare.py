"""Compare scenarios with common random numbers: outcome shares and metrics side by side, and
each scenario's difference from the first (the reference) with a 95% interval.

Common random numbers. Replication ``r`` of every scenario runs with the same seed,
``replication_seed(seed, r)`` (the seeds of ``transition-sim run --seed``): where the scenarios
share a mechanism, its random draws are shared, and much of the noise cancels in the difference.
The replications therefore pair: differences are taken pair by pair (``paired: true``) over the
replications where both runs succeeded and, for a metric, where both define it. Where fewer than
half of them pair (a metric one scenario rarely defines), the two samples are compared unpaired.

Under drawn parameters (a posterior, `compare_plan`'s ``uncertainties``), replication ``r`` of
every scenario also runs the same draw: its parameters come from the same seed, so the same
particle (a counterfactual keeping its own value of a parameter it sets:
`transition_sim.ensemble.uncertainty.own_values_kept`).

Intervals are percentile bootstrap intervals (resampling replications, jointly when paired;
seeded, so reproducible). A difference whose interval contains 0 is labelled "within Monte
Carlo error": these replications cannot tell it from seed noise. ``se_paired`` and
``se_unpaired`` show what pairing gained.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.schema import Scenario
from transition_sim.studies.engine import Plan
from transition_sim.studies.models import drawn_transition, transition

if TYPE_CHECKING:
    from transition_sim.ensemble.uncertainty import Uncertainty

RESAMPLES = 2000
WITHIN = "within Monte Carlo error"
DIFFERENT = "different"

__all__ = ["compare_plan", "differences"]


def compare_plan(
    scenarios: Sequence[Scenario],
    names: Sequence[str],
    replications: int,
    seed: int,
    uncertainties: Sequence[Uncertainty | None] | None = None,
) -> Plan:
    """Every scenario as a point, its replications seeded in common; with ``uncertainties``
    (one per scenario, None: point values), each replication's parameters drawn from its seed,
    so replication r of every scenario runs the same draw."""

    def common_seed(point: int, replication: int) -> int:
        return replication_seed(seed, replication)

    if uncertainties is None or all(u is None for u in uncertainties):
        return Plan(
            transition,
            lambda point: scenarios[point],
            {"scenario": np.asarray(list(names), dtype=object)},
            len(scenarios),
            replications,
            common_seed,
        )
    if any(u is not None and u.seeds_per_draw != 1 for u in uncertainties):
        raise ValueError("a comparison draws once per replication (seeds_per_draw 1)")
    return Plan(
        drawn_transition,
        lambda point: (scenarios[point], uncertainties[point]),
        {"scenario": np.asarray(list(names), dtype=object)},
        len(scenarios),
        replications,
        common_seed,
    )


def percentile_interval(draws: np.ndarray) -> list[float]:
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return [float(lo), float(hi)]


def bootstrap_difference(
    stat: Callable[[np.ndarray], np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    paired: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """``stat(b) - stat(a)`` over bootstrap resamples, in blocks to bound memory."""
    draws = []
    block = max(1, 2_000_000 // max(len(a), len(b), 1))
    for start in range(0, RESAMPLES, block):
        k = min(block, RESAMPLES - start)
        ia = rng.integers(0, len(a), (k, len(a)))
        ib = ia if paired else rng.integers(0, len(b), (k, len(b)))
        draws.append(stat(b[ib]) - stat(a[ia]))
    return np.concatenate(draws)


def interval_label(ci: list[float]) -> str:
    return WITHIN if ci[0] <= 0 <= ci[1] else DIFFERENT


def share_difference(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Paired difference of two 0/1 indicators (same replications)."""
    n = len(a)
    ci = percentile_interval(bootstrap_difference(lambda x: x.mean(axis=1), a, b, True, rng))
    paired = float(np.std(b - a, ddof=1) / np.sqrt(n)) if n > 1 else None
    unpaired = float(np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n)) if n > 1 else None
    return {
        "diff": float(b.mean() - a.mean()),
        "ci95": ci,
        "paired": True,
        "n": n,
        "se_paired": paired,
        "se_unpaired": unpaired,
        "label": interval_label(ci),
    }


def metric_difference(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Difference of medians and of means of a metric; paired where both runs define it."""
    both = np.isfinite(a) & np.isfinite(b)
    paired = both.sum() >= 2 and both.sum() >= 0.5 * max(np.isfinite(a).sum(), np.isfinite(b).sum())
    if paired:
        a, b = a[both], b[both]
    else:
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return {
            "paired": False,
            "n": [len(a), len(b)],
            "label": "undefined in too many runs",
        }
    out: dict[str, Any] = {
        "paired": bool(paired),
        "n": len(a) if paired else [len(a), len(b)],
    }
    for name, stat in (
        ("median", lambda x: np.median(x, axis=-1)),
        ("mean", lambda x: x.mean(axis=-1)),
    ):
        ci = percentile_interval(bootstrap_difference(stat, a, b, bool(paired), rng))
        out[f"{name}_diff"] = float(stat(b) - stat(a))
        out[f"{name}_ci95"] = ci
        out[f"{name}_label"] = interval_label(ci)
    return out


def differences(
    runs: pd.DataFrame,
    names: Sequence[str],
    outcomes: Sequence[str],
    metrics: Sequence[str],
    seed: int,
) -> dict[str, Any]:
    """Each scenario's differences from the first, for every outcome share and metric."""
    rng = np.random.default_rng(seed)
    ok = runs[runs["error"].isna()]
    by_point = {p: frame.set_index("replication") for p, frame in ok.groupby("point")}
    empty = ok.iloc[:0].set_index("replication")
    reference = by_point.get(0, empty)
    result: dict[str, Any] = {}
    for point, name in enumerate(names[1:], start=1):
        other = by_point.get(point, empty)
        common = reference.index.intersection(other.index)
        ref, cur = reference.loc[common], other.loc[common]
        entry: dict[str, Any] = {"pairs": len(common), "outcomes": {}, "metrics": {}}
        for outcome in outcomes:
            a = (ref["outcome"] == outcome).to_numpy(dtype=float)
            b = (cur["outcome"] == outcome).to_numpy(dtype=float)
            entry["outcomes"][outcome] = share_difference(a, b, rng) if len(common) > 1 else None
        for metric in metrics:
            a = reference[metric].reindex(common).to_numpy(dtype=float)
            b = other[metric].reindex(common).to_numpy(dtype=float)
            entry["metrics"][metric] = metric_difference(a, b, rng)
        result[name] = entry
    return result
