"""Our Epstein scenario agrees with Mesa's example (mesa.examples.advanced.epstein_civil_violence).

Mesa's runs are stored (experiments/mesa_agreement/reference/, written by mesa_reference.py).
Each is paired with live runs of scenarios/epstein_model1.yaml given the same numbers of
citizens and cops (Mesa's vary by seed, and the number of cops drives most of the spread
between runs). For every setting and metric (mean active share, mean jailed share, outbursts per
100 steps) the differences "Mesa's run minus the mean of our paired runs" must not be shifted
from 0: a two-sided Wilcoxon signed-rank test, at a family-wise 5% (Bonferroni over the 4 x 3
comparisons). docs/ODD.md §7.1 states the power.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from transition_sim.ensemble.runner import replication_seed

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "mesa_agreement" / "mesa_reference.py"
OURS_PER_MESA_RUN = 2
ALPHA = 0.05 / 12  # family-wise 5% over 4 settings x 3 metrics


def _load():
    spec = importlib.util.spec_from_file_location("mesa_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mesa_reference"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ref = _load()


def mesa_metrics(name: str) -> dict[str, np.ndarray]:
    runs = ref.load(name)["runs"]
    table = [ref.metrics(r["active"], r["jailed"], r["citizens"]) for r in runs]
    return {m: np.array([t[m] for t in table]) for m in ref.METRICS}


def our_metrics(name: str, **change) -> dict[str, np.ndarray]:
    """Our runs, `OURS_PER_MESA_RUN` for each of Mesa's, with that run's agent counts."""
    setting = ref.SETTINGS[name]
    table = []
    for i, run in enumerate(ref.load(name)["runs"]):
        for j in range(OURS_PER_MESA_RUN):
            seed = replication_seed(2002, i * OURS_PER_MESA_RUN + j)
            ours = ref.run_ours(setting, run["citizens"], run["cops"], seed, **change)
            table.append(ref.metrics(ours["active"], ours["jailed"], run["citizens"]))
    return {m: np.array([t[m] for t in table]) for m in ref.METRICS}


def differences(mesa: dict, ours: dict) -> dict[str, np.ndarray]:
    """Per Mesa run: its metric minus the mean over our runs with the same agent counts."""
    return {m: mesa[m] - ours[m].reshape(-1, OURS_PER_MESA_RUN).mean(axis=1) for m in ref.METRICS}


def p_values(mesa: dict, ours: dict) -> dict[str, float]:
    """Two-sided Wilcoxon signed-rank p-values of the paired differences (1 if all are 0)."""
    return {
        m: float(stats.wilcoxon(d).pvalue) if np.any(d != 0) else 1.0
        for m, d in differences(mesa, ours).items()
    }


@pytest.mark.parametrize("name", list(ref.SETTINGS))
def test_our_epstein_model_agrees_with_mesas_example(name: str) -> None:
    mesa, ours = mesa_metrics(name), our_metrics(name)
    assert len(mesa["active_share"]) >= 20
    for metric, p in p_values(mesa, ours).items():
        assert p > ALPHA, (
            f"{name}: {metric} differs (Wilcoxon p = {p:.2g}; medians Mesa"
            f" {np.median(mesa[metric]):.4g}, ours {np.median(ours[metric]):.4g})"
        )


def test_the_comparison_detects_a_wrong_rule() -> None:
    """The same test, with the same runs, rejects a model that updates each day synchronously
    instead of one agent at a time: the comparison has the power to fail."""
    mesa = mesa_metrics("app")
    wrong = our_metrics("app", batches=1)
    assert min(p_values(mesa, wrong).values()) < ALPHA


def test_the_reference_still_reproduces() -> None:
    """Mesa seeded with rng= is deterministic: its first steps match the stored ones."""
    stored = ref.load("app")
    assert stored["setting"] == ref.asdict(ref.SETTINGS["app"])
    first = stored["runs"][0]
    steps = 25
    live = ref.run_mesa(ref.SETTINGS["app"], first["seed"], steps=steps)
    assert (live["citizens"], live["cops"]) == (first["citizens"], first["cops"])
    assert live["active"] == first["active"][:steps], f"Mesa {stored['mesa']} wrote the file"
    assert live["jailed"] == first["jailed"][:steps]


def test_every_setting_has_its_stored_runs() -> None:
    for name, setting in ref.SETTINGS.items():
        stored = ref.load(name)
        assert stored["setting"] == ref.asdict(setting), name
        assert [r["seed"] for r in stored["runs"]] == list(range(setting.seeds)), name
        assert all(len(r["active"]) == setting.steps for r in stored["runs"]), name
