"""Session 23: SIGINT or SIGTERM while a command starts, before its own signal block
(`errors.stopped_by_signals`): exit 130/143 with a one-line message, as later.

Before, SIGTERM killed the command by the signal with no message at all (the shell's 143, or -15
from Python), and SIGINT gave a traceback (during the command line's imports) or a silent 130.
The signal is sent at a chosen point, deterministically: a `sitecustomize` module makes the
process signal itself when it first imports a given module: ``typer`` (the command line's
imports, before any command runs) or ``mesa`` (`run`'s own imports, before its block).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from transition_sim.claims import BASELINE_PATH

SITECUSTOMIZE = """\
import os, signal, sys

class _SignalOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ["TEST_SIGNAL_ON_IMPORT"]:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), int(os.environ["TEST_SIGNAL"]))
        return None

sys.meta_path.insert(0, _SignalOnImport())
"""


def _run(tmp_path: Path, module: str, signum: int, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "hook").mkdir(exist_ok=True)
    (tmp_path / "hook" / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    environ = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "hook"),
        "TEST_SIGNAL_ON_IMPORT": module,
        "TEST_SIGNAL": str(int(signum)),
    }
    command = [sys.executable, "-m", "transition_sim", "run", str(BASELINE_PATH), *args]
    return subprocess.run(
        command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal
    )  # fmt: skip


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize(
    ("module", "said"),
    [
        ("typer", "while starting; nothing was run"),  # the command line's imports
        ("mesa", ""),  # `run`'s imports: the command runs, before its block
    ],
)
def test_a_signal_while_a_command_starts_exits_with_its_status_and_a_message(
    tmp_path: Path, signum: int, code: int, module: str, said: str
) -> None:
    out = tmp_path / "out"
    args = ["--point", "-n", "1", "-w", "1", "--out", str(out), "--json"]
    result = _run(tmp_path, module, signum, *args)
    name = signal.Signals(signum).name
    assert result.returncode == code, result.stderr
    expected = f"error: interrupted by {name}" + (f" {said}" if said else "")
    assert result.stderr.splitlines() == [expected], result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["message"]) == (code, f"interrupted by {name}")
    assert not out.exists(), "nothing is written before the command's work"


def test_the_hook_lets_an_unsignalled_command_run(tmp_path: Path) -> None:
    """The test's own machinery: a module never imported sends nothing, and the run ends."""
    result = _run(tmp_path, "no_such_module_ever", signal.SIGTERM, "--point", "-n", "1")
    assert result.returncode == 0, result.stderr


def test_importing_the_command_line_installs_no_handler() -> None:
    """In a process that is not the command line (tests, scripts importing it), the signals
    keep their handlers: the start-up's are the program's only."""
    code = (
        "import signal; before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT);"
        " import transition_sim.cli;"
        " assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
