"""A scheduler address where something answers that is not a Dask scheduler (a server that
accepts and never speaks, a web server, a Dask worker) is bad input, as an address where nothing
answers is (tests/test_scheduler_unreachable.py): exit 2 naming ``--scheduler`` (or the variable
that gave it), in bounded time, before any work (no output folder begun), no traceback.

Before, `distributed.Client` waited for ever for the reply to its handshake (Dask's own connect
has no timeout there): the command hung. So each command runs in a process of its own, which
the test stops if it has not ended in time. Dask's connect timeout is shortened to 2 s through
its own setting; the bound on an answer is that plus 5 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from servers import silent_server

pytest.importorskip("distributed")

TINY = "name: tiny\ndays: 5\nreplications: 2\n"
CONNECT_TIMEOUT = 2  # seconds: Dask's, through DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT
DEADLINE = 60  # seconds a refusal may take here (start-up included, under load); it hung


def _silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never writes a byte."""
    with silent_server() as (address, _):
        yield address


def _http_server() -> Iterator[str]:
    """A web server (Python's own), which reads a request and answers in HTTP."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


SERVERS = {"silent": _silent_server, "http": _http_server}


@pytest.fixture(params=sorted(SERVERS))
def not_a_scheduler(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from SERVERS[request.param]()


def _command(
    tmp_path: Path, args: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``transition-sim ARGS`` in a process of its own, and its wall time; failing the test
    (with the process's stacks) if it has not ended within `DEADLINE`."""
    environ = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": f"{CONNECT_TIMEOUT}s"}
    environ.pop("DASK_SCHEDULER_ADDRESS", None)
    environ.update(env or {})
    command = [sys.executable, "-m", "transition_sim", *args]
    start = time.monotonic()
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        process.send_signal(__import__("signal").SIGUSR1)  # the CLI's faulthandler: stacks
        time.sleep(1)
        process.kill()
        stacks = process.communicate()[1]
        pytest.fail(f"{' '.join(args)} did not end within {DEADLINE} s:\n{stacks[-4000:]}")
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return done, time.monotonic() - start


@pytest.mark.parametrize("command", ["run", "fit"])
def test_a_server_that_is_not_a_scheduler_is_an_option_error(
    tmp_path: Path, not_a_scheduler: str, command: str
) -> None:
    (tmp_path / "a.yaml").write_text(TINY)
    root = Path(__file__).resolve().parents[1]
    args = {
        "run": ["run", "a.yaml", "-w", "1"],
        "fit": ["fit", str(root / "experiments" / "fit" / "library.yaml"), "-w", "1"],
    }[command]
    done, took = _command(
        tmp_path, [*args, "--out", "out", "--scheduler", not_a_scheduler, "--json"]
    )
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stdout.strip().splitlines()[-1])["error"]
    assert error["field"] == "--scheduler"
    assert not_a_scheduler in error["message"]
    assert done.stderr.startswith(
        f"error: --scheduler: no Dask scheduler answers at {not_a_scheduler}"
    )
    assert "traceback" not in done.stderr.lower()
    # refused before any work: no folder begun (a run left OUT.partial, which a second command
    # with the right address then refused as an interrupted run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]
    assert took < DEADLINE


def test_the_variable_that_gave_the_address_is_named(tmp_path: Path, not_a_scheduler: str) -> None:
    (tmp_path / "a.yaml").write_text(TINY)
    done, _ = _command(
        tmp_path,
        ["run", "a.yaml", "-w", "1", "--out", "out"],
        env={"DASK_SCHEDULER_ADDRESS": not_a_scheduler},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        f"error: $DASK_SCHEDULER_ADDRESS: no Dask scheduler answers at {not_a_scheduler}"
    )


_CLUSTER_SCRIPT = """
import json, sys
from distributed import LocalCluster
from typer.testing import CliRunner
from transition_sim.cli import app

with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as c:
    worker = next(iter(c.scheduler.workers))
    results = {}
    for name, address in (("scheduler", c.scheduler_address), ("worker", worker)):
        r = CliRunner().invoke(app, ["run", "a.yaml", "-w", "1", "-n", "2", "--out", name,
                                     "--scheduler", address])
        results[name] = [r.exit_code, r.stderr, address]
print(json.dumps(results))
"""


def test_a_real_scheduler_is_used_and_a_workers_address_is_refused(tmp_path: Path) -> None:
    """The check does not refuse a scheduler (the run ends, 0); a Dask worker, which speaks
    Dask but is not a scheduler, is refused with what it is."""
    (tmp_path / "a.yaml").write_text(TINY)
    script = tmp_path / "cluster.py"
    script.write_text(_CLUSTER_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    code, stderr, _ = results["scheduler"]
    assert code == 0, stderr
    assert (tmp_path / "scheduler" / "runs.parquet").is_file()
    code, stderr, worker = results["worker"]
    assert code == 2, stderr
    assert f"error: --scheduler: no Dask scheduler answers at {worker}" in stderr
    assert "a Dask Worker answers there, not a scheduler" in stderr
    assert not (tmp_path / "worker").exists()
