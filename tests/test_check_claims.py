"""``transition-sim check-claims``: the panel's claims as a battery of paired comparisons.

A reduced battery (a few comparisons, few replications) checks the command's contract: every
claim is reported, with its verdict, effect, interval and N; a deliberately wrong expectation
comes out ``fails``; the result does not depend on the number of workers. Bad registry entries
and options exit 2 with file, line and field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.studies.claims_battery import FAILS, HOLDS, INCONCLUSIVE, verdict
from transition_sim.studies.compare import DIFFERENT, WITHIN

cli = CliRunner()

CLAIM = """\
  - id: {id}
    speaker: Temur Umarov
    quote: "q"
    mechanism: m
    parameters: []
    expects:
{expects}
"""

KNB = """\
      - says: with a loyal KNB, the patron is called less often
        scenario: kz_loyal_security
        occurs: invitation_day
        direction: decrease"""

# Deliberately wrong: a patron that declines sends no troops (the baseline's does, when invited).
WRONG = """\
      - says: when the patron declines, MORE of its troops come (deliberately wrong)
        scenario: kz_no_patron
        mean: patron_troops
        direction: increase"""


def registry(tmp_path: Path, **claims: str) -> Path:
    """A registry with one claim per keyword (id with _ for -), each with its expects text."""
    body = "".join(
        CLAIM.format(id=id_.replace("_", "-"), expects=text) for id_, text in claims.items()
    )
    path = tmp_path / "claims.yaml"
    path.write_text("claims:\n" + body + "facts: []\nassumptions: []\n", encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def run_json(*args: str) -> tuple[int, object]:
    result = cli.invoke(app, ["check-claims", "--json", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None


# -- the verdict ----------------------------------------------------------------------------------
def test_verdict_needs_the_interval_to_exclude_no_effect_on_a_side() -> None:
    assert verdict(-1, DIFFERENT, [-0.3, -0.1]) == HOLDS
    assert verdict(-1, DIFFERENT, [0.1, 0.3]) == FAILS
    assert verdict(-1, WITHIN, [-0.3, 0.1]) == INCONCLUSIVE
    # a ratio's "no effect" is 1
    assert verdict(1, DIFFERENT, [0.5, 0.9], null=1.0) == FAILS
    assert verdict(1, DIFFERENT, [1.1, 1.5], null=1.0) == HOLDS


# -- a reduced battery -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def battery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list[dict]]:
    """Two comparisons and a claim with none, 24 replications, with 1 and with 2 workers."""
    path = registry(
        tmp_path_factory.mktemp("battery"),
        C_knb=KNB,
        C_wrong=WRONG,
        C_none="",
    )
    text = path.read_text(encoding="utf-8").replace(
        "    expects:\n\n", '    expects: {none: "a statement, not a comparison"}\n'
    )
    path.write_text(text, encoding="utf-8")
    runs = []
    for workers in ("1", "2"):
        code, records = run_json("--claims", str(path), "-n", "24", "--seed", "5", "-w", workers)
        assert code == 0
        runs.append(records)
    return path, runs[0], runs[1]


def test_every_claim_is_reported_with_verdict_effect_interval_and_n(battery) -> None:
    _, records, _ = battery
    assert [r["key"] for r in records] == ["C-knb", "C-wrong", "C-none"]
    for r in records[:2]:
        assert r["verdict"] in (HOLDS, FAILS, INCONCLUSIVE)
        lo, hi = r["ci95"]
        assert lo <= r["effect"] <= hi
        assert r["n"] == 24 and r["replications"] == 24 and r["seed"] == 5
    assert records[2]["verdict"] == "not checked" and records[2]["reason"]


def test_a_deliberately_wrong_expectation_fails(battery) -> None:
    _, records, _ = battery
    wrong = records[1]
    assert wrong["verdict"] == FAILS, wrong
    assert wrong["ci95"][1] < 0, "no troops come: the interval is below 0"


def test_the_battery_does_not_depend_on_the_workers(battery) -> None:
    _, one, two = battery
    assert one == two


def test_only_runs_the_claims_named_and_gives_them_the_same_result(battery) -> None:
    path, records, _ = battery
    code, only = run_json("--claims", str(path), "-n", "24", "--seed", "5", "--only", "C-wrong")
    assert code == 0
    assert only == [records[1]], "a comparison's bootstrap does not depend on the others run"


def test_the_table_names_what_the_model_contradicts(battery) -> None:
    path, _, _ = battery
    result = cli.invoke(app, ["check-claims", "--claims", str(path), "-n", "24", "--seed", "5"])
    assert result.exit_code == 0
    assert "The model contradicts: C-wrong" in result.stdout


# -- bad input ----------------------------------------------------------------------------------
BAD = {
    "unknown scenario": (KNB.replace("kz_loyal_security", "kz_nowhere"), "scenario:", "scenario"),
    "unknown path": (
        KNB.replace("scenario: kz_loyal_security", "set: {patron.costs: 1.0}"),
        "set:",
        "set",
    ),
    "wrong type": (
        KNB.replace("scenario: kz_loyal_security", "set: {patron.enabled: 3}"),
        "set:",
        "set",
    ),
    "out of range": (
        KNB.replace("scenario: kz_loyal_security", "set: {patron.cost: 7.0}"),
        "set:",
        "set",
    ),
    "no counterfactual": (
        KNB.replace("        scenario: kz_loyal_security\n", ""),
        "- says",
        "scenario",
    ),
    "two outputs": (KNB + "\n        mean: deaths", "mean:", "mean"),
    "bad direction": (KNB.replace("decrease", "below 1"), "direction:", "direction"),
    "unknown outcome": (
        KNB.replace("occurs: invitation_day", "share: [incumbent_wins]"),
        "share:",
        "share",
    ),
    "unknown field": (KNB + "\n        sayz: x", "sayz", "sayz"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_entry_exits_2_with_file_line_and_field(tmp_path: Path, case: str) -> None:
    text, marker, field = BAD[case]
    path = registry(tmp_path, C_bad=text)
    result = cli.invoke(app, ["check-claims", "--json", "--claims", str(path), "-n", "2"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["file"] == str(path)
    assert error["line"] == line_of(path, marker)
    assert error["field"] == f"C-bad.{field}"
    assert f"{path}:{error['line']}: " in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_metric_exits_2(tmp_path: Path) -> None:
    path = registry(tmp_path, C_bad=KNB.replace("invitation_day", "invitation_week"))
    code, out = run_json("--claims", str(path), "-n", "2")
    assert code == 2
    assert out["error"]["field"] == "C-bad.occurs"
    assert out["error"]["line"] == line_of(path, "invitation_week")


def test_a_claim_without_expects_exits_2(tmp_path: Path) -> None:
    path = registry(tmp_path, C_bad=KNB)
    path.write_text(path.read_text().replace("    expects:\n", "").replace(KNB, ""))
    code, out = run_json("--claims", str(path), "-n", "2")
    assert code == 2
    assert out["error"]["field"] == "C-bad.expects"


def test_an_unknown_claim_id_exits_2(tmp_path: Path) -> None:
    path = registry(tmp_path, C_knb=KNB)
    code, out = run_json("--claims", str(path), "-n", "2", "--only", "C-nobody")
    assert code == 2
    assert out["error"]["field"] == "--only" and "C-nobody" in out["error"]["message"]
