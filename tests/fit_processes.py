"""A fit started as its own process and read up to its first generation, for the tests that
signal or kill it there (tests/test_fit_resume.py, tests/test_hostile_session19c.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path


def fit_after_generation_0(
    spec: str | Path, out: str | Path, *, cwd: Path | None = None, sigint_ignored: bool = False
) -> subprocess.Popen[str]:
    """``transition-sim fit SPEC -o OUT -w 1`` in a new process, returned once it has said
    "generation 0" on stderr (or ended). ``sigint_ignored``: started with SIGINT ignored, as a
    shell starts a job in the background."""
    command = [sys.executable, "-m", "transition_sim", "fit", str(spec), "-o", str(out), "-w", "1"]
    fit = subprocess.Popen(
        command,
        cwd=cwd,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if sigint_ignored
        else None,
    )
    assert fit.stderr is not None
    for line in fit.stderr:
        if line.startswith("generation 0"):
            break
    return fit


def rest_of(fit: subprocess.Popen[str], timeout: float = 60) -> str:
    """The fit's stderr until it exits; if it has not exited within ``timeout`` seconds, fail
    with every thread's stack (SIGUSR1: the command line's faulthandler) instead."""
    import pytest

    try:
        return fit.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        fit.send_signal(signal.SIGUSR1)
        time.sleep(2)
        fit.kill()
        stacks = fit.communicate()[1]
        pytest.fail(f"the fit did not stop within {timeout:.0f} s; its stacks:\n{stacks}")
