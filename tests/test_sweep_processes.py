"""Sweeps across processes: killed with SIGKILL and resumed, and run on a real Dask cluster on
loopback; either way the runs equal an uninterrupted local sweep's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pandas as pd
import pytest

from transition_sim.studies.engine import LEDGER
from transition_sim.studies.spec import load_spec
from transition_sim.studies.studies import run_sweep
from transition_sim.studies.sweep import load_runs, prepare

TESTS = Path(__file__).resolve().parent
BASELINE = TESTS.parent / "scenarios" / "kazakhstan_2022.yaml"
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
}


def slow_toy_spec(tmp_path: Path) -> Path:
    """540 runs of 10 ms each, in 60 parts of 9."""
    path = tmp_path / "slow.yaml"
    path.write_text(
        dedent("""
        name: slow toy
        model: sweep_functions:toy
        fixed: {delay: 0.01}
        design: grid
        replications: 60
        seed: 4
        parameters:
          - {path: x, values: [0.0, 0.5, 1.0]}
          - {path: y, values: [0.0, 0.5, 1.0]}
        """),
        encoding="utf-8",
    )
    return path


def parts(out: Path) -> int:
    return len(list((out / "runs").glob("part-*.parquet")))


def recorded_runs(out: Path) -> pd.DataFrame:
    """The runs of the parts the sweep's ledger records. A part written but not yet recorded
    when `kill -9` lands is not trusted: --resume removes it and runs it again."""
    recorded = json.loads((out / LEDGER).read_text(encoding="utf-8"))["parts"]
    files = [out / name for part in recorded.values() for name in part]
    return pd.concat([pd.read_parquet(f) for f in sorted(files)], ignore_index=True)


def sweep_then_stop(spec: Path, out: Path, resume: bool, at_least: int, signum: int) -> str:
    """Start `transition-sim sweep` with two workers; send ``signum`` to it and its workers
    (as Ctrl-C or `kill -9` of the job would) once ``at_least`` parts are stored. Its stderr."""
    command = [
        str(BIN / "transition-sim"),
        "sweep",
        "--allow-code",
        str(spec),
        "--out",
        str(out),
        "-w",
        "2",
    ]
    process = subprocess.Popen(
        command + (["--resume"] if resume else []),
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while parts(out) < at_least and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the sweep finished before it could be stopped"
    finally:
        os.killpg(process.pid, signum)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == (-signum if signum == signal.SIGKILL else 128 + signum)
    return stderr


def test_stopped_then_killed_then_resumed_equals_an_uninterrupted_sweep(tmp_path: Path) -> None:
    """Ctrl-C (exit 130, saying how to resume), then kill -9, then --resume."""
    spec = slow_toy_spec(tmp_path)
    out = tmp_path / "stopped"
    stderr = sweep_then_stop(spec, out, resume=False, at_least=8, signum=signal.SIGINT)
    assert "interrupted by SIGINT" in stderr and f"--out {out} --resume" in stderr
    assert "Traceback" not in stderr
    first = parts(out)
    sweep_then_stop(spec, out, resume=True, at_least=first + 12, signum=signal.SIGKILL)
    second = recorded_runs(out)  # whole parts only: every file reads
    assert not second.duplicated(["point", "replication"]).any()
    assert first < len(second) / 9 < 60
    assert not (out / "manifest.json").exists()  # incomplete, and says so

    result = subprocess.run(
        [str(BIN / "transition-sim"), "sweep", "--allow-code", str(spec), "--out", str(out),
         "--resume", "--json"],
        env=ENV, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["resumed"] and summary["ran"] == 540 - len(second)  # nothing redone

    whole = tmp_path / "whole"
    run_sweep(prepare(load_spec(spec), allow_code=True), whole, workers=2)
    pd.testing.assert_frame_equal(load_runs(out), load_runs(whole))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "points.parquet"), pd.read_parquet(whole / "points.parquet")
    )


# --- Dask ---------------------------------------------------------------------------------------


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as f:
        return subprocess.Popen(
            command, env=ENV, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `dask scheduler` and `dask worker` (two single-threaded processes) on loopback,
    always torn down."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    processes = []
    try:
        processes.append(
            _start(
                [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--no-dashboard", "--scheduler-file", str(file)],
                folder / "scheduler.log",
            )
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert file.exists(), (folder / "scheduler.log").read_text()
        address = json.loads(file.read_text())["address"]
        processes.append(
            _start(
                [str(BIN / "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
                 "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(folder)],
                folder / "worker.log",
            )
        )  # fmt: skip
        # Wait for both workers from another process: a Client here would leave threads in
        # this one, and later tests fork process pools.
        wait = (
            "from distributed import Client;"
            f" Client({address!r}, timeout=60).wait_for_workers(2, timeout=90)"
        )
        subprocess.run([sys.executable, "-c", wait], env=ENV, check=True, timeout=180)
        yield address
    finally:
        for process in reversed(processes):
            _stop(process)


def tiny_model_spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        dedent(f"""
        name: tiny
        scenario: {BASELINE}
        fixed: {{days: 10}}
        design: {{method: lhs, samples: 5}}
        replications: 2
        seed: 9
        parameters:
          - {{path: crowd.contagion, bounds: [0.5, 1.4]}}
          - {{path: patron.cost, bounds: [0, 1]}}
        """),
        encoding="utf-8",
    )
    return path


def test_results_are_identical_with_one_or_two_workers_and_on_dask(
    tmp_path: Path, dask_cluster: str
) -> None:
    spec = tiny_model_spec(tmp_path)
    exp = prepare(load_spec(spec), allow_code=True)
    run_sweep(exp, tmp_path / "one", workers=1)
    run_sweep(exp, tmp_path / "two", workers=2, batch_size=1)
    result = subprocess.run(  # in its own process, like the cluster: Dask leaves threads behind
        [str(BIN / "transition-sim"), "sweep", "--allow-code", str(spec), "--out",
         str(tmp_path / "dask"),
         "--scheduler", dask_cluster, "--batch-size", "3", "--json"],
        env=ENV, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    one = load_runs(tmp_path / "one")
    assert one["deaths"].nunique() > 3  # runs that differ: the equality below is not trivial
    pd.testing.assert_frame_equal(one, load_runs(tmp_path / "two"))
    pd.testing.assert_frame_equal(one, load_runs(tmp_path / "dask"))
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["runs"] == 10
