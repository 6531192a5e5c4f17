"""Hostile tests of session 20's smalls20 (fit --resume, the fit's lock, the posterior read
once): each states a behaviour a hostile tester found broken."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble.executors import Interrupted

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
cli = CliRunner()


def test_a_run_drawing_from_a_posterior_resumes_whatever_the_scenario_path_is_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's identity records where its posterior is (``uncertainty.source``). The loader
    resolved it (an absolute path); since the run draws from the particles the loader read, it
    is the path as joined to the scenario's path as typed (``sub/../s.yaml`` gives
    ``sub/../post/posterior.parquet``, relative to the working folder). A run interrupted as
    ``run s.yaml`` and resumed as ``run /abs/s.yaml`` (or from another folder) was refused as
    'an interrupted run of something else', though it is the same run on the same file."""
    from posterior_files import prior_draws_posterior

    from transition_sim.ensemble import job as commands
    from transition_sim.simulate import simulate

    prior_draws_posterior(tmp_path / "post", particles=3)
    scenario = f"extends: {BASELINE}\nname: s\ndays: 3\nfrom_posterior: post\n"
    (tmp_path / "s.yaml").write_text(scenario)
    real = commands.run_to_folder
    calls = {"n": 0}

    def stop_at_two(scenario, seed):
        calls["n"] += 1
        if calls["n"] > 2:
            raise Interrupted(2)
        return simulate(scenario, seed)

    monkeypatch.setattr(
        commands, "run_to_folder", lambda *a, **k: real(*a, **k, simulate_fn=stop_at_two)
    )
    monkeypatch.chdir(tmp_path)
    args = ["-n", "4", "-w", "1", "--out", str(tmp_path / "out")]
    stopped = cli.invoke(app, ["run", "s.yaml", *args])
    assert stopped.exit_code == 130, stopped.output
    monkeypatch.setattr(commands, "run_to_folder", real)
    resumed = cli.invoke(app, ["run", str(tmp_path / "s.yaml"), *args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    said = json.loads(cli.invoke(app, ["run", "s.yaml", "-n", "1", "-w", "1", "--json"]).stdout)
    assert said["uncertainty"]["source"] == str((tmp_path / "post" / "posterior.parquet").resolve())


# --- fit --resume ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stopped_fit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The resume tests' three-generation spec, its fit stopped after generation 1 (to copy)."""
    from test_fit import library
    from test_fit_resume import THREE, stop_at

    from transition_sim.studies.fit import run_fit
    from transition_sim.studies.fit_spec import load_fit_spec

    folder = tmp_path_factory.mktemp("hostile_fit")
    spec = library(folder, THREE)
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), folder / "stopped", workers=1, log=stop_at("generation 1"))
    return spec, folder / "stopped"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "tamper", ["no keys", "NaN threshold", "another threshold", "budget not a number"]
)
def test_a_record_whose_threshold_is_not_the_fits_is_refused_as_damaged(
    stopped_fit: tuple[Path, Path], tmp_path: Path, tamper: str
) -> None:
    """fit.json's last ``next_epsilon`` is the threshold the resumed fit starts from, taken on
    trust: a generation without the keys was an internal error (KeyError, exit 1); NaN an
    internal error after loading; Infinity ran a generation accepting everything into abc.db
    before failing; -1 hung for ever (nothing is ever accepted); another number gave another
    posterior, silently. The database holds what the threshold is computed from (as for a
    generation saved and not recorded): a record that disagrees is damaged, exit 2, and the
    folder is left as it was."""
    from transition_sim.studies.fit import RECORD

    spec, stopped = stopped_fit
    out = tmp_path / "out"
    shutil.copytree(stopped, out)
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    last = record["generations"][-1]
    if tamper == "no keys":
        record["generations"][-1] = {}
    elif tamper == "budget not a number":  # `:g` of a string: ValueError, exit 1
        record["options"]["budget_minutes"] = "30"
    elif tamper == "NaN threshold":
        last["next_epsilon"] = math.nan
    else:
        last["next_epsilon"] = last["next_epsilon"] * 0.9
    (out / RECORD).write_text(json.dumps(record), encoding="utf-8")
    before = _files(out)
    result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", "--resume", "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["field"]) == (str(out), "--out")
    assert error["message"].startswith("--resume: ") and "damaged" in error["message"]
    assert _files(out) == before


def test_a_fit_into_the_working_folder_is_not_an_internal_error(
    stopped_fit: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``fit SPEC --out .`` (from an empty folder, or resuming from inside the fit's folder):
    the lock was taken on ``Path('.')``, whose lock file name fails ('PosixPath('.') has an
    empty name'), exit 1 with a traceback file; main fitted there."""
    spec, stopped = stopped_fit
    out = tmp_path / "out"
    shutil.copytree(stopped, out)
    monkeypatch.chdir(out)
    result = cli.invoke(app, ["fit", str(spec), "--out", ".", "-w", "1", "--resume"])
    assert result.exit_code == 0, result.output
    assert (out / "posterior.parquet").is_file()


def test_one_fit_at_a_time_in_a_folder_whatever_its_path_is_spelled(
    stopped_fit: tuple[Path, Path], tmp_path: Path
) -> None:
    """The fit's lock is on --out as typed: a link to the folder gave another lock file
    (``.link.lock`` beside ``.out.lock``), so a second fit (here a resume) ran in a folder
    another fit holds, both writing one abc.db. `run` locks the folder the link names."""
    from transition_sim.ensemble.lock import hold_lock

    spec, stopped = stopped_fit
    out = tmp_path / "out"
    shutil.copytree(stopped, out)
    (tmp_path / "link").symlink_to(out, target_is_directory=True)
    before = _files(out)
    with hold_lock(out):
        argv = ["fit", str(spec), "--out", str(tmp_path / "link"), "-w", "1", "--resume"]
        result = cli.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert "is in use by another run" in result.output
    assert _files(out) == before


def test_a_fit_with_an_infinite_budget_runs_as_on_main(
    stopped_fit: tuple[Path, Path], tmp_path: Path
) -> None:
    """``--budget-minutes inf`` (accepted by the option; main fitted with it): the record, JSON
    without infinities, failed to be written: an internal error, and an empty --out left."""
    spec, _ = stopped_fit
    out = tmp_path / "out"
    argv = ["fit", str(spec), "--out", str(out), "-w", "1", "--budget-minutes", "inf"]
    result = cli.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert (out / "posterior.parquet").is_file()


@pytest.mark.parametrize("case", ["bad spec", "no cases folder", "resume of nothing"])
def test_a_refused_fit_creates_no_folder(
    stopped_fit: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    """Refusals write nothing. The fit's lock (taken before the spec is read, and before
    --resume finds nothing to resume) creates the parents of --out: a bad spec, or a mistyped
    --out with --resume, left ``a/b/`` behind; main created nothing for a bad spec."""
    spec, _ = stopped_fit
    if case == "bad spec":
        spec = tmp_path / "bad.yaml"
        spec.write_text("name: x\nbogus: 1\n")
    elif case == "no cases folder":  # refused as the fit prepares its problem
        text = spec.read_text(encoding="utf-8").replace("cases: cases", "cases: missing")
        spec = spec.parent / "no_cases.yaml"
        spec.write_text(text, encoding="utf-8")
    more = ["--resume"] if case == "resume of nothing" else []
    out = tmp_path / "a" / "b" / "out"
    result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", *more])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "a").exists()


def test_a_budget_still_holds_after_a_generation_saved_and_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between pyabc's saving of a generation and the record, the resumed fit does not
    know that generation's time (None in fit.json). That one generation not stopping the fit is
    as documented, but every later one did not either: `_over_budget` gave up while any time was
    unknown, so the budget was off for the rest of the fit (and of any later resume). Here a
    clock on which each generation takes 10^5 s against a 1000-minute budget: the fit must not
    start a generation after the first one it runs in full."""
    from types import SimpleNamespace

    from test_fit import library
    from test_fit_resume import THREE, stop_at

    import transition_sim.studies.fit as fit_module
    from transition_sim.studies.fit import RECORD, run_fit
    from transition_sim.studies.fit_spec import load_fit_spec

    spec = library(tmp_path, THREE.replace("generations: 3", "generations: 4"))
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), out, workers=1, budget_minutes=1000,
                log=stop_at("generation 1"))  # fmt: skip
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    record["generations"].pop()  # generation 1 saved in abc.db, not recorded
    (out / RECORD).write_text(json.dumps(record), encoding="utf-8")
    calls = {"n": 0}

    def slow_clock() -> float:
        calls["n"] += 1
        return 1e5 * calls["n"]

    monkeypatch.setattr(fit_module, "time", SimpleNamespace(monotonic=slow_clock))
    result = run_fit(load_fit_spec(spec), out, workers=1, budget_minutes=1000, resume=True)
    assert result.stopped == "budget"
    assert len(result.diagnostics) == 3  # generations 0 and 1 before, 2 after the resume


def test_the_budget_a_refused_resume_names_is_the_one_that_resumes(
    stopped_fit: tuple[Path, Path], tmp_path: Path
) -> None:
    """A resume without the fit's --budget-minutes is refused with the budget to give: it was
    printed with ``:g`` (6 digits), so a fit started with 1000.123456789 said 1000.12, and
    resuming with that was refused again, with the same advice, for ever."""
    from test_fit_resume import stop_at

    from transition_sim.studies.fit import run_fit
    from transition_sim.studies.fit_spec import load_fit_spec

    spec, _ = stopped_fit
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), out, workers=1, budget_minutes=1000.123456789,
                log=stop_at("generation 0"))  # fmt: skip
    argv = ["fit", str(spec), "--out", str(out), "-w", "1", "--resume"]
    refused = cli.invoke(app, argv)
    assert refused.exit_code == 2, refused.output
    said = refused.output.split("was started with --budget-minutes ")[1].split(":")[0]
    resumed = cli.invoke(app, [*argv, "--budget-minutes", said])
    assert resumed.exit_code == 0, resumed.output
