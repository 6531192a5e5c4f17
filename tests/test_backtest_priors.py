"""`backtest --uncertainty prior`: the library forecast with the parameters' uncertainty (each
replication draws the assumption-sourced parameters from the registry's priors), as `run
--uncertainty prior` draws them; bad combinations exit 2 naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim import backtest
from transition_sim.claims import BASELINE_PATH
from transition_sim.cli import app
from transition_sim.cli.scenarios import prior_uncertainty
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario

runner = CliRunner()


def write_baseline_case(folder: Path) -> Path:
    """A short case on the Kazakhstan baseline that records its national peak crowd."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "short.yaml"
    path.write_text(
        f"extends: {Path(BASELINE_PATH).resolve()}\nname: short\ndays: 8\nseed: 11\n"
        "observed:\n  outcome: incumbent_holds\n  crisis: mass_protest\n"
        "  peak_crowd: {region: all, range: [1, 10], source: a test}\n",
        encoding="utf-8",
    )
    return path


def test_drawn_parameters_forecast_what_run_draws_and_not_the_point_values(
    tmp_path: Path,
) -> None:
    """The backtest under the priors is the ensemble `run --uncertainty prior` gives for the
    same case and seed, and its crowd is not the point values' (parameters were drawn)."""
    file = write_baseline_case(tmp_path)
    drawn = prior_uncertainty(1, None)
    priors = backtest.run_backtest(tmp_path, load_scenario, 6, workers=1, uncertainty=drawn)
    point = backtest.run_backtest(tmp_path, load_scenario, 6, workers=1)
    scenario = load_scenario(file)
    ensemble = run_ensemble(scenario, 6, scenario.seed, workers=1, uncertainty=drawn)
    peaks = ensemble.runs["peak_protesters"]
    case, at_point = priors.cases[0], point.cases[0]
    assert case.peak_crowd is not None and at_point.peak_crowd is not None
    assert case.peak_crowd.model_median == pytest.approx(float(peaks.median()))
    assert case.peak_crowd.model_median != at_point.peak_crowd.model_median
    assert priors.to_dict()["parameters"]["mode"] == "prior"
    assert point.to_dict()["parameters"] == {"mode": "point"}


def test_the_cli_draws_from_the_priors_by_default_whatever_the_workers(tmp_path: Path) -> None:
    write_baseline_case(tmp_path)
    base = ["backtest", str(tmp_path), "-n", "4", "--json"]
    one = runner.invoke(app, [*base, "-w", "1"])
    two = runner.invoke(app, [*base, "-w", "2", "--uncertainty", "prior"])
    point = runner.invoke(app, [*base, "-w", "1", "--uncertainty", "point"])
    assert {one.exit_code, two.exit_code, point.exit_code} == {0}, one.output + two.output
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert json.loads(one.stdout)["parameters"]["priors"] > 0
    assert json.loads(point.stdout)["parameters"] == {"mode": "point"}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--uncertainty", "point", "--seeds-per-draw", "2"], "--seeds-per-draw needs drawn"),
        (["--uncertainty", "point", "--priors", "x.yaml"], "--priors needs drawn parameters"),
        (["--loo", "--seeds-per-draw", "2"], "--seeds-per-draw needs drawn parameters"),
        (["--uncertainty", "point", "--loo"], "--uncertainty point contradicts --loo"),
        (["--uncertainty", "prior", "--loo"], "--uncertainty prior contradicts --loo"),
        (["--uncertainty", "posterior"], "--uncertainty"),
    ],
)
def test_contradictory_options_exit_2(tmp_path: Path, options: list[str], field: str) -> None:
    write_baseline_case(tmp_path)
    result = runner.invoke(app, ["backtest", str(tmp_path), "-n", "1", "-w", "1", *options])
    assert result.exit_code == 2, result.output
    assert field in result.stderr and "Traceback" not in result.output


def test_a_bad_registry_exits_2_naming_it(tmp_path: Path) -> None:
    write_baseline_case(tmp_path / "cases")
    bad = tmp_path / "priors.yaml"
    bad.write_text("assumptions: [\n", encoding="utf-8")
    options = ["--uncertainty", "prior", "--priors", str(bad)]
    result = runner.invoke(app, ["backtest", str(tmp_path / "cases"), "-n", "1", *options])
    assert result.exit_code == 2, result.output
    assert "priors.yaml" in result.stderr and "Traceback" not in result.output


def test_each_case_says_how_many_parameters_its_draws_set(tmp_path: Path) -> None:
    """A case on the baseline draws the baseline's priors; a case of its own (an Epstein city,
    none of the baseline's factions or camps) draws fewer: the record says so per case."""
    write_baseline_case(tmp_path)
    (tmp_path / "z_city.yaml").write_text(
        "name: z_city\ndays: 3\nseed: 2\n"
        "observed: {outcome: incumbent_holds, crisis: mass_protest}\n",
        encoding="utf-8",
    )
    drawn = prior_uncertainty(1, None)
    result = backtest.run_backtest(tmp_path, load_scenario, 2, workers=1, uncertainty=drawn)
    on_baseline, city = (c.parameters_drawn for c in result.cases)
    assert on_baseline is not None and city is not None
    assert 0 <= city < on_baseline <= len(drawn.priors)
    point = backtest.run_backtest(tmp_path, load_scenario, 2, workers=1)
    assert [c.parameters_drawn for c in point.cases] == [None, None]
