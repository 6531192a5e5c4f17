"""The panel's claims as a battery: every `expects:` comparison of `seeds/claims.yaml` run as a
paired comparison with common random numbers, and judged (``transition-sim check-claims``).

Each baseline (``kazakhstan_2022``, ``kz_aftermath``) is run with its counterfactuals as one
`compare` (`transition_sim.studies.studies.run_compare`): replication ``r`` of every scenario
has the same seed, so the runs pair. The effect of each comparison and its 95% interval come from
`transition_sim.studies.compare`'s paired bootstrap and its labels:

- a share (of outcome classes, or of runs in which a metric is defined): the paired difference;
- a metric's mean or median: the difference, paired where both runs define it;
- a ratio (of medians, counterfactual / baseline): the difference of log medians, bootstrapped
  the same way and exponentiated, so its interval excludes 1 exactly when the log's excludes 0.

Verdict: *holds* when the interval excludes no effect on the panel's side, *fails* when it
excludes it on the other side (the model contradicts the claim), *inconclusive* otherwise. The
bootstrap of each comparison is seeded from the base seed and the comparison's key, so a result
does not depend on which other claims were run (``--only``).

Under a posterior (``check-claims --posterior DIR``, or a baseline's ``from_posterior:``),
replication ``r`` of the baseline and of every counterfactual runs the same particle (drawn by
weight from replication ``r``'s seed, as `run` draws it) and the same seed, so the pairs still
share their random numbers; a counterfactual keeps its own value of a fitted parameter it sets
(`transition_sim.ensemble.uncertainty.own_values_kept`, the rule of
``experiments/elites/contrasts.py table --posterior``). The intervals are then over seed and
parameters together; the comparisons and verdicts are the same. Each record says which
parameters it ran (``parameters``: point values, or the posterior's file and particle count).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transition_sim.claims import (
    SCENARIOS_DIR,
    Expectation,
    Untested,
    counterfactual_scenario,
)
from transition_sim.ensemble.uncertainty import Uncertainty, own_values_kept
from transition_sim.scenario.loader import load_scenario, scenario_hash
from transition_sim.scenario.schema import Scenario
from transition_sim.studies.compare import (
    DIFFERENT,
    bootstrap_difference,
    interval_label,
    metric_difference,
    percentile_interval,
    share_difference,
)
from transition_sim.studies.engine import ProgressFn
from transition_sim.studies.studies import run_compare
from transition_sim.studies.sweep import load_runs

HOLDS, FAILS, INCONCLUSIVE, NOT_CHECKED = "holds", "fails", "inconclusive", "not checked"

__all__ = [
    "FAILS",
    "HOLDS",
    "INCONCLUSIVE",
    "NOT_CHECKED",
    "evaluate",
    "known_metrics",
    "parameters_used",
    "run_battery",
    "verdict",
]


def known_metrics(scenario: Scenario) -> set[str]:
    """The metrics a run reports (those of a one-day run of ``scenario``)."""
    from transition_sim.simulate import simulate

    return set(simulate(scenario.model_copy(update={"days": 1}), 0).metrics)


def verdict(sign: int, label: str, ci: Sequence[float], null: float = 0.0) -> str:
    """holds / fails / inconclusive, from the panel's direction and the interval's label."""
    if label != DIFFERENT:
        return INCONCLUSIVE
    observed = 1 if ci[0] > null else -1
    return HOLDS if observed == sign else FAILS


def _log_median(x: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.median(x, axis=-1), 1e-12))


def _ratio(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """median(b) / median(a), over the replications where both define the metric (paired)."""
    both = np.isfinite(a) & np.isfinite(b)
    a, b = a[both], b[both]
    if len(a) < 2 or np.median(a) <= 0 or np.median(b) <= 0:
        return {"n": len(a), "paired": True, "label": "undefined (a median is 0)"}
    log_ci = percentile_interval(bootstrap_difference(_log_median, a, b, True, rng))
    return {
        "diff": float(np.median(b) / np.median(a)),
        "ci95": [float(np.exp(log_ci[0])), float(np.exp(log_ci[1]))],
        "label": interval_label(log_ci),
        "n": len(a),
        "paired": True,
    }


def evaluate(
    expectation: Expectation, ref: pd.DataFrame, cur: pd.DataFrame, rng: np.random.Generator
) -> dict[str, Any]:
    """The comparison on paired runs (indexed by replication): effect, interval, verdict."""
    common = ref.index.intersection(cur.index)
    ref, cur = ref.loc[common], cur.loc[common]
    stat, target = expectation.statistic, expectation.target
    null = 1.0 if stat == "ratio" else 0.0
    if stat in ("share", "occurs"):
        if stat == "share":
            a = ref["outcome"].isin(target).to_numpy(dtype=float)
            b = cur["outcome"].isin(target).to_numpy(dtype=float)
        else:
            a = np.isfinite(ref[target[0]].to_numpy(dtype=float)).astype(float)
            b = np.isfinite(cur[target[0]].to_numpy(dtype=float)).astype(float)
        d = share_difference(a, b, rng) if len(common) > 1 else {}
        values = (float(a.mean()), float(b.mean())) if len(common) else (None, None)
    else:
        a = ref[target[0]].to_numpy(dtype=float)
        b = cur[target[0]].to_numpy(dtype=float)
        if stat == "ratio":
            d = _ratio(a, b, rng)
        else:
            found = metric_difference(a, b, rng)
            d = {k.removeprefix(f"{stat}_"): v for k, v in found.items()}
        center = np.nanmedian if stat in ("median", "ratio") else np.nanmean
        values = tuple(float(center(x)) if np.isfinite(x).any() else None for x in (a, b))  # type: ignore[assignment]
    label = d.get("label", "too few runs")
    ci = d.get("ci95")
    return {
        "effect": d.get("diff"),
        "ci95": ci,
        "null": null,
        "label": label,
        "verdict": verdict(expectation.sign, label, ci, null) if ci else INCONCLUSIVE,
        "n": d.get("n", len(common)),
        "paired": d.get("paired", True),
        "baseline_value": values[0],
        "counterfactual_value": values[1],
    }


def _key_seed(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _record(expectation: Expectation) -> dict[str, Any]:
    return {
        "claim": expectation.claim,
        "key": expectation.key,
        "says": expectation.says,
        "baseline": expectation.baseline,
        "counterfactual": expectation.counterfactual(),
        "output": expectation.output(),
        "statistic": expectation.statistic,
        "direction": expectation.direction,
    }


def parameters_used(uncertainty: Uncertainty | None) -> dict[str, Any]:
    """Which parameters a comparison ran: point values, or a posterior's file and particles."""
    if uncertainty is None or uncertainty.posterior is None:
        return {"mode": "point"}
    posterior = uncertainty.posterior
    return {
        "mode": "posterior",
        "posterior": posterior.file,
        "particles": len(posterior),
        "columns": list(posterior.columns),
        "sha256": posterior.sha256,
    }


def run_battery(
    expectations: Sequence[Expectation],
    untested: Sequence[Untested],
    out: Path,
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    scenarios_dir: Path = SCENARIOS_DIR,
    progress: Callable[[str], ProgressFn | None] | None = None,
    uncertainties: Mapping[str, Uncertainty | None] | None = None,
) -> list[dict[str, Any]]:
    """Run every comparison, one `compare` per baseline, into folders of ``out``; return one
    record per expectation and per claim without one, in the registry's order. With
    ``uncertainties`` (by baseline name; None or absent: point values), each replication's
    parameters are drawn, the same draw for the baseline and its counterfactuals."""
    records: list[tuple[int, dict[str, Any]]] = []
    by_baseline: dict[str, list[Expectation]] = {}
    for e in expectations:
        by_baseline.setdefault(e.baseline, []).append(e)
    for baseline, group in by_baseline.items():
        scenarios = [load_scenario(scenarios_dir / f"{baseline}.yaml")]
        names = [baseline]
        point: dict[str, int] = {scenario_hash(scenarios[0]): 0}
        of: dict[str, int] = {}
        for e in group:
            scenario = counterfactual_scenario(e, scenarios_dir)
            h = scenario_hash(scenario)
            if h not in point:
                point[h] = len(scenarios)
                scenarios.append(scenario)
                names.append(e.counterfactual())
            of[e.key] = point[h]
        drawn = (uncertainties or {}).get(baseline)
        folder = out / baseline
        run_compare(
            scenarios, names, folder, replications=replications, seed=seed, workers=workers,
            progress=progress(baseline) if progress else None,
            uncertainties=None if drawn is None else [
                own_values_kept(drawn, s, scenarios[0]) for s in scenarios
            ],
        )  # fmt: skip
        runs = load_runs(folder)
        ok = runs[runs["error"].isna()]
        by_point = {p: frame.set_index("replication") for p, frame in ok.groupby("point")}
        empty = ok.iloc[:0].set_index("replication")
        for e in group:
            found = evaluate(
                e,
                by_point.get(0, empty),
                by_point.get(of[e.key], empty),
                _key_seed(seed, e.key),
            )
            failed = int((runs["point"].isin([0, of[e.key]]) & runs["error"].notna()).sum())
            record = {**_record(e), **found, "failed_runs": failed}
            record["parameters"] = parameters_used(drawn)
            records.append((e.line or 0, record | {"replications": replications, "seed": seed}))
    for u in untested:
        records.append(
            (u.line or 0, {"claim": u.claim, "key": u.claim, "verdict": NOT_CHECKED,
                           "reason": u.reason})
        )  # fmt: skip
    return [r for _, r in sorted(records, key=lambda x: x[0])]
