"""Morris and Sobol through the whole engine (spec, design, seeding, storage, analysis), on
functions whose indices are known."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from textwrap import dedent

import numpy as np
import pytest

from transition_sim.studies.spec import load_spec
from transition_sim.studies.studies import run_sweep
from transition_sim.studies.sweep import load_runs, prepare

PI = math.pi
# Ishigami (a = 7, b = 0.1): the analytic indices.
S1 = [0.3139, 0.4424, 0.0]
ST = [0.5576, 0.4424, 0.2437]
ISHIGAMI_VARIANCE = 7**2 / 8 + 0.1 * PI**4 / 5 + 0.1**2 * PI**8 / 18 + 0.5


def ishigami_spec(tmp_path: Path, samples: int, replications: int = 1, noise: float = 0.0) -> Path:
    path = tmp_path / "ishigami.yaml"
    path.write_text(
        dedent(f"""
        name: Ishigami
        model: transition_sim.studies.models:ishigami
        fixed: {{noise: {noise}}}
        design: {{method: sobol, samples: {samples}}}
        replications: {replications}
        seed: 3
        parameters:
          - {{path: x1, bounds: [{-PI}, {PI}]}}
          - {{path: x2, bounds: [{-PI}, {PI}]}}
          - {{path: x3, bounds: [{-PI}, {PI}]}}
        """),
        encoding="utf-8",
    )
    return path


def test_sobol_recovers_the_ishigami_indices(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_sweep(
        prepare(load_spec(ishigami_spec(tmp_path, 1024)), allow_code=True), out, workers=2
    )
    stored = json.loads((out / "sensitivity.json").read_text())
    assert stored == json.loads(json.dumps(result.sensitivity))  # what was written is what ran
    entry = stored["outputs"]["y_mean"]
    assert stored["method"] == "sobol" and entry["names"] == ["x1", "x2", "x3"]
    np.testing.assert_allclose(entry["S1"], S1, atol=0.05)
    np.testing.assert_allclose(entry["ST"], ST, atol=0.05)
    assert all(0 < c < 0.1 for c in entry["S1_conf"] + entry["ST_conf"])
    assert entry["convergence"]["converged"]
    assert entry["noise_floor"] is None  # one replication per point: noise not estimable
    assert entry["variance"] == pytest.approx(ISHIGAMI_VARIANCE, rel=0.1)
    assert "Sobol indices: y mean" in (out / "report.html").read_text()
    runs = load_runs(out)
    assert len(runs) == 1024 * 5  # N (D + 2) points, one run each
    # The analysis used the stored runs: recompute y from the stored inputs.
    y = np.sin(runs.x1) + 7 * np.sin(runs.x2) ** 2 + 0.1 * runs.x3**4 * np.sin(runs.x1)
    np.testing.assert_allclose(runs["y"], y)


def test_replication_noise_shows_as_the_noise_floor(tmp_path: Path) -> None:
    """Noise of sd 2 averaged over 4 replications leaves variance 1 per point: a floor of
    1 / (13.84 + 1) of the output's variance; the total indices are inflated by about that."""
    out = tmp_path / "out"
    run_sweep(
        prepare(
            load_spec(ishigami_spec(tmp_path, 512, replications=4, noise=2.0)), allow_code=True
        ),
        out,
    )
    entry = json.loads((out / "sensitivity.json").read_text())["outputs"]["y_mean"]
    expected = 1 / (ISHIGAMI_VARIANCE + 1)
    assert entry["noise_floor"] == pytest.approx(expected, rel=0.15)
    shrink = ISHIGAMI_VARIANCE / (ISHIGAMI_VARIANCE + 1)  # the function's share of the variance
    np.testing.assert_allclose(
        entry["ST"], np.array(ST) * shrink + expected, atol=3 * max(entry["ST_conf"])
    )
    assert entry["below_noise_floor"] == []  # x3's ST (0.24) stands well above 0.067


def linear_morris(folder: Path, trajectories: int) -> Path:
    """A Morris spec over y = 4x + 2y + 0z on unit ranges (one replication per point)."""
    path = folder / "linear.yaml"
    path.write_text(
        dedent(f"""
        name: linear
        model: sweep_functions:linear
        design: {{method: morris, samples: {trajectories}, levels: 4}}
        replications: 1
        seed: 0
        parameters:
          - {{path: x, bounds: [0, 1]}}
          - {{path: y, bounds: [0, 1]}}
          - {{path: z, distribution: {{name: uniform, low: 0, high: 1}}}}
        """),
        encoding="utf-8",
    )
    return path


def test_morris_ranks_a_linear_function_exactly(tmp_path: Path) -> None:
    """y = 4x + 2y + 0z on unit ranges: every elementary effect is the coefficient."""
    out = tmp_path / "out"
    run_sweep(prepare(load_spec(linear_morris(tmp_path, trajectories=10)), allow_code=True), out)
    analysis = json.loads((out / "sensitivity.json").read_text())
    entry = analysis["outputs"]["out_mean"]
    np.testing.assert_allclose(entry["mu_star"], [4, 2, 0], atol=1e-9)
    np.testing.assert_allclose(entry["sigma"], [0, 0, 0], atol=1e-9)
    assert entry["convergence"]["half"]["trajectories"] == 5
    assert entry["convergence"]["converged"]
    assert analysis["skipped"] == {"share_ok": "constant across the design: nothing to attribute"}
    report = (out / "report.html").read_text()
    assert "Morris screening: out mean" in report


def test_two_trajectories_analyse_without_warnings(tmp_path: Path) -> None:
    """The convergence check's half has one trajectory, whose σ is undefined: it must stay a
    quiet NaN inside SALib, not a screenful of numpy warnings (found by hostile testing)."""
    spec = load_spec(linear_morris(tmp_path, trajectories=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run_sweep(prepare(spec, allow_code=True), tmp_path / "out")
    entry = json.loads((tmp_path / "out" / "sensitivity.json").read_text())["outputs"]["out_mean"]
    assert entry["convergence"]["half"]["trajectories"] == 1
    np.testing.assert_allclose(entry["mu_star"], [4, 2, 0], atol=1e-9)
