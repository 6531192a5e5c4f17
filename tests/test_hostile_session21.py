"""Hostile tests of session 21's signal deferral (`raise_on_signals`) and the fit's refusal of a
folder holding an earlier fit (`fit --force`)."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
from pathlib import Path

import pandas as pd
import pytest
from test_fit_resume import (  # noqa: F401 (fixtures)
    assert_same_fit,
    interrupted,
    stop_at,
    uninterrupted,
)

from transition_sim.ensemble.executors import Interrupted, raise_on_signals
from transition_sim.studies.fit import DATABASE, run_fit
from transition_sim.studies.fit_spec import load_fit_spec


def particles_by_generation(db: Path) -> list[int]:
    import pyabc

    history = pyabc.History(f"sqlite:///{db}")
    return [len(history.get_distribution(t=t)[0]) for t in range(history.max_t + 1)]


def test_a_signal_in_pyabcs_saving_of_a_generation_does_not_store_part_of_it(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A SIGINT landing in pyabc's own loop that builds a generation's rows (pyabc.storage,
    between SQLAlchemy calls) was raised there; pyabc's cleanup (History.done, in a finally)
    then flushed and committed the rows built so far: a generation of 2 particles of 8 in the
    database, which --resume took for a saved generation (its posterior not the one of a fit
    run in one go). Deferred like a signal in SQLAlchemy, the generation is saved whole."""
    import pyabc.storage.history as pyabc_history

    spec, whole = uninterrupted
    sf = load_fit_spec(spec)
    population = sf.spec.population
    sample = pyabc_history.Sample
    built = []

    def signalled(*args, **kwargs):  # called from pyabc's loop, once per particle saved
        built.append(1)
        if len(built) == population + 3:  # the third particle of generation 1
            signal.raise_signal(signal.SIGINT)
        return sample(*args, **kwargs)

    monkeypatch.setattr(pyabc_history, "Sample", signalled)
    out = tmp_path / "out"
    with pytest.raises(Interrupted), raise_on_signals():
        run_fit(sf, out, workers=1)
    monkeypatch.setattr(pyabc_history, "Sample", sample)
    assert particles_by_generation(out / DATABASE) == [population, population]
    run_fit(sf, out, workers=1, resume=True)
    assert_same_fit(out, whole)


def test_force_does_not_leave_the_earlier_fits_report_beside_the_new_fit(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    """A fit started over (``--force``, or a fit stopped in its first generation) removes the
    earlier fit's posterior, diagnostics, draws, database and record, so that they do not pass
    for the new fit's if it stops; its report.html was kept, describing a posterior no longer
    there beside the new fit's record."""
    spec, whole = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(whole, out)
    assert (out / "report.html").is_file()
    with pytest.raises(Interrupted):
        run_fit(load_fit_spec(spec), out, workers=1, log=stop_at("generation 0"))
    assert not (out / "report.html").exists()
    assert len(pd.read_parquet(whole / "posterior.parquet"))  # the earlier fit, for contrast


def test_a_fit_stopped_before_its_folder_exists_does_not_say_resume_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal while the spec is read (before the folder and its record are written: a real
    signal 1-3 s after start, in 11 of 30 stress runs) said "its finished generations are kept:
    resume it with ... --resume", and that command then failed, exit 2, "nothing to resume".
    The message gives the command that starts it again, and that command is not refused."""
    from test_fit import library
    from test_fit_resume import THREE
    from typer.testing import CliRunner

    import transition_sim.studies.fit as fit_module
    from transition_sim.cli import app

    spec = library(tmp_path, THREE)
    out = tmp_path / "out"

    def stopped(sf):  # the signal lands while the spec's cases are prepared
        raise Interrupted(signal.SIGINT)

    prepare = fit_module.prepare
    monkeypatch.setattr(fit_module, "prepare", stopped)
    result = CliRunner().invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1"])
    assert result.exit_code == 130, result.output
    assert not out.exists()
    assert "--resume" not in result.stderr, result.stderr
    line = next(line for line in result.stderr.splitlines() if "transition-sim fit" in line)
    command = line[line.index("transition-sim fit") :]
    monkeypatch.setattr(fit_module, "prepare", prepare)
    again = CliRunner().invoke(app, [*shlex.split(command)[1:], "--json"])
    assert again.exit_code == 0, (command, again.output)


@pytest.mark.parametrize("variable", [False, True])
def test_a_scheduler_address_with_an_unknown_scheme_is_an_option_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: bool
) -> None:
    """A typo in the address's scheme (``tpc://``) was an internal error: exit 1, "ValueError:
    unknown address scheme" and a traceback file, from Dask once the run had begun. It is bad
    input like an address nobody answers: exit 2 naming the option (or the variable)."""
    from test_hostile_session19 import out_commands
    from typer.testing import CliRunner

    from transition_sim.cli import app

    address = "tpc://127.0.0.1:8786"
    args = [*out_commands(tmp_path)["run"], "--out", str(tmp_path / "out"), "--json"]
    if variable:
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    else:
        args += ["--scheduler", address]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["field"] == ("$DASK_SCHEDULER_ADDRESS" if variable else "--scheduler")
    assert address in error["message"] and "'tpc'" in error["message"]
    assert "traceback" not in result.stderr.lower()
    assert not (tmp_path / "out").exists()


def test_a_deferred_signal_survives_a_nested_block() -> None:
    """A signal deferred in an outer block (it landed in SQLAlchemy) is still raised at the
    outer block's next task after an inner block (e.g. a command that calls another's code)
    has come and gone: the inner block's exit cleared the module's deferred signal for all."""
    from transition_sim.ensemble.executors import SerialExecutor

    namespace: dict[str, object] = {"__name__": "sqlalchemy.engine.default", "signal": signal}
    exec("def execute(signum):\n    signal.raise_signal(signum)\n", namespace)
    execute = namespace["execute"]
    assert callable(execute)
    with pytest.raises(Interrupted) as info, raise_on_signals():
        execute(signal.SIGTERM)  # deferred
        with raise_on_signals():
            pass
        SerialExecutor().submit(int, "1")
    assert info.value.signum == signal.SIGTERM


# --- backtest under a signal (the hostile tester's risk: it had no handler) -----------------
_STOPPED_BACKTEST = """
import os, signal, sys, time
import transition_sim.backtest.loo as loo
import transition_sim.backtest as backtest

def signalled(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(60)  # the work going on, if the signal is not turned into an exit

loo.run_counts = signalled
backtest.run_backtest = signalled
from transition_sim.cli import app
app(sys.argv[1:], prog_name="transition-sim")
"""


@pytest.mark.parametrize("loo", [False, True], ids=["backtest", "backtest --loo"])
def test_backtest_stops_on_a_signal_with_a_message(tmp_path: Path, loo: bool) -> None:
    """SIGTERM during a backtest (or its leave-one-out run) exits 143 with a message saying what
    was kept, as run and fit do; it had no handler, so SIGTERM killed it with no word (and a
    SIGINT its shell set to be ignored was ignored)."""
    import subprocess
    import sys

    from posterior_files import prior_draws_posterior
    from test_loo import _library

    library = _library(tmp_path / "cases", {"armenia": "armenia_2018"}, days=5)
    args = ["backtest", str(library), "-n", "1", "-w", "1"]
    if loo:
        posterior = prior_draws_posterior(tmp_path / "fit", 3)
        args += ["--loo", "--posterior", str(posterior), "--out", str(tmp_path / "loo")]
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED_BACKTEST, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 143, done.stderr
    assert "interrupted by SIGTERM" in done.stderr
    assert "Traceback" not in done.stderr
    kept = "kept in" if loo else "nothing was saved"
    assert kept in done.stderr, done.stderr
