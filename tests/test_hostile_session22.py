"""Hostile tests of session 22's changes (backtest under the priors, the trust fixes): each one
a bug found by attacking them, stated as the behaviour the contract asks for."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import silent_server
from typer.testing import CliRunner

from transition_sim.claims import BASELINE_PATH
from transition_sim.cli import app

runner = CliRunner()


def _case(folder: Path, name: str = "short", extra: str = "") -> Path:
    """A short case on the Kazakhstan baseline."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"extends: {Path(BASELINE_PATH).resolve()}\nname: {name}\ndays: 8\nseed: 11\n{extra}"
        "observed:\n  outcome: incumbent_holds\n  crisis: mass_protest\n",
        encoding="utf-8",
    )
    return path


# -- backtest --priors ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["assumptions: []\n", "{}\n"])
def test_backtest_refuses_a_registry_with_no_priors_as_run_does(tmp_path: Path, text: str) -> None:
    """A registry with no prior in it: `run` refuses it (exit 2, "no priors to draw from"); the
    backtest ran, said its parameters were drawn ("mode": "prior", "priors": 0) and drew
    nothing: the point values' forecast labelled as the priors'."""
    _case(tmp_path / "cases")
    registry = tmp_path / "priors.yaml"
    registry.write_text(text, encoding="utf-8")
    args = ["backtest", str(tmp_path / "cases"), "-n", "1", "-w", "1", "--priors", str(registry)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"{registry}: --priors: no priors to draw from" in result.stderr
    assert "Traceback" not in result.output


def test_backtest_refuses_before_any_run_a_case_the_priors_push_out_of_bounds(
    tmp_path: Path,
) -> None:
    """A valid case whose own numbers a prior's range crosses (thresholds in ascending order;
    the prior on the first, [0.003, 0.007], reaches past this case's second, 0.0042): the
    registry is checked against the baseline only, so the draw is refused midway, inside a
    replication: exit 1, "internal error: ValidationError". It is bad input (the case under
    these priors), to be refused before any run with exit 2 naming the case file and field."""
    extra = "government: {escalation_thresholds: [0.004, 0.0042, 0.03]}\n"
    case = _case(tmp_path / "cases", "thresholds", extra)
    result = runner.invoke(app, ["backtest", str(tmp_path / "cases"), "-n", "6", "-w", "1"])
    assert result.exit_code == 2, result.output
    assert f"{case}" in result.stderr
    assert "escalation_thresholds" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    point = ["--uncertainty", "point"]
    at_point = runner.invoke(app, ["backtest", str(tmp_path / "cases"), "-n", "1", *point])
    assert at_point.exit_code == 0, at_point.output  # the case itself is valid


def test_a_blocks_case_is_not_refused_for_the_parameters_it_settles(tmp_path: Path) -> None:
    """The check above leaves out what a case settles itself: a blocks crowd keeps
    `BLOCKS_REFUSE`'s values and never draws them, so their priors' ends are not its refusal."""
    _case(tmp_path / "cases", "blocks", "crowd: {representation: blocks}\n")
    result = runner.invoke(app, ["backtest", str(tmp_path / "cases"), "-n", "1", "-w", "1"])
    assert result.exit_code == 0, result.output


def test_run_under_the_priors_refuses_a_scenario_they_push_out_of_bounds(tmp_path: Path) -> None:
    """The same hole in `run --uncertainty prior` (older than session 22, the same check):
    a scenario other than the baseline ended midway with exit 1, ValidationError."""
    extra = "government: {escalation_thresholds: [0.004, 0.0042, 0.03]}\n"
    case = _case(tmp_path, "thresholds", extra)
    args = ["run", str(case), "-n", "4", "-w", "1", "--uncertainty", "prior"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert str(case) in result.stderr and "escalation_thresholds" in result.stderr
    assert "internal error" not in result.stderr


# -- a signal while the scheduler is asked who it is ----------------------------------------------


@pytest.fixture(name="silent_server")
def _silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server that accepts connections and never writes a byte (the check waits for it)."""
    with silent_server() as served:
        yield served


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_scheduler_is_checked_exits_with_its_status_and_a_message(
    tmp_path: Path,
    silent_server: tuple[str, list[socket.socket]],
    signum: int,
    code: int,
) -> None:
    """`check_scheduler` (session 22) waits up to Dask's connect timeout + 5 s (35 s by default)
    for a server that accepted the connection: the wait a user ends with Ctrl-C. It runs in
    `refuse_bad_scheduler`, before the command's signal block (before, the wait was Dask's
    `Client`, inside it): a SIGINT then exited 130 with no message at all (typer's own
    KeyboardInterrupt exit), a SIGTERM killed the process by the signal, no message."""
    pytest.importorskip("distributed")
    address, accepted = silent_server
    (tmp_path / "tiny.yaml").write_text("name: tiny\ndays: 5\nreplications: 2\n", "utf-8")
    environ = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "30s"}
    environ.pop("DASK_SCHEDULER_ADDRESS", None)
    command = [sys.executable, "-m", "transition_sim", "run", "tiny.yaml", "--scheduler", address]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not accepted and time.monotonic() < deadline:  # the check has connected
            time.sleep(0.05)
        assert accepted, "the command never asked the scheduler"
        time.sleep(0.5)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == code, stderr
    assert f"interrupted by {signal.Signals(signum).name}" in stderr
    assert "Traceback" not in stderr


# -- the dashboard's job launcher, killed ---------------------------------------------------------


def test_jobs_still_start_after_the_launcher_dies(tmp_path: Path) -> None:
    """`ForkedJobs` forks every job from its launcher; the launcher killed (the OOM killer, a
    stray kill) left every later job failing with BrokenPipeError/EOFError in the request
    thread, for the rest of the server's life: no run could start from the page again."""
    from dash import Input, Output
    from dash.background_callback.managers import BaseBackgroundCallbackManager

    from transition_sim.dashboard.app import create_app
    from transition_sim.dashboard.jobs import ForkedJobs

    dash_app = create_app(workdir=tmp_path / "work")
    manager = dash_app._background_manager
    assert isinstance(manager, ForkedJobs)
    before = set(manager.func_registry)

    def job(set_progress, n_clicks: int) -> str:  # type: ignore[no-untyped-def]
        return f"done {n_clicks}"

    dash_app.callback(
        Output("hostile22-job", "children"),
        Input("hostile22-job-in", "n_clicks"),
        background=True,
        progress=[Output("hostile22-job-progress", "children")],
        prevent_initial_call=True,
    )(job)
    (name,) = set(manager.func_registry) - before
    manager.start()
    try:
        launcher = manager._launcher_pid
        assert launcher is not None
        os.kill(launcher, signal.SIGKILL)
        time.sleep(0.5)
        pid = manager.call_job_fn("hostile22-job", manager.func_registry[name], [3], {})
        assert isinstance(pid, int) and pid > 0
        deadline = time.monotonic() + 30
        while manager.handle.get("hostile22-job") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert manager.handle.get("hostile22-job") == "done 3"
    finally:
        manager.stop()
        BaseBackgroundCallbackManager.managers.remove(manager)
        BaseBackgroundCallbackManager.functions[:] = [
            f for f in BaseBackgroundCallbackManager.functions if f[0] != name
        ]


# -- regime.coups ----------------------------------------------------------------------------


def test_a_coup_listed_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    """`regime.coups` lists the dates of a country's past successful coups (rule 15); a date
    written twice (a copy slip) counted that coup twice in the coup trap's history, silently:
    bad input, exit 2 at the file's line naming the second entry."""
    path = tmp_path / "twice.yaml"
    path.write_text(
        f"extends: {Path(BASELINE_PATH).resolve()}\nname: twice\ndays: 3\n"
        "regime: {coups: [1963-01-13, 1967-01-13, 1963-01-13]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:4: regime.coups.2:" in result.stderr
    assert "Traceback" not in result.output
