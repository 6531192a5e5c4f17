"""The coup history input (`regime.coups`, scenarios/cases/README.md rule 15): bad values exit 2
with file:line: field, and the recency weight behaves as documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.scenario.loader import ScenarioError, load_scenario
from transition_sim.scenario.schema import Regime

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

GOOD = """\
extends: {base}
name: coups
days: 5
start_date: 2020-06-05
regime:
  coups: {coups}
"""


def _write(tmp_path: Path, coups: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(GOOD.format(base=SCENARIOS / "kazakhstan_2022.yaml", coups=coups))
    return path


@pytest.mark.parametrize(
    ("coups", "message"),
    [
        ("[2021-01-01]", "not before the crisis's first day"),
        ("[2020-06-05]", "not before the crisis's first day"),
        ("[soon]", "date"),
        ("2012-03-22", "list"),
    ],
)
def test_a_bad_coup_history_names_its_file_line_and_field(
    tmp_path: Path, coups: str, message: str
) -> None:
    path = _write(tmp_path, coups)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert text.startswith(f"{path}:6: regime.coups"), text
    assert message in text
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path}:6: regime.coups" in result.output


def test_a_good_coup_history_loads(tmp_path: Path) -> None:
    s = load_scenario(_write(tmp_path, "[1968-11-19, 2012-03-22]"))
    assert s.regime.coups == [dt.date(1968, 11, 19), dt.date(2012, 3, 22)]


def test_the_recency_weight_halves_over_the_half_life_and_adds_up() -> None:
    on = dt.date(2020, 1, 1)
    ten_years = Regime(coups=[on - dt.timedelta(days=round(10 * 365.25))])
    assert ten_years.coup_history(on, 10.0) == pytest.approx(0.5, abs=1e-3)
    assert ten_years.coup_history(on, 5.0) == pytest.approx(0.25, abs=1e-3)
    two = Regime(coups=[*ten_years.coups, on - dt.timedelta(days=1)])
    assert two.coup_history(on, 10.0) == pytest.approx(1.5, abs=1e-3)
    assert Regime().coup_history(on, 10.0) == 0.0


def test_every_case_states_its_coup_history_by_rule_15() -> None:
    """Each case file carries its rule-15 line and section, and the dates it lists are the
    ones the line names (so the comment and the value cannot drift apart)."""
    for f in sorted((SCENARIOS / "cases").glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        assert "# [15] coups: " in text, f.name
        assert "\nregime: {coups: [" in text, f.name
        comment = text.split("# [15] coups: ", 1)[1].split("\nregime:", 1)[0]
        dates = load_scenario(f).regime.coups
        assert all(d.isoformat() in comment for d in dates), f.name
        assert (comment.startswith("none")) == (not dates), f.name
