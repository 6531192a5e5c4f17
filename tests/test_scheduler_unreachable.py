"""A Dask scheduler address that nobody answers (a typo in the port, a cluster not started) is
bad input: exit 2 naming ``--scheduler`` (or the variable that gave it), no traceback file.
It was an internal error (exit 1, "system error: OSError: Timed out trying to connect") after
Dask's 30 s connect timeout; the timeout is shortened here through Dask's own setting."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import dask.config
import distributed  # noqa: F401 (its defaults join dask's config before the setting below)
import pytest
from test_hostile_session19 import out_commands
from typer.testing import CliRunner

from transition_sim.cli import app

cli = CliRunner()


@pytest.fixture
def dead_address() -> str:
    """A local port that was free a moment ago: nothing listens there."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        yield f"tcp://127.0.0.1:{port}"


@pytest.mark.parametrize("command", ["run", "sweep", "fit"])
def test_a_scheduler_nobody_answers_is_an_option_error(
    tmp_path: Path, dead_address: str, command: str
) -> None:
    args = out_commands(tmp_path)[command] + ["--out", str(tmp_path / "out")]
    result = cli.invoke(app, [*args, "--scheduler", dead_address, "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["field"] == "--scheduler"
    assert dead_address in error["message"]
    assert f"error: --scheduler: no Dask scheduler answers at {dead_address}" in result.stderr
    assert "traceback" not in result.stderr.lower()


def test_the_variable_that_gave_the_address_is_named(
    tmp_path: Path, dead_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dead_address)
    result = cli.invoke(app, [*out_commands(tmp_path)["run"], "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["field"] == "$DASK_SCHEDULER_ADDRESS"
