"""Executors and stopping: workers that ignore Ctrl-C, die with their parent, and stop at once."""

from __future__ import annotations

import ctypes
import itertools
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from transition_sim.ensemble import executors
from transition_sim.ensemble.executors import (
    Interrupted,
    LocalPool,
    SerialExecutor,
    map_ordered,
    open_executor,
    raise_on_signals,
)

LINUX = sys.platform.startswith("linux")


def _worker_signal_state() -> tuple[bool, bool]:
    """In a worker: is SIGINT ignored, and is SIGTERM back to its default action?"""
    return (
        signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
    )


def _parent_death_signal() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    value = ctypes.c_int()
    libc.prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return value.value


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := _alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def test_workers_ignore_sigint_and_not_the_parents_sigterm_handler() -> None:
    with raise_on_signals(), open_executor(workers=2) as pool:  # the parent's handlers set
        assert isinstance(pool, LocalPool)
        assert pool.submit(_worker_signal_state).result(timeout=60) == (True, True)


@pytest.mark.skipif(not LINUX, reason="prctl is Linux-only")
def test_workers_ask_to_be_killed_with_their_parent() -> None:
    with open_executor(workers=2) as pool:
        assert pool.submit(_parent_death_signal).result(timeout=60) == signal.SIGKILL


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.filterwarnings("ignore:.*use of fork:DeprecationWarning")
def test_terminate_kills_running_and_cancels_queued_tasks_promptly() -> None:
    pool = LocalPool(2)
    futures = [pool.submit(_sleep, 60) for _ in range(10)]
    time.sleep(0.5)
    pids = pool.worker_pids()
    assert len(pids) == 2
    start = time.monotonic()
    pool.terminate()
    assert time.monotonic() - start < 15  # generous: a loaded 2-core machine
    assert _wait_gone(pids, 5) == []
    assert all(f.done() for f in futures)  # none left waiting (cancelled or broken)


def _large_result(size: int) -> bytes:
    return b"x" * size


@pytest.mark.filterwarnings("ignore:.*use of fork:DeprecationWarning")
def test_terminate_returns_when_a_worker_dies_in_the_middle_of_sending_a_result() -> None:
    # Results of 8 MiB take many pipe writes, so a kill at a random moment usually lands in
    # the middle of one; before the fix in `terminate`, shutdown then waited forever.
    for _ in range(5):
        pool = LocalPool(2)
        futures = [pool.submit(_large_result, 8 << 20) for _ in range(40)]
        time.sleep(random.uniform(0.05, 0.4))
        finished = threading.Thread(target=pool.terminate, daemon=True)
        finished.start()
        finished.join(timeout=30)  # generous: a loaded 2-core machine
        assert not finished.is_alive(), "terminate() hangs"
        assert all(f.done() for f in futures)


def test_open_executor_terminates_on_an_exception() -> None:
    start = time.monotonic()
    with pytest.raises(Interrupted), open_executor(workers=2) as pool:
        pool.submit(_sleep, 60)
        time.sleep(0.5)
        pids = pool.worker_pids()
        raise Interrupted(signal.SIGINT)
    assert time.monotonic() - start < 20
    assert _wait_gone(pids, 5) == []


def test_serial_executor_runs_at_submit_and_keeps_errors_in_the_future() -> None:
    executor = SerialExecutor()
    assert executor.submit(pow, 2, 10).result() == 1024
    failed = executor.submit(int, "not a number")
    assert isinstance(failed.exception(), ValueError)


def _slow_square(x: int) -> int:
    time.sleep(0.05 * (x % 3))  # later items often finish first
    return x * x


def test_map_ordered_is_lazy_bounded_and_in_order() -> None:
    drawn: list[int] = []

    def endless() -> Iterator[int]:
        for x in itertools.count():
            drawn.append(x)
            yield x

    finished: list[int] = []
    with open_executor(workers=2) as pool:
        results = map_ordered(pool, _slow_square, endless(), window=4, on_done=finished.append)
        for consumed, value in enumerate(itertools.islice(results, 30), start=1):
            assert value == (consumed - 1) ** 2
            assert len(drawn) - consumed <= 4  # never more than the window unconsumed
        results.close()
    assert sorted(finished)[:30] == [x * x for x in range(30)]


def test_map_ordered_raises_a_tasks_error() -> None:
    with pytest.raises(ValueError), open_executor(workers=1) as pool:
        list(map_ordered(pool, int, ["1", "2", "three", "4"]))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_become_interrupted_and_handlers_are_restored(signum: int, code: int) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as info, raise_on_signals() as received:
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler raises before this ends
    assert info.value.exit_code == code
    assert received == [signum]
    assert signal.getsignal(signum) is before


class _Finalized:
    """An object whose finalizer receives a signal, as SQLAlchemy's connection finalizers did
    under pyabc when a fit was stopped (session 21: the fit ran on for minutes)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        signal.raise_signal(self.signum)  # the handler runs, and raises, in here


def _work(executor: SerialExecutor) -> bool:
    """Tasks submitted one after another for up to 5 s; True if all were."""
    for _ in range(500):
        executor.submit(time.sleep, 0.01)
    return True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_that_lands_in_a_finalizer_stops_the_work_at_the_next_task(
    signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python only reports an exception raised in a finalizer ("Exception ignored in ...",
    through `sys.unraisablehook`) and goes on: the `Interrupted` is raised at the next task
    submitted instead, and not reported; the hook is restored after the block."""
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda args: reported.append(args.exc_value))
    hook = sys.unraisablehook
    finished = False
    with pytest.raises(Interrupted) as info, raise_on_signals() as received:
        _Finalized(signum)  # collected at once
        finished = _work(SerialExecutor())
    assert not finished
    assert info.value.signum == signum and received == [signum]
    assert reported == []
    assert sys.unraisablehook is hook


def test_other_finalizer_errors_are_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a lost `Interrupted` is taken over: any other finalizer error goes to the hook that
    was there before."""
    reported: list[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda args: reported.append(args.exc_value))

    class Broken:
        def __del__(self) -> None:
            raise ValueError("a finalizer's own error")

    with raise_on_signals():
        Broken()
    assert [str(e) for e in reported] == ["a finalizer's own error"]


def test_a_signal_inside_sqlalchemy_waits_for_the_statement_and_stops_the_next_task() -> None:
    """A signal that lands in SQLAlchemy (here a function of a module named like one of its)
    lets the statement finish, then stops the work at the next task submitted: an SQLite
    statement interrupted there left the database locked, and pyabc's cleanup then waited on
    the lock for ever (a fit that did not stop, session 21). A second signal still exits."""
    namespace: dict[str, object] = {"__name__": "sqlalchemy.engine.default", "signal": signal}
    exec(  # a function whose module is "sqlalchemy...", as the handler sees it
        "def execute(signum):\n    signal.raise_signal(signum)\n    return 'committed'\n",
        namespace,
    )
    execute = namespace["execute"]
    assert callable(execute)
    answers: list[str] = []
    with pytest.raises(Interrupted) as info, raise_on_signals():
        answers.append(execute(signal.SIGTERM))
        _work(SerialExecutor())
    assert answers == ["committed"]
    assert info.value.signum == signal.SIGTERM
    with raise_on_signals():  # nothing left over for the next block
        SerialExecutor().submit(int, "1")


_ORPHAN_SCRIPT = """
import sys, time
from transition_sim.ensemble import executors
if sys.argv[1] == "fallback":  # as where prctl does not exist: the watching thread must do it
    executors._set_parent_death_signal = lambda: False
def nap():
    time.sleep(120)
with executors.open_executor(workers=2) as pool:
    futures = [pool.submit(nap) for _ in range(2)]
    time.sleep(1.0)
    print(" ".join(str(pid) for pid in pool.worker_pids()), flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("mechanism", ["prctl", "fallback"])
def test_workers_exit_when_their_parent_is_killed(mechanism: str, tmp_path: Path) -> None:
    if mechanism == "prctl" and not LINUX:
        pytest.skip("prctl is Linux-only")
    script = tmp_path / "orphans.py"
    script.write_text(textwrap.dedent(_ORPHAN_SCRIPT))
    parent = subprocess.Popen(
        [sys.executable, str(script), mechanism], stdout=subprocess.PIPE, text=True
    )
    try:
        line = parent.stdout.readline() if parent.stdout else ""
        pids = [int(pid) for pid in line.split()]
        assert len(pids) == 2 and _alive(pids) == pids
        parent.kill()  # SIGKILL: no cleanup of any kind in the parent
        parent.wait(timeout=30)
        assert _wait_gone(pids, 10) == []
    finally:
        parent.kill()
        for pid in _alive(locals().get("pids", [])):
            os.kill(pid, signal.SIGKILL)


def test_dask_address_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(executors.DASK_ADDRESS_VARIABLE, "tcp://10.0.0.1:8786")
    assert executors._dask_address(None) == "tcp://10.0.0.1:8786"
    assert executors._dask_address("tcp://127.0.0.1:1") == "tcp://127.0.0.1:1"
    monkeypatch.delenv(executors.DASK_ADDRESS_VARIABLE)
    assert executors._dask_address(None) is None


_DASK_SCRIPT = """
from distributed import LocalCluster
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.schema import Scenario
scenario = Scenario(name="dask", days=3, replications=12, seed=3)
with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
    on_dask = run_ensemble(scenario, scheduler=c.scheduler_address)
local = run_ensemble(scenario, workers=1)
print(on_dask.runs.equals(local.runs), on_dask.timeseries.equals(local.timeseries))
"""


def test_a_dask_cluster_gives_the_same_results(tmp_path: Path) -> None:
    # In a process of its own: Dask leaves threads behind, and forking with threads is unsafe.
    pytest.importorskip("distributed")
    script = tmp_path / "dask_run.py"
    script.write_text(_DASK_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
