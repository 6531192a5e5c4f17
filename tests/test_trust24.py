"""Session 24's trust fixes: an output that cannot be written is an error line, not a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
