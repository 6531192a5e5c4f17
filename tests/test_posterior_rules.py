"""A posterior's values mean what they mean under the model rules its fit ran: the fit records
them (`posterior.RULES`), and a scenario that runs another rule is refused where it would draw
(`run`, `backtest --loo`, a counterfactual's draws) with exit 2 at the scenario's file, line and
field; a posterior written before the record still draws, with one warning."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from posterior_files import ADDRESSES, prior_draws_posterior
from typer.testing import CliRunner

from transition_sim.claims import BASELINE_PATH
from transition_sim.cli import app
from transition_sim.cli.scenarios import posterior_uncertainty
from transition_sim.ensemble.uncertainty import own_values_kept
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.posterior import (
    RULES,
    RULES_KEY,
    PosteriorError,
    RulesMismatch,
    model_rules,
    read_posterior,
    record_rules,
    rule_mismatches,
    write_posterior,
)
from transition_sim.scenario.schema import BLOCKS_REFUSE, Crowd

ROOT = Path(__file__).resolve().parents[1]
# The crowd of agents at its point, which the shipped posterior (the fit across the library) was
# fitted with; since session 26 the shipped baseline is blocks.
AGENTS = ROOT / "tests" / "agents_baseline.yaml"
CASES = ROOT / "scenarios" / "cases"
cli = CliRunner()


@pytest.fixture(scope="module")
def baseline_rules() -> dict:
    return model_rules(scenario_values(load_scenario(BASELINE_PATH)))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, baseline_rules: dict) -> Path:
    """A small posterior that records the baseline's rules (tests only read it)."""
    folder = prior_draws_posterior(tmp_path_factory.mktemp("recorded") / "fit", particles=4)
    record_rules(folder, baseline_rules)
    return folder


def scenario_file(folder: Path, posterior: Path, crowd: str = "") -> Path:
    """A short baseline drawing from ``posterior``, with ``crowd`` lines under ``crowd:``."""
    text = f"extends: {BASELINE_PATH}\nname: drawn\ndays: 2\nfrom_posterior: {posterior}\n"
    if crowd:
        text += "crowd:\n" + "".join(f"  {line}\n" for line in crowd.splitlines())
    path = folder / "drawn.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_rule_choice_of_the_crowd_is_a_recorded_rule() -> None:
    """A rule added to the schema (a Literal or bool choice of the citizens' rule, or a
    variation of Epstein's that blocks refuse) must be listed, or fits would not record it."""
    for name, info in Crowd.model_fields.items():
        annotation = info.annotation
        if annotation is bool or typing.get_origin(annotation) is typing.Literal:
            assert f"crowd.{name}" in RULES, name
    for name in BLOCKS_REFUSE:
        assert f"crowd.{name}" in RULES, name


def test_a_scenario_running_another_rule_is_refused_at_its_line(
    recorded: Path, tmp_path: Path
) -> None:
    file = scenario_file(tmp_path, recorded, "arrest_ratio: exact")
    result = cli.invoke(app, ["run", str(file), "-n", "2", "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["line"], error["field"]) == (str(file), 6, "crowd.arrest_ratio")
    message = error["message"]
    assert '"exact"' in message and '"rounded"' in message  # both values
    assert str(read_posterior(recorded).file) in message
    assert "--point" in message and "--uncertainty prior" in message
    assert f"{file}:6: crowd.arrest_ratio: " in result.stderr
    assert "Traceback" not in result.output


def test_validate_refuses_what_a_default_run_refuses(recorded: Path, tmp_path: Path) -> None:
    """`validate` says whether a file runs as typed: a default run draws from its posterior."""
    file = scenario_file(tmp_path, recorded, "arrest_ratio: exact")
    result = cli.invoke(app, ["validate", str(file), "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["line"], error["field"]) == (str(file), 6, "crowd.arrest_ratio")
    assert "from_posterior" in error["message"] and "--point" in error["message"]
    same = scenario_file(tmp_path, recorded, "arrest_ratio: rounded")
    assert cli.invoke(app, ["validate", str(same)]).exit_code == 0


def test_the_same_scenario_runs_at_point_values(recorded: Path, tmp_path: Path) -> None:
    file = scenario_file(tmp_path, recorded, "arrest_ratio: exact")
    result = cli.invoke(app, ["run", str(file), "-n", "1", "--point", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["replications"] == 1 and "uncertainty" not in summary  # point values


def test_a_scenario_running_the_fits_rules_draws(recorded: Path, tmp_path: Path) -> None:
    file = scenario_file(tmp_path, recorded, "arrest_ratio: rounded")  # written, the same
    drawn = posterior_uncertainty(load_scenario(file), recorded, 1, None, file=file)
    assert drawn.posterior is not None and drawn.posterior.columns == ADDRESSES


def test_an_old_posterior_without_the_record_draws_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_posterior(tmp_path / "old", {"crowd.contagion": [0.1, 0.11]}, [1, 2], {})
    assert RULES_KEY not in read_posterior(old).metadata
    file = scenario_file(tmp_path, old, "arrest_ratio: exact")
    scenario = load_scenario(file)
    for _ in range(2):
        drawn = posterior_uncertainty(scenario, old, 1, None, file=file)
        assert drawn.posterior is not None and drawn.posterior.columns == ("crowd.contagion",)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "records no model rules" in warnings[0]


def test_a_rule_the_record_lacks_counts_at_its_default(
    tmp_path: Path, baseline_rules: dict
) -> None:
    """A rule added after the fit: its default is the model the fit ran."""
    folder = write_posterior(tmp_path / "fit", {"crowd.contagion": [0.1]}, [1], {})
    record_rules(folder, baseline_rules)
    posterior = read_posterior(folder)
    del posterior.metadata[RULES_KEY]["crowd.guarding"]
    data = scenario_values(load_scenario(BASELINE_PATH))
    assert rule_mismatches(posterior, data) == []
    data["crowd"]["guarding"] = 0.3
    assert rule_mismatches(posterior, data) == [("crowd.guarding", 0.3, 0.0)]


def test_vision_left_out_is_the_default_it_runs(tmp_path: Path) -> None:
    """The agents' baseline writes vision: 7 (cells); a scenario that leaves vision out runs 7
    cells too, but one that gives it in residents runs another rule."""
    data = scenario_values(load_scenario(AGENTS))
    folder = prior_draws_posterior(tmp_path / "fit", particles=4)
    record_rules(folder, model_rules(data))
    posterior = read_posterior(folder)
    data["crowd"]["vision"] = None
    assert rule_mismatches(posterior, data) == []
    data["crowd"]["vision_people"] = 5000.0
    assert [m[0] for m in rule_mismatches(posterior, data)] == [
        "crowd.vision",
        "crowd.vision_people",
    ]


def test_a_rule_the_posterior_draws_is_not_compared(tmp_path: Path, baseline_rules: dict) -> None:
    values = {"crowd.hardship_skew": [1.5, 2.0], "crowd.contagion": [0.1, 0.11]}
    write_posterior(tmp_path / "fit", values, [1, 1], {RULES_KEY: baseline_rules})
    data = scenario_values(load_scenario(BASELINE_PATH))
    data["crowd"]["hardship_skew"] = 3.0
    assert rule_mismatches(read_posterior(tmp_path / "fit"), data) == []


def test_a_counterfactual_running_another_rule_is_refused(recorded: Path, tmp_path: Path) -> None:
    baseline = load_scenario(scenario_file(tmp_path, recorded))
    drawn = posterior_uncertainty(baseline, recorded, 1, None)
    same = baseline.model_copy(update={"name": "same rules"})
    assert own_values_kept(drawn, same, baseline).posterior is not None
    exact = baseline.model_copy(
        update={"name": "exact", "crowd": baseline.crowd.model_copy(update={"gathering": 0.5})}
    )
    with pytest.raises(RulesMismatch, match=r"counterfactual 'exact'.*crowd\.gathering: 0\.0"):
        own_values_kept(drawn, exact, baseline)


def test_backtest_refuses_a_case_running_another_rule(recorded: Path, tmp_path: Path) -> None:
    library = tmp_path / "cases"
    library.mkdir()
    (library / "armenia.yaml").write_text(f"extends: {CASES / 'armenia_2018.yaml'}\ndays: 3\n")
    case = library / "belarus.yaml"
    case.write_text(f"extends: {CASES / 'belarus_2020.yaml'}\ndays: 3\ncrowd:\n  gathering: 0.4\n")
    args = ["backtest", str(library), "--loo", "--posterior", str(recorded), "--json"]
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["line"], error["field"]) == (str(case), 4, "crowd.gathering")


def test_record_rules_keeps_the_particles(tmp_path: Path, baseline_rules: dict) -> None:
    folder = prior_draws_posterior(tmp_path / "fit", particles=5, weights=[1, 2, 3, 4, 5])
    before = read_posterior(folder)
    record_rules(folder, baseline_rules)
    after = read_posterior(folder)
    for name in ("columns", "particles", "weights", "values"):
        assert getattr(after, name) == getattr(before, name)
    assert after.metadata == {**before.metadata, RULES_KEY: baseline_rules}
    with pytest.raises(ValueError, match=r"lack crowd\.guarding"):
        record_rules(folder, {k: v for k, v in baseline_rules.items() if k != "crowd.guarding"})


def test_the_shipped_posterior_records_the_rules_the_agents_baseline_runs() -> None:
    """The fit across the library was made with the crowd of agents: the agents' baseline names
    it and runs its rules; the shipped baseline (blocks since session 26) names none, and
    would be refused by it (another crowd rule)."""
    agents = load_scenario(AGENTS)
    assert agents.from_posterior is not None
    posterior = read_posterior(agents.from_posterior)
    assert set(posterior.metadata[RULES_KEY]) == set(RULES)
    assert rule_mismatches(posterior, scenario_values(agents)) == []
    shipped = load_scenario(BASELINE_PATH)
    assert shipped.from_posterior is None
    mismatched = [m[0] for m in rule_mismatches(posterior, scenario_values(shipped))]
    assert mismatched[0] == "crowd.representation", mismatched


def test_a_fit_records_its_base_scenarios_rules(tmp_path: Path) -> None:
    from test_fit import BASE, library

    from transition_sim.studies.fit import posterior_metadata, prepare
    from transition_sim.studies.fit_spec import load_fit_spec

    base = tmp_path / "base.yaml"
    # gathering is an agents' rule (blocks refuse it): the base extends the agents' baseline
    base.write_text(f"extends: {AGENTS}\ncrowd: {{arrest_ratio: exact, gathering: 0.25}}\n")
    spec = library(tmp_path)
    for file in [spec, *(tmp_path / "cases").glob("*.yaml")]:  # the cases run the base's rules
        file.write_text(file.read_text().replace(str(BASE), str(base)))
    sf = load_fit_spec(spec)
    rules = posterior_metadata(sf, prepare(sf), 1)[RULES_KEY]
    assert rules["crowd.arrest_ratio"] == "exact" and rules["crowd.gathering"] == 0.25
    assert set(rules) == set(RULES)


def test_check_claims_refuses_a_posterior_fitted_under_another_rule(
    tmp_path: Path, baseline_rules: dict
) -> None:
    folder = write_posterior(tmp_path / "fit", {"crowd.contagion": [0.1]}, [1], {})
    record_rules(folder, {**baseline_rules, "crowd.arrest_ratio": "exact"})
    result = cli.invoke(app, ["check-claims", "--posterior", str(folder), "-n", "2", "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(BASELINE_PATH), "crowd.arrest_ratio")
    assert "--point" in error["message"] and "--uncertainty" not in error["message"]


@pytest.mark.parametrize("record", ['"exact"', "[1, 2]", '{"crowd.arrest_ratio": ["exact"]}'])
def test_a_malformed_rules_record_is_not_a_posterior(tmp_path: Path, record: str) -> None:
    """A record that cannot be compared is refused, never taken as 'no rules to check'."""
    folder = write_posterior(tmp_path / "fit", {"crowd.contagion": [0.1]}, [1], {})
    file = tmp_path / "fit" / "posterior.parquet"
    table = pq.read_table(file)
    meta = json.loads(table.schema.metadata[b"transition_sim"])
    text = json.dumps(meta)[:-1] + f', "rules": {record}}}'
    pq.write_table(table.replace_schema_metadata({b"transition_sim": text.encode()}), file)
    with pytest.raises(PosteriorError, match="'rules' record is not a mapping"):
        read_posterior(folder)
