"""Session 23: the dashboard stopped by a signal, as every other command is (README "Exit status
and errors"): exit 130 (SIGINT) or 143 (SIGTERM) with a one-line message, its job launcher and
the runs it started ended with it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import pytest
from test_trust22_jobs import _wait, served  # noqa: F401 (a fixture)

from transition_sim.dashboard.jobs import LAUNCHER_NAME, ForkedJobs
from transition_sim.ensemble.executors import Interrupted


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _launchers(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    return [c for c in children if c.name() == LAUNCHER_NAME]


def _ended(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_the_dashboard_stopped_by_a_signal_exits_with_its_status_and_a_message(
    tmp_path: Path, signum: int, code: int
) -> None:
    """Ctrl-C ended the dashboard with exit 0 and no message (werkzeug's server swallows
    KeyboardInterrupt), as if it had finished; SIGTERM killed it by the signal, no message."""
    port = _free_port()
    command = [sys.executable, "-m", "transition_sim", "dashboard", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workdir", str(tmp_path / "work")], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                time.sleep(0.25)
        (launcher,) = _launchers(process.pid)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == code, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: interrupted by {signal.Signals(signum).name}; the dashboard stopped (its runs"
        f" are kept in {tmp_path / 'work'})"
    ], stderr
    assert "Traceback" not in stderr
    assert _wait(lambda: not launcher.is_running(), 10), "the launcher outlived the server"


def test_stopping_the_launcher_ends_a_running_job(
    served: tuple[ForkedJobs, dict[str, Any]],  # noqa: F811
) -> None:
    """A run in progress when the dashboard stops: the launcher's children ran on (they are
    the launcher's, not the server's, and followed no parent), writing into a workdir that the
    server removes at exit. They end with the launcher."""
    manager, job_fns = served
    pid = manager.call_job_fn("trust23-sleeper", job_fns["sleeper"], [1], {})
    assert _wait(lambda: manager.job_running(pid), 10)
    job = psutil.Process(pid)
    manager.stop()
    assert _wait(lambda: _ended(job), 10)


def test_serve_ends_the_launcher_and_its_jobs_when_interrupted(
    served: tuple[ForkedJobs, dict[str, Any]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve`, interrupted while a run is going: the signal goes on (the command reports it),
    and the launcher and its running job are ended on the way out."""
    from transition_sim.dashboard import app as dashboard_app

    manager, job_fns = served
    launcher = psutil.Process(manager._launcher_pid)
    started: list[psutil.Process] = []

    class App:
        _background_manager = manager
        server = type("Server", (), {"config": {}})()

        def run(self, **_: Any) -> None:
            pid = manager.call_job_fn("trust23-sleeper", job_fns["sleeper"], [1], {})
            assert _wait(lambda: manager.job_running(pid), 10)
            started.append(psutil.Process(pid))
            raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(manager, "start", lambda: None)  # started by the fixture already
    with pytest.raises(Interrupted):
        dashboard_app.serve(App())  # type: ignore[arg-type]
    (job,) = started
    assert _wait(lambda: _ended(job), 10)
    assert not launcher.is_running()
