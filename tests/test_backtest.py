"""The backtest: its scores, its baselines, and its command line (bad input exits 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim import backtest
from transition_sim.cli import app
from transition_sim.core.outcomes import OUTCOMES
from transition_sim.scenario.loader import load_scenario

runner = CliRunner()


def test_a_perfect_forecast_scores_zero_and_a_confident_miss_two() -> None:
    assert backtest.brier({"popular_transition": 1.0}, "popular_transition") == 0.0
    assert backtest.brier({"incumbent_holds": 1.0}, "popular_transition") == 2.0


@pytest.mark.parametrize("observed", OUTCOMES)
def test_moving_probability_towards_what_happened_improves_the_score(observed: str) -> None:
    """The score rewards a forecast for the weight it puts on what happened: shifting any share
    from another class to the observed one lowers it, and the uniform guess, which favours no
    class, scores worse than a forecast leaning the right way and better than one leaning the
    wrong way."""
    uniform = backtest.uniform_forecast()
    for other in OUTCOMES:
        if other == observed:
            continue
        right = uniform | {observed: uniform[observed] + 0.1, other: uniform[other] - 0.1}
        wrong = uniform | {observed: uniform[observed] - 0.1, other: uniform[other] + 0.1}
        assert backtest.brier(right, observed) < backtest.brier(uniform, observed)
        assert backtest.brier(wrong, observed) > backtest.brier(uniform, observed)


@pytest.mark.parametrize("crisis", sorted(backtest.BASE_RATES))
def test_base_rate_forecasts_are_distributions_that_put_the_cited_share_on_its_classes(
    crisis: str,
) -> None:
    forecast = backtest.base_rate_forecast(crisis)
    classes, share, source = backtest.BASE_RATES[crisis]
    assert set(forecast) == set(OUTCOMES)
    assert sum(forecast.values()) == pytest.approx(1.0)
    assert sum(forecast[k] for k in classes) == pytest.approx(share)
    assert re.search(r"\(\w[^()]* (19|20)\d\d", source), "cites a study and its year"


def write_case(folder: Path, name: str, observed: str, crisis: str = "mass_protest") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\ndays: 5\nseed: 3\nobserved: {{outcome: {observed}, crisis: {crisis}}}\n",
        encoding="utf-8",
    )
    return path


def test_a_library_run_scores_every_case(tmp_path: Path) -> None:
    """An Epstein city with nothing happening: the incumbent holds in every run, so the case
    observed as 'incumbent holds' is a perfect forecast and the other a confident miss."""
    write_case(tmp_path, "a_quiet", "incumbent_holds")
    write_case(tmp_path, "b_missed", "popular_transition")
    result = backtest.run_backtest(tmp_path, load_scenario, replications=3, workers=1)
    quiet, missed = result.cases
    assert quiet.shares["incumbent_holds"] == 1.0 and quiet.hit and quiet.brier == 0.0
    assert missed.p_observed == 0.0 and not missed.hit and missed.brier == 2.0
    assert result.mean("brier") == 1.0
    data = result.to_dict()
    assert data["hits"] == 1 and set(data["brier"]) == {"model", "uniform", "base_rates"}


def test_the_backtest_is_the_same_whatever_the_workers(tmp_path: Path) -> None:
    write_case(tmp_path, "a", "incumbent_holds")
    one = backtest.run_backtest(tmp_path, load_scenario, replications=4, workers=1)
    two = backtest.run_backtest(tmp_path, load_scenario, replications=4, workers=2)
    assert one.to_dict() == two.to_dict()


def test_cli_prints_json(tmp_path: Path) -> None:
    write_case(tmp_path, "a", "incumbent_holds")
    result = runner.invoke(app, ["backtest", str(tmp_path), "-n", "2", "-w", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cases"][0]["observed"] == "incumbent_holds"


def test_cli_prints_a_table_with_misses(tmp_path: Path) -> None:
    write_case(tmp_path, "a", "popular_transition")
    result = runner.invoke(app, ["backtest", str(tmp_path), "-n", "2", "-w", "1"])
    assert result.exit_code == 0, result.output
    assert "(miss)" in result.stdout and "literature base rates" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\n", "observed: a case needs the recorded outcome"),
        ("name: x\nobserved: {outcome: victory, crisis: mass_protest}\n", "is not an outcome"),
        ("name: x\nobserved: {outcome: unresolved}\n", "observed.crisis"),
    ],
)
def test_bad_cases_exit_2_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["backtest", str(tmp_path), "-n", "1"])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


def test_an_empty_or_missing_folder_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["backtest", str(tmp_path)]).exit_code == 2
    assert runner.invoke(app, ["backtest", str(tmp_path / "nowhere")]).exit_code == 2


def test_yml_files_are_cases_too(tmp_path: Path) -> None:
    write_case(tmp_path, "a", "incumbent_holds").rename(tmp_path / "a.yml")
    write_case(tmp_path, "b", "incumbent_holds")
    assert [p.name for p in backtest.case_files(tmp_path)] == ["a.yml", "b.yaml"]


# --- the peak crowd (issue 13, item 5): a case's recorded crowd against the model's ----------

CROWD_CASE = """\
name: {name}
days: 10
seed: 3
scale: {{people_per_agent: 10}}
regions: [{{name: city, urban_population: 11200}}]
camps: [{{name: incumbent, incumbent: true, power: 1.0, legitimacy: 0.1}}]
observed:
  outcome: incumbent_holds
  crisis: mass_protest
  peak_crowd: {{region: {region}, range: [{low}, {high}], source: a test}}
"""


def write_crowd_case(folder: Path, name: str, region: str, low: float, high: float) -> Path:
    """A one-city case whose ruler has almost no legitimacy, so that a crowd forms: at 10 people
    per agent, its peak is many times 10 people and can never pass the city's 11,200."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    text = CROWD_CASE.format(name=name, region=region, low=low, high=high)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("region", ["city", "all"])
def test_a_crowd_is_reported_below_in_or_above_its_recorded_range(
    tmp_path: Path, region: str
) -> None:
    """The same crowd against three ranges: a handful of people (it is above), the whole city
    (in range) and more people than the city has (below), read regionally and nationally."""
    write_crowd_case(tmp_path, "a_handful", region, 1, 10)
    write_crowd_case(tmp_path, "b_the_city", region, 1, 11200)
    write_crowd_case(tmp_path, "c_more_than_live_there", region, 20000, 30000)
    result = backtest.run_backtest(tmp_path, load_scenario, replications=3, workers=1)
    verdicts = [c.peak_crowd.verdict for c in result.cases if c.peak_crowd is not None]
    assert verdicts == ["above", "in range", "below"]
    assert result.to_dict()["peak_crowd"] == {"cases": 3, "below": 1, "in range": 1, "above": 1}


def test_a_regional_peak_counts_protesters_as_the_national_metric_does(tmp_path: Path) -> None:
    """With one region, the peak read from the region's daily counts (agents times the people
    each stands for) is the run metric `peak_protesters`: the same crowd, the same unit."""
    write_crowd_case(tmp_path / "r", "x", "city", 1, 10)
    write_crowd_case(tmp_path / "n", "x", "all", 1, 10)
    regional = backtest.run_backtest(tmp_path / "r", load_scenario, replications=3).cases[0]
    national = backtest.run_backtest(tmp_path / "n", load_scenario, replications=3).cases[0]
    assert regional.peak_crowd is not None and national.peak_crowd is not None
    assert regional.peak_crowd.model_median == national.peak_crowd.model_median > 10


def test_cases_without_a_recorded_crowd_are_not_counted(tmp_path: Path) -> None:
    write_case(tmp_path, "a", "incumbent_holds")
    write_crowd_case(tmp_path, "b", "all", 1, 10)
    result = backtest.run_backtest(tmp_path, load_scenario, replications=2, workers=1)
    assert result.cases[0].peak_crowd is None
    assert result.to_dict()["peak_crowd"] == {"cases": 1, "below": 0, "in range": 0, "above": 1}


def test_cli_shows_the_crowd_in_the_table_and_the_json(tmp_path: Path) -> None:
    write_crowd_case(tmp_path, "a", "city", 1, 10)
    table = runner.invoke(app, ["backtest", str(tmp_path), "-n", "2", "-w", "1"])
    assert table.exit_code == 0, table.output
    assert "peak crowd in range in 0 of 1 cases that record one (0 below, 1 above)" in table.stdout
    out = runner.invoke(app, ["backtest", str(tmp_path), "-n", "2", "-w", "1", "--json"])
    case = json.loads(out.stdout)["cases"][0]
    assert case["peak_crowd"]["verdict"] == "above" and case["peak_crowd"]["region"] == "city"


def test_the_differences_from_the_baselines_are_paired_over_cases(tmp_path: Path) -> None:
    """One perfect forecast (Brier 0) and one confident miss (2) against the uniform guess's
    5/6 on each: the model is 1/6 worse on average, and resampling two cases spans the
    difference of one case alone (-5/6) to the other alone (+7/6)."""
    write_case(tmp_path, "a_quiet", "incumbent_holds")
    write_case(tmp_path, "b_missed", "popular_transition")
    result = backtest.run_backtest(tmp_path, load_scenario, replications=2, workers=1)
    entry = result.to_dict()["brier_differences"]["model_minus_uniform"]
    assert entry["mean"] == pytest.approx(1 / 6)
    lo, hi = entry["ci95"]
    assert lo == pytest.approx(-5 / 6) and hi == pytest.approx(7 / 6)
    text = runner.invoke(app, ["backtest", str(tmp_path), "-n", "2", "-w", "1"]).stdout
    assert "model minus uniform: +0.167 [-0.833, +1.167]" in text
