"""The command line as a process: signals, kill -9 and resume, racing runs, flat memory.

Each test starts ``transition-sim run`` in a subprocess on a cheap scenario (one small region,
a few days) and acts on it from outside, as a user or a scheduler would. Bounds on time are
generous: the machine running the suite may be a loaded 2-core box.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from transition_sim.ensemble.job import run_to_folder
from transition_sim.ensemble.lock import hold_lock
from transition_sim.ensemble.runner import resolve
from transition_sim.ensemble.store import REPORT_FILE, staging_path, verify_manifest
from transition_sim.ensemble.summary import summarize_runs
from transition_sim.scenario.loader import load_scenario

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups"),
    pytest.mark.timeout(240),
]

TINY = "name: tiny\ndays: 5\nreplications: 40\nseed: 7\n"
CLI = [sys.executable, "-c", "from transition_sim.cli import app; app()"]
STARTUP_SECONDS = 120  # imports and the first replication, on a loaded machine


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job would be
    )


def _workers(process: subprocess.Popen[str], count: int = 2) -> list[psutil.Process]:
    """The pool's worker processes, once they all exist."""
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if len(children) >= count:
            return children
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("the workers never started")


def _alive(processes: list[psutil.Process]) -> list[int]:
    return [p.pid for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _wait_gone(processes: list[psutil.Process], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := _alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _cleanup(process: subprocess.Popen[str], workers: list[psutil.Process]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    for worker in workers:
        if worker.is_running():
            worker.kill()


def _checksums(out: Path) -> dict[str, str]:
    """The results' checksums. Not the report's: `run --out` adds one (`run_to_folder` does not),
    and it names its folder."""
    files = json.loads((out / "manifest.json").read_text())["files"]
    return {name: entry["sha256"] for name, entry in files.items() if name != REPORT_FILE}


@pytest.mark.parametrize(
    ("signum", "code", "group"),
    [
        # Ctrl-C: the whole foreground group gets it; the workers ignore it, so the parent
        # must kill them itself (as after `kill PID`, which reaches the parent alone)
        (signal.SIGINT, 130, True),
        # timeout(1): the whole group gets SIGTERM; the workers die of it, which the parent
        # may notice before its own handler runs
        (signal.SIGTERM, 143, True),
    ],
)
def test_signals_stop_a_huge_run_promptly_and_cleanly(
    tiny: Path, tmp_path: Path, signum: int, code: int, group: bool
) -> None:
    out = tmp_path / "out"
    process = _start(str(tiny), "-n", "1000000000", "-w", "2", "--out", str(out))
    workers: list[psutil.Process] = []
    try:
        workers = _workers(process)
        time.sleep(1)  # into the run
        # Tasks are planned lazily: a billion replications need no more memory than a few.
        assert psutil.Process(process.pid).memory_info().rss < 600 * 2**20
        start = time.monotonic()
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - start
        assert process.returncode == code, stderr
        assert elapsed < 20, elapsed
        assert "Traceback" not in stderr
        assert f"interrupted by {signal.Signals(signum).name}" in stderr
        assert "--resume" in stderr
        assert stdout == ""
        assert _wait_gone(workers, 5) == []
        assert not out.exists() and staging_path(out).is_dir()  # nothing claims to be complete
        with hold_lock(out):  # released
            pass
    finally:
        _cleanup(process, workers)


def test_sigkill_at_a_random_moment_leaves_no_worker_and_resume_equals_uninterrupted(
    tiny: Path, tmp_path: Path
) -> None:
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    # Of 16 parts of 200 runs: at least four parts (800 runs, about 0.6 s at this machine's
    # 1,300 runs/s) are left when the kill comes, so it lands mid-run, not after the end.
    parts, jitter = chance.randint(0, 12), chance.uniform(0.0, 0.2)
    args = [str(tiny), "-n", "3200", "-w", "2", "--point"]  # the reference runs point values
    out = tmp_path / "resumed"
    saved = staging_path(out) / "runs"
    process = _start(*args, "--out", str(out))
    workers: list[psutil.Process] = []
    try:
        workers = _workers(process)
        while len(list(saved.glob("part-*"))) < parts and process.poll() is None:
            time.sleep(0.01)
        time.sleep(jitter)
        process.kill()  # SIGKILL to the main process: it cannot clean anything up
        process.wait(timeout=30)
        assert _wait_gone(workers, 5) == []
    finally:
        _cleanup(process, workers)
    moment = f"killed {jitter:.2f} s after part {parts} was saved (seed {seed})"
    if out.exists():
        pytest.fail(f"the run finished before it was killed; {moment}")
    resumed = subprocess.run(
        [*CLI, "run", *args, "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr
    # The reference, uninterrupted and on one worker, through the same code in this process.
    scenario = resolve(load_scenario(tiny), 3200, None)
    run_to_folder(scenario, tmp_path / "uninterrupted", workers=1)
    assert _checksums(out) == _checksums(tmp_path / "uninterrupted"), moment
    assert verify_manifest(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resumed", "tiny.yaml", "uninterrupted"]


def test_racing_force_runs_leave_a_consistent_folder_or_refuse(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = resolve(load_scenario(tiny), 5, 1)
    run_to_folder(old, out)  # a previous result for the racers to replace
    racers = [
        _start(
            str(tiny),
            "-n",
            "200",
            "-w",
            "1",
            "--seed",
            str(seed),
            "--point",
            "--force",
            "--out",
            str(out),
        )
        for seed in (100, 200)
    ]
    results = [(p.wait(timeout=180), p.communicate()[1]) for p in racers]
    for code, stderr in results:
        assert code in (0, 2), stderr
        assert "Traceback" not in stderr
        if code == 2:
            assert "in use by another run" in stderr
    assert 0 in [code for code, _ in results]
    assert verify_manifest(out) == []
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    runs = pd.read_parquet(out / "runs.parquet")
    assert summary == summarize_runs(runs, summary["scenario"], manifest["seed"])
    assert summary["seed"] == manifest["seed"] in (100, 200)
    assert len(runs) == manifest["replications"] == 200
