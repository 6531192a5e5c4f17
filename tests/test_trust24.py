"""Session 24's trust fixes: an output that cannot be written is an error line, not a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_hostile_session23 import _with_stdout_broken

from transition_sim.ensemble.store import REPORT_FILE, RESULT_FILES

FULL = Path("/dev/full")  # every write fails with ENOSPC (Linux)


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
def test_json_into_a_full_device_is_one_error_line_and_no_traceback(tmp_path: Path) -> None:
    """`run --json` into a full disk: the summary's write failed, then so did the error's JSON
    object, and its OSError (not a BrokenPipeError) came out as a second traceback on stderr."""
    missing = tmp_path / "missing.yaml"
    command = [sys.executable, "-m", "transition_sim", "run", str(missing), "--json"]
    with FULL.open("w") as full:
        result = subprocess.run(
            command, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"error: {missing}"), result.stderr


REPORT_INTERRUPTED = """\
import os, signal, sys, time
import transition_sim.viz.report as report

def write_report(out):  # a Ctrl-C while the report is written
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)

report.write_report = write_report
sys.argv = ["transition-sim", "run", sys.argv[1], "-n", "2", "-w", "1", "--out", sys.argv[2]]
from transition_sim.cli import app
app()
"""


def test_a_signal_while_the_report_is_written_says_the_results_are_complete(
    tmp_path: Path,
) -> None:
    """The report is written after the results are saved, outside the run's signal block: a
    Ctrl-C there said only "interrupted", as if the run were lost."""
    out = tmp_path / "out"
    scenario = Path(__file__).parents[1] / "scenarios" / "kazakhstan_2022.yaml"
    command = [sys.executable, "-c", REPORT_INTERRUPTED, str(scenario), str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: interrupted by SIGINT while writing the report; the results are complete in {out}",
        f"error: write its report with: transition-sim report {out}",
    ], result.stderr
    for name in RESULT_FILES:  # the results are complete, as the line says
        assert (out / name).is_file(), name
    assert not (out / REPORT_FILE).exists()


def test_output_into_a_closed_pipe_is_an_error_line() -> None:
    """`run --json | head -c0`: typer caught the BrokenPipeError and exited 1 without a word."""
    scenario = Path(__file__).parents[1] / "scenarios" / "kazakhstan_2022.yaml"
    command = [sys.executable, "-m", "transition_sim", "run", str(scenario), "-n", "2", "-w", "1"]
    result = _with_stdout_broken([*command, "--json"])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        "error: stdout was closed before the output was written (its reader has gone)"
    ], result.stderr
