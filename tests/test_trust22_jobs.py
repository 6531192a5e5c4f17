"""The dashboard's background jobs start whatever the server's other threads are doing in the
jobs' cache (`transition_sim.dashboard.jobs`).

Dash's `DiskcacheManager` forks each job from the threaded server. A fork made while another
thread of the server is inside an SQLite transaction on the cache (a request thread storing or
reading progress) copies SQLite's in-memory lock state of the file as that thread left it, and
nobody in the job ever releases it: the job's first write (its progress) waited diskcache's
60 s and failed, and the page never heard from the run (session 20's browser test that timed
out under load). Measured with tests/fork_jobs_experiment.py (diskcache and multiprocess as
Dash uses them, request threads opening connections while jobs are forked): 11 and 17 of 30
forked jobs stuck for more than 5 s in two runs; 0 of 30 with forkserver, 0 of 30 with spawn.

Here the race is made certain: a thread holds a write transaction on the cache while the job is
started, and releases it right after; the job must still store its progress and its result.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from dash import Input, Output
from dash.background_callback.managers import BaseBackgroundCallbackManager

from transition_sim.dashboard.app import create_app
from transition_sim.dashboard.jobs import ForkedJobs

RESULT_SECONDS = 30  # a job that was forked with the lock state copied waits 60 s, then fails


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ForkedJobs, dict[str, Any]]]:
    """The dashboard's app with two more background callbacks, its launcher started as `serve`
    starts it (after every callback is defined, before the server's threads); the manager and
    the callbacks' job functions by name."""
    app = create_app(workdir=tmp_path / "work")
    manager = app._background_manager
    assert isinstance(manager, ForkedJobs)
    before = set(manager.func_registry)
    names: dict[str, str] = {}
    for what in ("job", "sleeper"):

        def job(set_progress, n_clicks: int, what: str = what) -> str:  # type: ignore[no-untyped-def]
            if what == "sleeper":
                time.sleep(120)
            set_progress(("half way",))
            return f"done {n_clicks}"

        app.callback(
            Output(f"trust22-{what}", "children"),
            Input(f"trust22-{what}-in", "n_clicks"),
            background=True,
            progress=[Output(f"trust22-{what}-progress", "children")],
            prevent_initial_call=True,
        )(job)
        (names[what],) = set(manager.func_registry) - before - set(names.values())
    manager.start()
    try:
        yield manager, {what: manager.func_registry[name] for what, name in names.items()}
    finally:
        manager.stop()
        BaseBackgroundCallbackManager.managers.remove(manager)
        BaseBackgroundCallbackManager.functions[:] = [
            f for f in BaseBackgroundCallbackManager.functions if f[0] not in names.values()
        ]


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_a_job_started_while_a_request_thread_writes_the_cache_reports_back(
    served: tuple[ForkedJobs, dict[str, Any]],
) -> None:
    manager, job_fns = served
    cache = manager.handle
    inside, release = threading.Event(), threading.Event()

    def request_thread() -> None:  # as the server's: its own connection, a write transaction
        with cache.transact():
            cache.set("another request", 1)
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=request_thread)
    thread.start()
    assert inside.wait(10)
    key = "trust22-job"
    try:
        pid = manager.call_job_fn(key, job_fns["job"], [7], {})
    finally:
        release.set()
        thread.join()
    assert isinstance(pid, int) and pid > 0
    assert _wait(lambda: cache.get(key) is not None, RESULT_SECONDS), "no result from the job"
    assert cache.get(key) == "done 7"
    assert manager.get_progress(key) == ("half way",)
    assert _wait(lambda: not manager.job_running(pid), 10)  # it ended and was reaped


def test_a_job_is_cancelled_by_its_pid(served: tuple[ForkedJobs, dict[str, Any]]) -> None:
    """Dash cancels a job by killing the pid `call_job_fn` returned (the launcher's child)."""
    manager, job_fns = served
    pid = manager.call_job_fn("trust22-sleeper", job_fns["sleeper"], [1], {})
    assert _wait(lambda: manager.job_running(pid), 10)
    assert psutil.Process(pid).ppid() != os.getpid()  # the launcher's, not this process's
    manager.terminate_job(pid)
    assert _wait(lambda: not manager.job_running(pid), 10)
    assert manager.handle.get("trust22-sleeper") is None
