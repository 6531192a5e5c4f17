"""Leave-one-out scores under a posterior (`transition-sim backtest --loo`).

The PSIS weights reproduce a fit without the case when the likelihood is exact; leaving a case
out moves its forecast only where the case informs the parameters; an overfit posterior scores
worse out of sample than in sample; the counts are the same whatever the workers and a rerun
continues from the saved ones; bad input exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from posterior_files import prior_draws_posterior
from typer.testing import CliRunner

from transition_sim.backtest import loo as loo_module
from transition_sim.backtest.loo import (
    CLASSES,
    Case,
    Counts,
    choose_particles,
    forecasts,
    loo_log_weights,
    score,
)
from transition_sim.claims import load_priors
from transition_sim.cli import app
from transition_sim.core.results import RunResult
from transition_sim.scenario.posterior import read_posterior
from transition_sim.scenario.schema import Scenario

CASES = Path(__file__).resolve().parents[1] / "scenarios" / "cases"
CONTAGION = next(p for p in load_priors().priors if p.path == "crowd.contagion")
MIDDLE = (CONTAGION.low + CONTAGION.high) / 2


def _library(folder: Path, names: dict[str, str], days: int = 5) -> Path:
    """Short copies of real cases (file stem -> the case they extend) in ``folder``."""
    folder.mkdir()
    for stem, case in names.items():
        text = f"extends: {CASES / case}.yaml\ndays: {days}\n"
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return folder


# -- the weights on toys with an exact likelihood -------------------------------------------------


def _toy(seed: int = 0, particles: int = 4000, cases: int = 6) -> np.ndarray:
    """For particles of one parameter drawn from its prior, the exact probabilities of the six
    classes for each case: a softmax whose slope in the parameter differs by case."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-1, 1, particles)
    slopes = rng.normal(0, 2, (cases, len(CLASSES)))
    logits = theta[:, None, None] * slopes[None, :, :]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return probabilities


def test_dropping_a_case_reproduces_the_fit_without_it() -> None:
    probabilities = _toy()
    observed = np.arange(probabilities.shape[1]) % len(CLASSES)
    loglik = np.log(probabilities[:, np.arange(len(observed)), observed])
    fitted = np.exp(loglik.sum(axis=1))
    fitted /= fitted.sum()
    log_w, khat, methods = loo_log_weights(fitted, loglik)
    loo = forecasts(np.exp(log_w), probabilities)
    in_sample = forecasts(fitted, probabilities)
    moved = 0
    for j in range(len(observed)):
        without = np.exp(np.delete(loglik, j, axis=1).sum(axis=1))
        refit = forecasts(without / without.sum(), probabilities)[j]
        assert methods[j] == "psis" and khat[j] < 0.7
        np.testing.assert_allclose(loo[j], refit, atol=0.01)
        moved += np.abs(in_sample[j] - refit).max() > 0.02
    assert moved >= 3  # the check has teeth: leaving a case out changes most forecasts


def _overfit_counts(seed: int) -> tuple[list[Case], Counts]:
    """A posterior that fits noise: each particle holds its own random class probabilities for
    every case, and the weights are the product of the likelihoods of what was observed."""
    rng = np.random.default_rng(seed)
    particles, cases, k = 3000, 8, 20
    probabilities = rng.dirichlet(np.full(len(CLASSES), 0.7), size=(particles, cases))
    counts = np.stack(
        [[rng.multinomial(k, probabilities[s, i]) for i in range(cases)] for s in range(particles)]
    )
    observed = rng.integers(0, len(CLASSES), cases)
    smoothed = loo_module.class_probabilities(counts)
    loglik = np.log(smoothed[:, np.arange(cases), observed]).sum(axis=1)
    weights = np.exp(loglik - loglik.max())
    scenario = Scenario(name="toy")
    library = [
        Case(f"c{i}", f"c{i}.yaml", scenario, CLASSES[o], "mass_protest", 0)
        for i, o in enumerate(observed)
    ]
    return library, Counts(tuple(range(particles)), weights / weights.sum(), counts, k)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leave_one_out_is_worse_than_in_sample_for_an_overfit_posterior(seed: int) -> None:
    cases, counts = _overfit_counts(seed)
    result = score(cases, counts).summary["all"]
    assert result["log"]["loo"] > result["log"]["in_sample"]
    assert result["brier"]["loo"] > result["brier"]["in_sample"]


def test_a_capped_posterior_is_an_unbiased_resample(tmp_path: Path) -> None:
    folder = prior_draws_posterior(tmp_path / "fit", 40, weights=list(range(1, 41)))
    drawn = read_posterior(folder)
    values = np.array([row[0] for row in drawn.values])
    exact = float(np.dot(drawn.weights, values))
    means = []
    for seed in range(200):
        rows, weights = choose_particles(drawn, 10, seed)
        assert len(rows) <= 10 and weights.sum() == pytest.approx(1.0)
        means.append(float(np.dot(weights, values[rows])))
    assert np.mean(means) == pytest.approx(exact, rel=0.01)
    every, _ = choose_particles(drawn, None, 0)
    assert every == list(range(40))


# -- the command, with a stand-in whose class one parameter decides --------------------------------


def contagion_decides(scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
    """A stand-in: in the Armenia copy the class is set by the contagion (above the middle of
    its prior: the ruler falls), with a little seed noise; elsewhere a coin, whatever the
    parameters."""
    rng = np.random.default_rng(seed)
    if "Armenia" in scenario.name:
        falls = (scenario.crowd.contagion > MIDDLE) != (rng.random() < 0.1)
        outcome = "popular_transition" if falls else "incumbent_holds"
    else:
        outcome = "incumbent_holds" if rng.random() < 0.5 else "power_sharing"
    return RunResult(outcome, {}, pd.DataFrame({"day": [0]}), pd.DataFrame({"day": [0]}))


def _loo(args: list[str]) -> dict:
    result = CliRunner().invoke(app, ["backtest", *args, "--loo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return _library(
        tmp_path / "cases", {"armenia": "armenia_2018", "belarus": "belarus_2020"}, days=5
    )


def test_leaving_out_moves_only_an_informative_case(
    tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loo_module, "simulate", contagion_decides)
    posterior = prior_draws_posterior(tmp_path / "fit", 40, addresses=("crowd.contagion",))
    record = _loo([str(library), "--posterior", str(posterior), "-n", "20", "-w", "1"])
    by = {Path(c["file"]).stem: c for c in record["cases"]}
    informative, coin = by["armenia"], by["belarus"]
    p_in = informative["forecast_in_sample"]["popular_transition"]
    p_loo = informative["forecast_loo"]["popular_transition"]
    # without Armenia, the particles that explained it lose their weight
    assert p_loo < p_in - 0.02
    for name in CLASSES:
        assert coin["forecast_loo"][name] == pytest.approx(
            coin["forecast_in_sample"][name], abs=0.01
        )
    assert record["without"]["cases"] == 2  # no kazakhstan_2022 here: nothing left out


def test_counts_are_the_same_whatever_the_workers_and_a_rerun_continues(
    tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posterior = prior_draws_posterior(tmp_path / "fit", 3)
    args = [str(library), "--posterior", str(posterior), "-n", "2", "--seed", "5"]
    out = tmp_path / "loo"
    one = _loo([*args, "-w", "1", "--out", str(out)])
    two = _loo([*args, "-w", "2"])
    assert one == two
    assert json.loads((out / "loo.json").read_text()) == one

    def refuse(scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
        raise AssertionError("a saved particle ran again")

    monkeypatch.setattr(loo_module, "simulate", refuse)  # every particle's counts are saved
    again = CliRunner().invoke(
        app, ["backtest", *args, "-w", "1", "--out", str(out), "--loo", "--json"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == one


@pytest.mark.parametrize(
    "change, field, message",
    [
        (lambda folder: None, "--posterior", "--loo needs --posterior"),
        (lambda folder: (folder / "posterior.parquet").unlink(), "--posterior", "cannot read"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, library: Path, change, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    posterior = prior_draws_posterior(tmp_path / "fit", 3)
    change(posterior)
    args = ["backtest", str(library), "--loo", "--json", "-n", "1"]
    if "needs" not in message:
        args += ["--posterior", str(posterior)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["field"] == field and message in error["message"]
    assert "Traceback" not in result.stderr


def test_a_column_no_case_has_exits_2(tmp_path: Path, library: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    posterior = prior_draws_posterior(tmp_path / "fit", 3)
    file = posterior / "posterior.parquet"
    table = pq.read_table(file)
    extra = table.append_column("regions.Atlantis.hardship_shift", pa.array([0.1] * 3))
    pq.write_table(extra.replace_schema_metadata(table.schema.metadata), file)
    result = CliRunner().invoke(
        app, ["backtest", str(library), "--loo", "--posterior", str(posterior), "--json"]
    )
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["file"] == str(posterior) and "regions.Atlantis" in error["message"]


def test_a_wrong_kind_exits_2(tmp_path: Path, library: Path) -> None:
    import pyarrow.parquet as pq

    posterior = prior_draws_posterior(tmp_path / "fit", 3)
    file = posterior / "posterior.parquet"
    table = pq.read_table(file)
    pq.write_table(
        table.replace_schema_metadata({b"transition_sim": b'{"kind": "ensemble"}'}), file
    )
    result = CliRunner().invoke(
        app, ["backtest", str(library), "--loo", "--posterior", str(posterior), "--json"]
    )
    assert result.exit_code == 2
    assert "not a posterior" in json.loads(result.stdout)["error"]["message"]
