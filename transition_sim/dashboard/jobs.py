"""The dashboard's background jobs (runs), forked from a process that has no other threads.

Dash's `DiskcacheManager` starts each job with ``multiprocess.Process``: a fork of the server,
from the request's thread, while the threaded server's other threads may be inside SQLite
(diskcache's cache, one connection per request thread: progress polls, results). A fork copies
SQLite's in-memory lock state of that database file as those threads left it, and no thread
in the child will ever release it: the job's first write to the cache (its progress) then
waited diskcache's 60 s and failed, and the page never heard from the run. Measured with
diskcache and multiprocess as Dash uses them (tests/fork_jobs_experiment.py: three threads
making request threads, a job forked 30 times): 11 and 17 of 30 jobs stuck in two runs; 0 of
30 with forkserver, which does not fork the threaded process.

`ForkedJobs` keeps Dash's manager and changes only how a job starts: `start` forks a launcher
before the server starts its threads (after the warm-up: jobs still inherit the loaded crowd
kernel), and each job is forked from that single-threaded launcher, which sends its pid back.
Dash finds, cancels (kills by pid) and reads jobs as before. Until `start` is called (an app
made and not served, as tests do), jobs start Dash's way.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import traceback
from contextlib import suppress
from typing import Any

from dash import DiskcacheManager

__all__ = ["JOB_NAME", "LAUNCHER_NAME", "ForkedJobs"]

# The processes' names (``ps -o comm``, psutil's ``name()``; Linux): the launcher is the server's
# child, and its jobs its own children.
LAUNCHER_NAME, JOB_NAME = "dashboard-jobs", "dashboard-job"
_PR_SET_NAME = 15  # from <linux/prctl.h>


def _name_process(name: str) -> None:
    """Set this process's name where Linux allows; nothing elsewhere."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


class ForkedJobs(DiskcacheManager):
    """A `DiskcacheManager` whose jobs are forked by a launcher started before any thread."""

    def __init__(self, cache: Any) -> None:
        super().__init__(cache)
        self._launcher: Any = None  # our end of the pipe to the launcher, once started
        self._launcher_pid: int | None = None
        self._asking = threading.Lock()  # one request thread at a time talks to the launcher
        self._known: set[str] = set()  # the callbacks the launcher knows (defined before it)

    def start(self) -> None:
        """Fork the launcher now. Call it before the server starts threads, and after every
        background callback is defined (the launcher keeps the callbacks it knows then)."""
        if self._launcher is not None:
            return
        from multiprocess import Pipe  # Dash's own dependency: pickles more (dill)

        from transition_sim.ensemble.executors import fork_warning_filtered

        ours, theirs = Pipe()
        server = os.getpid()
        with fork_warning_filtered():  # warns still if Python threads run: call it before them
            pid = os.fork()
        if pid == 0:  # the launcher
            code = 0
            try:
                ours.close()
                self._serve(theirs, server)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._launcher, self._launcher_pid = ours, pid
        self._known = set(self.func_registry)

    def stop(self) -> None:
        """End the launcher (it also ends with this process), and with it the jobs running:
        they follow it as it follows this process (`_serve`)."""
        if self._launcher is None:
            return
        self._launcher.close()  # it reads the end of its requests and exits
        if self._launcher_pid is not None:
            os.waitpid(self._launcher_pid, 0)
        self._launcher = self._launcher_pid = None

    def _lost(self) -> None:
        """Forget a launcher that is gone (reap it, say so once on stderr)."""
        pid, self._launcher_pid = self._launcher_pid, None
        with suppress(OSError):
            self._launcher.close()
        self._launcher = None
        if pid is not None:
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
        print(
            "warning: the dashboard's job launcher is gone; runs start from the server itself",
            file=sys.stderr,
        )

    def _serve(self, requests: Any, server: int) -> None:
        """The launcher: fork a job for each request, answer its pid; end with the server, and
        its jobs with it (they are its children, not the server's: they ran on, into a workdir
        the server removes at exit, after the dashboard was stopped or killed)."""
        from transition_sim.ensemble.executors import follow_parent

        _name_process(LAUNCHER_NAME)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, and so us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished jobs
        follow_parent(server)  # exits with the server, even killed
        launcher = os.getpid()
        while True:
            try:
                name, key, progress_key, args, context = requests.recv()
            except (EOFError, OSError):  # the server is gone
                return
            try:
                pid = os.fork()
            except OSError as err:
                requests.send(err)
                continue
            if pid == 0:  # the job
                requests.close()
                follow_parent(launcher)
                _run_job(self.func_registry[name], key, progress_key, args, context)
            requests.send(pid)

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> int:
        name = next((name for name, fn in self.func_registry.items() if fn is job_fn), None)
        if self._launcher is None or name not in self._known:  # not started, or a callback
            return super().call_job_fn(key, job_fn, args, context)  # defined after: Dash's way
        request = (name, key, self._make_progress_key(key), args, dict(context))
        with self._asking:
            try:
                self._launcher.send(request)
                answer = self._launcher.recv()
            except (OSError, EOFError):  # the launcher died (killed, out of memory)
                self._lost()
                answer = None
        if answer is None:  # Dash's way from now on, rather than no job ever again
            return super().call_job_fn(key, job_fn, args, context)
        if isinstance(answer, BaseException):
            raise answer
        return int(answer)


def _run_job(job_fn: Any, key: str, progress_key: str, args: Any, context: Any) -> None:
    """In a job: run Dash's job function (it stores the result or the error), then exit."""
    _name_process(JOB_NAME)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # a run's own pool waits for its workers
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    code = 0
    try:
        job_fn(key, progress_key, args, context)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
