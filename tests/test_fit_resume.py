"""`transition-sim fit --resume`: an interrupted fit continues from its out folder (pyabc's
abc.db and the record fit.json) to the posterior it would have given in one go, and a folder
whose spec, scenarios, code or options differ from the record's is refused, exit 2."""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fit_processes import fit_after_generation_0, rest_of
from test_fit import BASE, SPEC, library
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble.executors import Interrupted
from transition_sim.studies.fit import RECORD, run_fit
from transition_sim.studies.fit_spec import load_fit_spec

cli = CliRunner()
THREE = SPEC.replace("generations: 2", "generations: 3")  # a resumed generation in the middle


def stop_at(prefix: str) -> Callable[[str], None]:
    """A log that stops the fit as the command line's does on a signal, when it says ``prefix``
    (the log is called after each generation is saved and recorded)."""

    def log(text: str) -> None:
        if text.startswith(prefix):
            raise Interrupted(signal.SIGINT)

    return log


def assert_same_fit(a: Path, b: Path) -> None:
    """The same particles, weights, predictive draws and thresholds (not the seconds)."""
    for name in ("posterior.parquet", "predictive.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))
    x, y = (pd.read_parquet(p / "diagnostics.parquet").drop(columns="seconds") for p in (a, b))
    pd.testing.assert_frame_equal(x, y)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A spec with three generations and its fit run in one go."""
    folder = tmp_path_factory.mktemp("resume")
    spec = library(folder, THREE)
    run_fit(load_fit_spec(spec), folder / "whole", workers=1)
    return spec, folder / "whole"


@pytest.fixture(scope="module")
def interrupted(uninterrupted: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same fit stopped after its first generation (to copy)."""
    spec, _ = uninterrupted
    out = tmp_path_factory.mktemp("stopped") / "out"
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), out, workers=1, log=stop_at("generation 0"))
    return out


@pytest.mark.parametrize(
    "where",
    ["generation 0", "generation 1", "posterior predictive", "saved, not recorded"],
)
def test_a_stopped_fit_resumes_to_the_posterior_of_an_uninterrupted_one(
    uninterrupted: tuple[Path, Path], tmp_path: Path, where: str
) -> None:
    """Stopped after generation 0 or 1 (of 3), during the predictive draws, or between pyabc's
    saving of generation 1 and the record (a kill there: the record is a generation behind),
    the resumed fit gives the same posterior, predictive draws and thresholds. Without the
    sampler's seeds advanced past the generations run, or with pyabc's `load` alone (its next
    threshold is the initial one, infinity), the particles differ."""
    spec, whole = uninterrupted
    out = tmp_path / "out"
    prefix = "generation 1" if where == "saved, not recorded" else where
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), out, workers=1, log=stop_at(prefix))
    assert not (out / "posterior.parquet").exists()
    record = json.loads((out / RECORD).read_text())
    assert record["finished"] is False
    if where == "saved, not recorded":
        record["generations"].pop()
        (out / RECORD).write_text(json.dumps(record))
    said: list[str] = []
    result = run_fit(load_fit_spec(spec), out, workers=1, log=said.append, resume=True)
    assert_same_fit(whole, out)
    assert result.stopped == "generations"
    if where != "posterior predictive":  # generations still to run: they ran, the rest not
        first = 1 if where == "generation 0" else 2
        assert said[0] == f"resumed after generation {first - 1}"
        assert [s.split(":")[0] for s in said[1:-1]] == [f"generation {g}" for g in (1, 2)][
            first - 1 :
        ]
    assert json.loads((out / RECORD).read_text())["finished"] is True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_fit_stopped_by_a_signal_resumes_from_the_command_line_on_other_workers(
    uninterrupted: tuple[Path, Path], tmp_path: Path, signum: int
) -> None:
    """A real signal after generation 0: SIGTERM exits 143 with the command that resumes it;
    SIGKILL leaves no word (and its lock file behind). Resumed with 2 workers instead of 1, the
    fit is the uninterrupted one."""
    spec, whole = uninterrupted
    out = tmp_path / "out"
    fit = fit_after_generation_0(spec, out)
    fit.send_signal(signum)
    rest = rest_of(fit)
    if fit.returncode == 0:
        pytest.skip("the fit finished before the signal arrived")  # 3 tiny generations
    if signum == signal.SIGTERM:
        assert fit.returncode == 143, rest
        assert "Traceback" not in rest
        assert f"transition-sim fit {spec} --out {out} -w 1 --resume" in rest
    else:
        assert fit.returncode == -signal.SIGKILL
    assert not (out / "posterior.parquet").exists()
    result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "2", "--resume"])
    assert result.exit_code == 0, result.output
    assert_same_fit(whole, out)


def refused(spec: Path, out: Path, *more: str) -> str:
    result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", *more, "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--out" and error["file"] == str(out)
    assert error["message"].startswith("--resume: ")
    return error["message"]


def test_resume_onto_a_folder_with_no_fit_is_refused_and_writes_nothing(
    uninterrupted: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, _ = uninterrupted
    out = tmp_path / "mistyped"
    assert "nothing to resume in" in refused(spec, out, "--resume")
    assert not out.exists()


def test_a_finished_fit_is_not_resumed(uninterrupted: tuple[Path, Path], tmp_path: Path) -> None:
    spec, whole = uninterrupted
    out = tmp_path / "whole"
    shutil.copytree(whole, out)
    assert "finished: nothing to resume" in refused(spec, out, "--resume")
    assert_same_fit(whole, out)


@pytest.mark.parametrize("change", ["spec", "case", "code", "budget", "record", "no record"])
def test_resume_refuses_another_spec_scenario_code_or_budget(
    uninterrupted: tuple[Path, Path], interrupted: Path, tmp_path: Path, change: str
) -> None:
    """The record says what the fit was (the spec's and the resolved scenarios' hashes, the
    code's, the budget): resuming with any other refuses, and the folder is left as it was."""
    spec, _ = uninterrupted
    folder = tmp_path / "copy"
    shutil.copytree(spec.parent, folder, ignore=shutil.ignore_patterns("whole"))
    out = folder / "out"
    shutil.copytree(interrupted, out)
    spec = folder / spec.name
    more = ["--resume"]
    record = json.loads((out / RECORD).read_text())
    if change == "spec":
        spec.write_text(spec.read_text().replace("seed: 7", "seed: 8"))
        expected = "the spec file"
    elif change == "case":
        case = folder / "cases" / "case_a.yaml"
        # (its days would not do: the spec's horizon replaces them, and the hash sees that)
        case.write_text(case.read_text().replace("incumbent_holds", "popular_transition"))
        expected = "the scenarios, cases or priors"
    elif change == "code":
        (out / RECORD).write_text(json.dumps(record | {"code_sha256": "0" * 64}))
        expected = "the code changed"
    elif change == "budget":
        more += ["--budget-minutes", "30"]
        expected = "was started with no --budget-minutes"
    elif change == "record":
        (out / RECORD).write_text('{"kind": "fit", "generations": [{"seconds": "x"}]}')
        expected = "is damaged"
    else:
        (out / RECORD).unlink()
        expected = "without a record of its progress"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert expected in refused(spec, out, *more)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_fit_into_the_posterior_its_base_draws_from_resumes(
    uninterrupted: tuple[Path, Path], tmp_path: Path
) -> None:
    """A base whose ``from_posterior`` is the fit's own --out (as the baseline's is the library
    fit's): a new fit there removes that posterior first, so resuming, which loads the base
    again, failed with "cannot read the posterior"; the fit now reads its scenarios at point
    values, without the posterior, and the resumed fit is the uninterrupted one."""
    spec, whole = uninterrupted
    out = tmp_path / "library"
    shutil.copytree(whole, out)  # a finished fit there, as in the repository
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {BASE}\nfrom_posterior: library\n")
    mine = tmp_path / "fit.yaml"
    mine.write_text(spec.read_text().replace(f"scenario: {BASE}", f"scenario: {base}"))
    shutil.copytree(spec.parent / "cases", tmp_path / "cases")
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(mine), out, workers=1, log=stop_at("generation 0"))
    assert not (out / "posterior.parquet").exists()
    result = cli.invoke(app, ["fit", str(mine), "--out", str(out), "-w", "1", "--resume"])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )


def test_a_folder_another_fit_holds_is_refused(
    uninterrupted: tuple[Path, Path], interrupted: Path, tmp_path: Path
) -> None:
    """Two fits (a resumed one and another) in one folder would write one database: the second
    is refused, exit 2, with the lock runs take; the folder is left as it was."""
    from transition_sim.ensemble.lock import hold_lock

    spec, _ = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(interrupted, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with hold_lock(out):
        result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", "--resume"])
    assert result.exit_code == 2, result.output
    assert f"{out}: --out: {out} is in use by another run" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
