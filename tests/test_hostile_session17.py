"""Hostile checks of session 17's changes (the posterior's model rules and their check): what
broke, kept as tests."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from posterior_files import prior_draws_posterior
from typer.testing import CliRunner

from transition_sim.claims import BASELINE_PATH, REGISTRY_PATH
from transition_sim.cli import app
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.posterior import (
    RULES_KEY,
    PosteriorError,
    model_rules,
    read_posterior,
    record_rules,
    write_posterior,
)

cli = CliRunner()

# A claim whose counterfactual (of kz_aftermath) is a `set:` entry of the registry; the test adds
# a rule to it. Since session 26 the shipped baseline (blocks) names no posterior (the library's
# fit was made with agents), so the test gives one recording the baseline's rules (--posterior).
PROTEST_TRADITION = "        set: {crowd.memory_effect: 0.0}\n        mean: protest_waves\n"


class Ran(Exception):
    """Raised by a stand-in for the ensemble: something ran."""


def test_check_claims_refuses_a_counterfactuals_rule_before_running_at_its_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A counterfactual that changes a rule of its baseline's posterior is refused before any
    comparison runs (not after the earlier baselines' ensembles), at the registry entry that
    sets it (exit 2, file:line: field: message)."""
    import transition_sim.studies.claims_battery as battery

    def ran(*args: object, **kwargs: object) -> None:
        raise Ran

    monkeypatch.setattr(battery, "run_compare", ran)
    text = REGISTRY_PATH.read_text(encoding="utf-8")
    assert text.count(PROTEST_TRADITION) == 1
    bad = PROTEST_TRADITION.replace("0.0}", "0.0, crowd.arrest_ratio: exact}")
    registry = tmp_path / "claims.yaml"
    registry.write_text(text.replace(PROTEST_TRADITION, bad), encoding="utf-8")
    line = text[: text.index(PROTEST_TRADITION)].count("\n") + 1  # its `set:` line
    only = ["--only", "C-domestic-crisis", "--only", "C-protest-tradition"]  # kazakhstan first
    posterior = prior_draws_posterior(tmp_path / "fit", particles=4)
    record_rules(posterior, model_rules(scenario_values(load_scenario(BASELINE_PATH))))
    args = ["check-claims", "--claims", str(registry), *only, "-n", "2", "-w", "1", "--json"]
    args += ["--posterior", str(posterior)]
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["line"], error["field"]) == (
        str(registry),
        line,
        "crowd.arrest_ratio",
    )
    assert "C-protest-tradition" in error["message"] and '"exact"' in error["message"]
    assert f"{registry}:{line}: crowd.arrest_ratio: " in result.stderr


def _with_rules_record(tmp_path: Path, record: str) -> Path:
    """A posterior whose metadata's rules record is the JSON text ``record``."""
    file = Path(write_posterior(tmp_path / "fit", {"crowd.contagion": [0.1]}, [1], {}))
    table = pq.read_table(file)
    meta = json.loads(table.schema.metadata[b"transition_sim"])
    text = json.dumps(meta)[:-1] + f', "{RULES_KEY}": {record}}}'
    pq.write_table(table.replace_schema_metadata({b"transition_sim": text.encode()}), file)
    return file.parent


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_rules_record_holding_a_non_number_is_not_a_posterior(tmp_path: Path, value: str):
    """Python's JSON reads NaN and Infinity: a record holding one matches no scenario, so every
    draw from it would be refused at the scenario's line, blaming the scenario for the file."""
    rules = model_rules(scenario_values(load_scenario(BASELINE_PATH)))
    record = json.dumps(rules)[:-1] + f', "crowd.gathering": {value}}}'
    with pytest.raises(PosteriorError, match="'rules' record is not a mapping"):
        read_posterior(_with_rules_record(tmp_path, record))


def test_a_fit_refuses_a_case_that_runs_another_rule_than_its_base(tmp_path: Path) -> None:
    """A fit records one set of rules, its base's: a case of the library running another rule
    would make the record false (and `backtest --loo` refuse the very case the fit ran). Refused
    before the fit, at the case file's line (as experiments/fit/record_rules.py refuses it)."""
    from test_fit import library

    from transition_sim.scenario.loader import ScenarioError
    from transition_sim.studies.fit import prepare
    from transition_sim.studies.fit_spec import load_fit_spec

    spec = library(tmp_path, case_b_extra="crowd:\n  gathering: 0.3\n")
    with pytest.raises(ScenarioError) as caught:
        prepare(load_fit_spec(spec))
    error, case = caught.value, tmp_path / "cases" / "case_b.yaml"
    line = case.read_text().splitlines().index("  gathering: 0.3") + 1
    assert (error.file, error.line, error.field) == (case, line, "crowd.gathering")
    assert "0.3" in error.message and "0.0" in error.message
