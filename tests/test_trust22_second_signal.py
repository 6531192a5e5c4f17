"""A second Ctrl-C exits at once even while the main thread waits in C code, here SQLite
waiting for a lock another process holds on the fit's database (pyabc waits up to 120 s):
exit 130 with what is kept and how to resume, no traceback, and the saved generations whole
(the resumed fit is the one run in one go).

Before, Python ran neither signal's handler until SQLite's wait ended: the first signal is
deferred there anyway (`DEFER_IN`: an SQLite statement must not be interrupted), and the second
one, meant to exit at once, waited the 120 s too."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import psutil
import pytest
from fit_processes import fit_after_generation_0, rest_of
from test_fit_resume import assert_same_fit, uninterrupted  # noqa: F401 (fixture)
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.studies.fit import DATABASE, RECORD

EXIT_SECONDS = 15  # from the second signal to the exit, under load; it was 120 s (pyabc's wait)


def _wait_until_idle(pid: int, *, quiet: float = 2.0, limit: float = 120.0) -> None:
    """Return once the process has used no CPU for ``quiet`` seconds (here: waiting for the
    lock, as the fit can do nothing else without its database), failing after ``limit``."""
    process = psutil.Process(pid)
    deadline = time.monotonic() + limit
    last, since = sum(process.cpu_times()[:2]), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        used = sum(process.cpu_times()[:2])
        if used != last:
            last, since = used, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    pytest.fail(f"the fit never stopped to wait for the database's lock within {limit:.0f} s")


def test_a_second_sigint_exits_at_once_while_sqlite_waits_for_a_lock(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    spec, whole = uninterrupted
    out = tmp_path / "out"
    fit = fit_after_generation_0(spec, out)
    assert fit.poll() is None, rest_of(fit)
    holder = sqlite3.connect(out / DATABASE, timeout=60, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # the fit can neither read nor write its database
        _wait_until_idle(fit.pid)
        assert fit.poll() is None  # it cannot finish without the database
        fit.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert fit.poll() is None  # the first one waits for SQLite (deferred), as it should
        fit.send_signal(signal.SIGINT)
        sent = time.monotonic()
        rest = rest_of(fit, timeout=EXIT_SECONDS)
        took = time.monotonic() - sent
    finally:
        holder.rollback()
        holder.close()
    assert fit.returncode == 130, rest
    assert took < EXIT_SECONDS
    assert "Traceback" not in rest
    assert "error: interrupted by SIGINT again: stopped at once" in rest
    assert "its finished generations are kept: resume it with" in rest
    assert f"transition-sim fit {spec} --out {out} -w 1 --resume" in rest
    assert not (out / "posterior.parquet").exists()
    assert (out / RECORD).is_file()
    # the generations saved are whole: resumed, the fit is the one run in one go
    result = CliRunner().invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", "--resume"])
    assert result.exit_code == 0, result.output
    assert_same_fit(whole, out)


_FORKED_CHILD = """
import os, signal, sys, time
from transition_sim.ensemble.executors import Interrupted, raise_on_signals

try:
    with raise_on_signals():
        pid = os.fork()
        if pid == 0:  # a child with a Python handler of its own, signalled (as Ctrl-C reaches it)
            signal.signal(signal.SIGINT, lambda *args: None)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.5)  # the watcher has read whatever the child wrote
        signal.raise_signal(signal.SIGINT)  # this process's first signal
        time.sleep(5)
except Interrupted:
    print("orderly")
"""


def test_a_forked_childs_signal_is_not_counted_as_the_parents(tmp_path: Path) -> None:
    """A child forked inside the block inherits the wakeup socket: its signals, written there,
    made the parent's first Ctrl-C count as a second (exit at once, no cleanup). Forgotten at
    the fork (`executors._forget_watchers`), the parent's first signal stops it as a first."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _FORKED_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["orderly"]
