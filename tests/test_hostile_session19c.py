"""Hostile tests of session 19's trust work on resumable results (resume19): each states a
behaviour that a bug found by a hostile tester broke."""

from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from fit_processes import fit_after_generation_0, rest_of
from test_job import SCENARIO, Stop
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble import store
from transition_sim.ensemble.executors import Interrupted
from transition_sim.ensemble.job import run_to_folder

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
PEACEFUL = ROOT / "scenarios" / "kz_peaceful.yaml"
cli = CliRunner()


def one_point_sweep(folder: Path) -> Path:
    spec = folder / "spec.yaml"
    spec.write_text(
        f"name: t\nscenario: {BASELINE}\ndesign: grid\nreplications: 1\nseed: 1\n"
        "parameters:\n  - {path: crowd.arrest_constant, values: [2.3]}\n",
        encoding="utf-8",
    )
    return spec


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_resume_onto_a_folder_holding_no_interrupted_run_is_refused(
    tmp_path: Path, command: str
) -> None:
    """`--resume` onto a mistyped --out (nothing there) exits 2 saying there is nothing to
    resume, and runs nothing; it started a fresh run with no warning."""
    out = tmp_path / "mistyped"
    args = {
        "run": ["run", str(BASELINE), "-n", "1", "-w", "1"],
        "sweep": ["sweep", str(one_point_sweep(tmp_path)), "-w", "1"],
        "compare": ["compare", str(BASELINE), str(PEACEFUL), "-n", "2"],
    }[command]
    result = cli.invoke(app, [*args, "--out", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{out}: --out: --resume: nothing to resume in {out}" in result.output
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("damage", [b"{", b"[]", b"\xff\xfe"])
def test_a_damaged_run_json_is_refused_on_resume_and_its_parts_kept(
    tmp_path: Path, damage: bytes
) -> None:
    """A `run.json` that cannot be read (truncated, not an object, not text) makes `--resume`
    refuse, naming the file, and leaves the finished parts for the user to decide: it was
    taken as "nothing computed yet" and the staging folder was silently started over."""
    out = tmp_path / "results"
    with pytest.raises(Interrupted):
        run_to_folder(SCENARIO, out, simulate_fn=Stop(at=30))
    staging = store.staging_path(out)
    parts = sorted((staging / "runs").glob("part-*.parquet"))
    assert parts
    (staging / "run.json").write_bytes(damage)
    calls = Stop()
    with pytest.raises(store.OutputError, match="--force") as refused:
        run_to_folder(SCENARIO, out, resume=True, simulate_fn=calls)
    assert refused.value.path == staging / "run.json"
    assert str(staging / "run.json") in str(refused.value)
    assert calls.seeds == []
    assert sorted((staging / "runs").glob("part-*.parquet")) == parts
    run_to_folder(SCENARIO, out, force=True, simulate_fn=calls)  # the user's choice: start over
    assert len(calls.seeds) == SCENARIO.replications


def test_a_damaged_ledger_is_refused_and_its_parts_kept(tmp_path: Path) -> None:
    """The same for a job's ledger (a sweep's `.parts.json`, LOO's `ledger.json`): one that
    cannot be read was replaced by an empty one and every recorded part deleted."""
    folder = tmp_path / "job"
    folder.mkdir()
    assert store.open_ledger(folder, ["runs"], "ledger.json") == set()
    store.write_part(folder, 0, {"runs": pa.table({"x": [1]})})
    store.record_part(folder, 0, ["runs"], "ledger.json")
    assert store.open_ledger(folder, ["runs"], "ledger.json") == {0}
    (folder / "ledger.json").write_text('{"code": ', encoding="utf-8")
    with pytest.raises(store.OutputError, match=r"ledger\.json"):
        store.open_ledger(folder, ["runs"], "ledger.json")
    assert store.part_path(folder, "runs", 0).is_file()


@pytest.mark.parametrize("given", ["", ".", ".."])
def test_run_refuses_the_current_folder_as_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """`run --out .` (or an empty --out, which is the same path) in an empty folder replaced
    the current folder by the results, and the report then failed in the deleted folder; a
    run's results replace their folder as a whole, so the current folder (or one holding it)
    is refused before anything runs, and nothing is written beside it."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli.invoke(app, ["run", str(BASELINE), "-n", "1", "-w", "1", "--out", given])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    target = here if given != ".." else tmp_path
    assert f"{target}: --out: output directory {target} " in result.output
    assert "current folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]
    assert list(here.iterdir()) == []


def test_loo_counts_saved_under_other_coupled_sets_are_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`backtest --loo --out` saves each particle's counts under an identity of what they
    depend on; the registry's coupled sets (which complete each particle's values) were left
    out of it, so a rerun after changing them reused the stale counts."""
    from posterior_files import prior_draws_posterior
    from test_loo import contagion_decides

    from transition_sim.backtest import loo
    from transition_sim.claims import load_priors
    from transition_sim.scenario.loader import load_scenario
    from transition_sim.scenario.posterior import read_posterior

    runs: list[int] = []

    def counted(scenario, seed: int):  # type: ignore[no-untyped-def]
        runs.append(seed)
        return contagion_decides(scenario, seed)

    monkeypatch.setattr(loo, "simulate", counted)
    drawn = read_posterior(prior_draws_posterior(tmp_path / "fit", 2, ("crowd.contagion",)))
    file = ROOT / "scenarios" / "cases" / "armenia_2018.yaml"
    scenario = load_scenario(file).model_copy(update={"days": 3})
    case = loo.Case(scenario.name, str(file), scenario, "popular_transition", "popular", 1)
    registry = load_priors().coupled
    assert registry

    def count(coupled: tuple) -> int:
        runs.clear()
        loo.run_counts([case], drawn, [0, 1], np.ones(2) / 2, 1, coupled, out=tmp_path / "loo")
        return len(runs)

    assert count(registry) == 2
    assert count(registry) == 0  # the same thing: continued from the saved counts
    assert count(registry[1:]) == 2  # a set removed from the registry: counted again


FIT = f"""\
name: tiny
scenario: {BASELINE}
cases: cases
seed: 7
population: 4
generations: 40
replications: 1
days: 4
parameters:
  - {{address: loyalty_dynamics.crowd_size, prior: A-loyalty-crowd-size}}
record:
  replications: 1
  deaths: {{value: 231, source: F-toll}}
  detained: {{value: 9900, source: F-toll}}
  invitation_day: {{range: [2, 6], source: F-csto-invited}}
  days_to_order: {{value: 9, source: F-csto-withdrawal}}
  peak_crowd: {{region: Almaty, range: [5000, 50000], source: A-peak-crowd}}
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_fit_stops_on_a_signal_with_a_message(tmp_path: Path, signum: int) -> None:
    """`fit` stops at once on SIGINT (even one its shell set to be ignored, as for a job run in
    the background) or SIGTERM, exit 128 + the signal, saying it stopped and how to resume
    it. It installed no handler: an ignored Ctrl-C let the generations run on, and
    SIGTERM killed it with no message."""
    (tmp_path / "cases").mkdir()
    for name, outcome in (("case_a", "incumbent_holds"), ("case_b", "popular_transition")):
        text = f"extends: {BASELINE}\nname: {name}\n"
        text += f"observed: {{outcome: {outcome}, crisis: mass_protest}}\n"
        (tmp_path / "cases" / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "fit.yaml").write_text(FIT, encoding="utf-8")
    fit = fit_after_generation_0("fit.yaml", "out", cwd=tmp_path, sigint_ignored=True)
    fit.send_signal(signum)
    rest = rest_of(fit)  # ignored, the 40 generations run for minutes
    assert fit.returncode == 128 + signum, rest
    assert f"interrupted by {signal.Signals(signum).name}" in rest
    assert "--resume" in rest  # session 20: a fit can be resumed (tests/test_fit_resume.py)
    assert "Traceback" not in rest
