"""Hostile tests of session 20's trust leftovers (smalls20): each states a behaviour that a
hostile tester found broken or unbounded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_fit import BASE, library
from typer.testing import CliRunner

from transition_sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
TINY = "name: tiny\ndays: 5\nreplications: 2\n"
cli = CliRunner()


def test_seeds_per_draw_past_what_a_scenario_holds_is_an_option_error(tmp_path: Path) -> None:
    """``--seeds-per-draw`` is bounded as ``-n`` and ``--seed`` are (2^53): 10^23 ran, and wrote
    a number no scenario file or integer column holds into the results."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "a-file").write_text("")  # were it not refused first: refused, not run
    argv = ["run", str(tmp_path / "tiny.yaml"), "--uncertainty", "prior", "--seeds-per-draw"]
    result = cli.invoke(app, [*argv, str(2**53 + 1), "--out", str(tmp_path / "a-file"), "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--seeds-per-draw"
    assert "Traceback" not in result.output


def test_seeds_per_draw_at_the_bound_is_still_accepted(tmp_path: Path) -> None:
    """The bound refuses only what is past it: 2^53 itself passes the option's check (and is then
    refused, as before, for what it is: a --point run draws nothing)."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    argv = ["run", str(tmp_path / "tiny.yaml"), "--point", "--seeds-per-draw", str(2**53)]
    result = cli.invoke(app, [*argv, "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--seeds-per-draw"
    assert "needs drawn parameters" in error["message"]


def _not_a_file(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path that is ``kind`` (a folder or a pipe) and what the refusal must say of it."""
    path = tmp_path / "base.yaml"
    if kind == "folder":
        path.mkdir()
        return path, f"{path} is a directory, not a scenario file"
    os.mkfifo(path)  # nobody writes: a blocking read would wait for ever
    return path, f"{path} is not a regular file (a device, pipe or socket), not a scenario file"


def _sweep_spec(tmp_path: Path, scenario: Path) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: t\nscenario: {scenario}\ndesign: grid\nreplications: 1\nseed: 1\n"
        "parameters:\n  - {path: crowd.arrest_constant, values: [2.3]}\n",
        encoding="utf-8",
    )
    return spec


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["folder", "pipe"])
@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_a_spec_whose_scenario_is_no_file_says_what_it_is(
    tmp_path: Path, kind: str, command: str
) -> None:
    """A sweep or study spec whose ``scenario:`` names a folder or a pipe: exit 2 at the spec's
    line and field, saying what is there; it said "scenario file not found" of a folder."""
    target, said = _not_a_file(tmp_path, kind)
    spec = _sweep_spec(tmp_path, target)
    result = cli.invoke(app, [command, str(spec), "--out", str(tmp_path / "out"), "-w", "1"])
    assert result.exit_code == 2, result.output
    assert f"{spec}:2: scenario: {said}" in result.output
    assert "not found" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_sweep_spec_whose_scenario_is_missing_still_says_not_found(tmp_path: Path) -> None:
    spec = _sweep_spec(tmp_path, tmp_path / "missing.yaml")
    result = cli.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out"), "-w", "1"])
    assert result.exit_code == 2, result.output
    assert f"{spec}:2: scenario: scenario file not found: {tmp_path / 'missing.yaml'}" in (
        result.output
    )


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_a_fit_spec_whose_scenario_is_no_file_says_what_it_is(tmp_path: Path, kind: str) -> None:
    """The same for a fit spec: it said "no scenario file" of a folder or a pipe."""
    target, said = _not_a_file(tmp_path, kind)
    spec = library(tmp_path)
    text = spec.read_text()
    assert f"scenario: {BASE}" in text  # the spec test_fit writes (its base: the agents')
    spec.write_text(text.replace(f"scenario: {BASE}", f"scenario: {target}"))
    result = cli.invoke(app, ["fit", str(spec), "--out", str(tmp_path / "out"), "-w", "1"])
    assert result.exit_code == 2, result.output
    assert f"{spec}:2: scenario: {said}" in result.output
    assert not (tmp_path / "out").exists()


def test_a_run_draws_from_the_posterior_the_loader_checked_not_a_later_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The posterior a scenario names is read once: the loader reads and checks it, and the run
    draws from those particles. It read the file a second time, so a file replaced in between
    (by a fit writing there, say) was drawn from unchecked: here 4 particles instead of the 3
    checked."""
    import hashlib

    from posterior_files import prior_draws_posterior

    import transition_sim.ensemble.runner as runner

    checked = prior_draws_posterior(tmp_path / "post", particles=3) / "posterior.parquet"
    sha = hashlib.sha256(checked.read_bytes()).hexdigest()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: s\ndays: 4\nfrom_posterior: post\n")
    resolve = runner.resolve

    def replace_then_resolve(*args, **kwargs):  # between the load and the draws
        prior_draws_posterior(tmp_path / "other", particles=4)
        os.replace(tmp_path / "other" / "posterior.parquet", checked)
        return resolve(*args, **kwargs)

    monkeypatch.setattr(runner, "resolve", replace_then_resolve)
    result = cli.invoke(app, ["run", str(scenario), "-n", "2", "-w", "1", "--json"])
    assert result.exit_code == 0, result.output
    drawn = json.loads(result.stdout)["uncertainty"]
    assert hashlib.sha256(checked.read_bytes()).hexdigest() != sha  # it was replaced
    assert (drawn["mode"], drawn["particles"], drawn["posterior_sha256"]) == ("posterior", 3, sha)


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["file", "pipe", "missing"])
def test_a_fit_spec_whose_cases_is_no_folder_says_what_it_is(tmp_path: Path, kind: str) -> None:
    """``cases:`` naming a file or a pipe said "no folder" of something that is there."""
    spec = library(tmp_path)
    target = tmp_path / "library"
    if kind == "file":
        target.write_text("")
    elif kind == "pipe":
        os.mkfifo(target)
    spec.write_text(spec.read_text().replace("cases: cases", f"cases: {target}"))
    result = cli.invoke(app, ["fit", str(spec), "--out", str(tmp_path / "out"), "-w", "1"])
    assert result.exit_code == 2, result.output
    said = f"no folder {target}" if kind == "missing" else f"{target} is not a folder"
    assert f"{spec}:3: cases: {said}" in result.output
