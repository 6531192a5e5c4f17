"""Where tasks run, and how processes stop.

One interface, shaped like `concurrent.futures.Executor` (``submit`` returns a `Future`,
``shutdown`` waits), plus what a long run needs: ``workers`` (how many tasks run at once, to
size the work kept in flight) and ``terminate()`` (stop now: cancel queued tasks, kill running
ones rather than wait for them). Three executors fit it:

- `SerialExecutor`: runs each task in this process when it is submitted (one worker).
- `LocalPool`: a local process pool (fork where available, so workers inherit the loaded code
  and anything compiled before). Its workers ignore SIGINT (the parent handles Ctrl-C for
  everyone, so no worker prints a traceback) and exit by themselves when the parent dies, even
  by SIGKILL: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, a thread watching the parent's pid
  elsewhere.
- `DaskExecutor`: an existing Dask cluster, through ``Client(address).get_executor()``.

`open_executor` picks one; `map_ordered` runs a lazy, bounded, ordered stream of tasks on
it. The parent's side of stopping is `raise_on_signals`: SIGINT and
SIGTERM become an `Interrupted` exception, which unwinds through `open_executor` and
terminates the pool.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any, Protocol

__all__ = [
    "DASK_ADDRESS_VARIABLE",
    "DaskExecutor",
    "Interrupted",
    "LocalPool",
    "SchedulerUnreachable",
    "SerialExecutor",
    "TaskExecutor",
    "check_scheduler",
    "follow_parent",
    "fork_warning_filtered",
    "map_ordered",
    "open_executor",
    "raise_on_signals",
]

DASK_ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_SECONDS = 0.5  # how often the portable fallback checks that the parent lives


class TaskExecutor(Protocol):
    """What the runner needs from an executor."""

    workers: int

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...

    def terminate(self) -> None: ...


class SerialExecutor(Executor):
    """Runs each task here, at submit time: no process to fork, nothing to kill."""

    workers = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise_deferred()
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # an interrupt (BaseException) propagates at once instead
            future.set_exception(err)
        return future

    def terminate(self) -> None:
        """Nothing runs in the background."""


# -- the workers' side -------------------------------------------------------------------------


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is unavailable.

    The kernel ties this to the *thread* that forked the worker: the pool must be used from the
    thread that created it (it is: `open_executor` is a context manager).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def follow_parent(parent: int) -> None:
    """Make this process (a child of ``parent``) exit when its parent dies: the kernel's death
    signal where there is one, else a thread watching the parent's pid."""
    if not _set_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we asked to follow it
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _init_worker(parent: int) -> None:
    """Run in each pool worker as it starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent acts
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    signal.set_wakeup_fd(-1)  # nor the parent's watcher's socket (`raise_on_signals`)
    follow_parent(parent)


# -- local processes ---------------------------------------------------------------------------


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork where available: workers inherit the loaded code (and any test double) for free."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class LocalPool(ProcessPoolExecutor):
    """A process pool whose workers stop when told, and when the parent dies."""

    def __init__(self, workers: int) -> None:
        # Objects alive now (modules, compiled code, the scenario) move to the collector's
        # permanent generation until the workers are forked (at the first submit): the workers
        # neither scan them nor write to their pages. The parent unfreezes them then, so that
        # its own cyclic garbage is still collected.
        gc.freeze()
        self._frozen = True
        super().__init__(
            max_workers=workers,
            mp_context=_pool_context(),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        self.workers = workers

    def _unfreeze(self) -> None:
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise_deferred()
        future = super().submit(fn, *args, **kwargs)
        self._unfreeze()  # a fork pool starts all its workers at the first submit
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._unfreeze()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in (self._processes or {}).values() if p.pid is not None]

    def terminate(self) -> None:
        """Cancel queued tasks and kill the workers now, then release the pool's resources."""
        processes = list((self._processes or {}).values())
        for process in processes:
            process.kill()
        for process in processes:
            process.join()
        # A worker killed while sending its result leaves half a message in the result pipe,
        # and the pool's manager thread would wait for the rest forever (CPython 3.12: a hang
        # in shutdown and at exit). With every worker gone, closing our own copy of the pipe's
        # write end turns that wait into end-of-file, which the pool treats as a broken pool.
        self._result_queue._writer.close()
        self.shutdown(wait=True, cancel_futures=True)  # prompt: nothing is left to wait for


@contextmanager
def fork_warning_filtered() -> Iterator[None]:
    """Silence Python 3.12's fork-with-threads warning when only native threads exist.

    numpy's BLAS and Arrow start native thread pools at import, so the warning would fire on
    every run; those libraries are fork-aware, and the workers only simulate and return values.
    The warning is kept when the caller has started Python threads, the case it is about.
    """
    with warnings.catch_warnings():
        if threading.active_count() == 1 + len(_watchers):  # a watcher holds no lock
            warnings.filterwarnings(
                "ignore",
                message=r".*use of fork\(\) may lead to deadlocks",
                category=DeprecationWarning,
            )
        yield


# -- a Dask cluster ----------------------------------------------------------------------------


class SchedulerUnreachable(OSError):
    """No Dask scheduler answered at ``address``, given by ``field`` (``--scheduler`` or the
    ``DASK_SCHEDULER_ADDRESS`` variable): a typo, a cluster not started, or another server (a
    web server, a Dask worker) at that port, so bad input (exit 2) rather than the machine
    failing."""

    def __init__(self, address: str, field: str, reason: str) -> None:
        self.address, self.field = address, field
        super().__init__(f"no Dask scheduler answers at {address} ({reason})")


# How long past Dask's connect timeout a server that accepted the connection may take to answer
# as a scheduler. Dask's own `connect` waits for the handshake's reply with no timeout at all.
_ANSWER_GRACE_SECONDS = 5.0


def check_scheduler(address: str, field: str) -> None:
    """Raise `SchedulerUnreachable` unless a Dask scheduler answers at ``address`` in bounded
    time: Dask's connect timeout (``distributed.comm.timeouts.connect``, 30 s by default) to
    connect, and `_ANSWER_GRACE_SECONDS` more for its reply.

    `distributed.Client` would wait for ever on a server that accepts the connection and never
    speaks Dask (a plain TCP server, an HTTP server reading the rest of a request): its
    handshake read has no timeout. So ask the server who it is first, under our own deadline,
    in a thread of its own (an event loop may already run in this one).
    """
    import asyncio

    import dask.config
    from dask.utils import parse_timedelta

    timeout = float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s"))
    outcome: list[str | BaseException] = []

    async def identity() -> str:
        from distributed.core import rpc

        async with rpc(address, timeout=timeout) as server:
            reply = await server.identity()
        return str(reply.get("type")) if isinstance(reply, dict) else repr(reply)

    def ask() -> None:
        try:
            outcome.append(
                asyncio.run(asyncio.wait_for(identity(), timeout + _ANSWER_GRACE_SECONDS))
            )
        except BaseException as err:  # handed to the caller's thread
            outcome.append(err)

    asker = threading.Thread(target=ask, name="dask-scheduler-check", daemon=True)
    asker.start()
    asker.join(timeout + 2 * _ANSWER_GRACE_SECONDS)  # the event loop's own deadline comes first
    if not outcome or isinstance(outcome[0], TimeoutError):
        waited = f"{timeout + _ANSWER_GRACE_SECONDS:g} s"
        reason = f"something accepted the connection but gave no Dask reply within {waited}"
        raise SchedulerUnreachable(address, field, reason)
    answer = outcome[0]
    if isinstance(answer, OSError):  # refused, timed out, closed by the other side
        raise SchedulerUnreachable(address, field, str(answer) or type(answer).__name__) from answer
    if isinstance(answer, Exception):  # a reply Dask cannot read: not a Dask server
        reason = f"the reply is not Dask's: {type(answer).__name__}: {answer}"
        raise SchedulerUnreachable(address, field, reason) from answer
    if isinstance(answer, BaseException):
        raise answer
    if answer != "Scheduler":
        raise SchedulerUnreachable(
            address, field, f"a Dask {answer} answers there, not a scheduler"
        )


class DaskExecutor:
    """A Dask cluster behind the same interface (tasks are not pure: each is its own run)."""

    def __init__(self, address: str, field: str = "--scheduler") -> None:
        from distributed import Client

        check_scheduler(address, field)
        try:
            self.client = Client(address)
        except OSError as err:  # refused or timed out (Dask's connect timeout, 30 s)
            raise SchedulerUnreachable(address, field, str(err)) from err
        self._executor = self.client.get_executor(pure=False)
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise_deferred()
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)
        finally:
            self.client.close()

    def terminate(self) -> None:
        """Cancel our tasks on the cluster (running ones finish there) and disconnect."""
        self.shutdown(wait=False)


# -- lazy, bounded, ordered -------------------------------------------------------------------


def map_ordered[T, R](
    executor: TaskExecutor,
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    window: int | None = None,
    on_done: Callable[[R], None] | None = None,
) -> Iterator[R]:
    """``fn(item)`` for each of ``items``, run on ``executor`` and yielded in the items' order.

    Like `Executor.map`, but lazy and bounded: items are drawn and submitted only while fewer
    than ``window`` (default: three per worker) are unconsumed, i.e. running, queued, or done
    and waiting for an earlier one (the reorder buffer). So ``items`` may be endless and the
    memory held does not grow with their number. ``on_done(result)`` is called here as each
    task finishes, in any order (for progress). A task's exception is raised as soon as it is
    seen; closing the iterator cancels the tasks not started yet.
    """
    window = window or 3 * executor.workers
    items = iter(items)
    pending: deque[Future[R]] = deque()  # in submission order
    unreported: set[Future[R]] = set()  # not yet seen finished
    try:
        while True:
            for item in itertools.islice(items, window - len(pending)):
                future = executor.submit(fn, item)
                pending.append(future)
                unreported.add(future)
            if not pending:
                return
            if unreported:
                done, _ = wait(unreported, return_when=FIRST_COMPLETED)
                for future in done:
                    unreported.discard(future)
                    result = future.result()  # raises the task's error
                    if on_done is not None:
                        on_done(result)
            while pending and pending[0] not in unreported:
                yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


# -- choosing one ------------------------------------------------------------------------------


def _dask_address(scheduler: str | None) -> str | None:
    return scheduler or os.environ.get(DASK_ADDRESS_VARIABLE) or None


@contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[TaskExecutor]:
    """An executor for ``workers`` local processes, or for the Dask cluster at ``scheduler``
    (default: the ``DASK_SCHEDULER_ADDRESS`` variable, when set).

    Leaving the block normally waits for submitted work; leaving it by an exception (an
    interrupt included) terminates the work at once.
    """
    executor: TaskExecutor
    address = _dask_address(scheduler)
    if address is not None:
        executor = DaskExecutor(
            address, "--scheduler" if scheduler else f"${DASK_ADDRESS_VARIABLE}"
        )
    elif workers <= 1:
        executor = SerialExecutor()
    else:
        executor = LocalPool(workers)
    with fork_warning_filtered():
        try:
            yield executor
            executor.shutdown(wait=True)
        except BaseException:
            executor.terminate()
            raise


# -- the parent's side of stopping -------------------------------------------------------------


class Interrupted(BaseException):  # like KeyboardInterrupt: not caught as an Exception
    """The process was asked to stop by a signal; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


# Packages (or modules and their submodules) in which a signal is not raised where it lands but
# at the next task submitted (`raise_deferred`): an SQLite statement interrupted under SQLAlchemy
# leaves the database locked, and pyabc's cleanup (`History.done`, in a ``finally``) then waited
# on that lock for ever; interrupted in pyabc's own loop that builds a generation's rows
# (`pyabc.storage`), that cleanup committed the rows built so far: part of a generation, which
# ``--resume`` took for a saved one.
DEFER_IN = frozenset({"sqlalchemy", "sqlite3", "pyabc.storage"})
_deferred: list[int] = []  # a signal received and not raised yet


def defer(signum: int) -> None:
    """Keep `signum` to be raised at the next task (`raise_deferred`), in place of any signal
    kept before: the command line's start-up hook calls this for a signal swallowed where it
    landed."""
    _deferred[:] = [signum]


def raise_deferred() -> None:
    """Raise the `Interrupted` of a signal that could not be raised where it landed (every
    executor's ``submit`` calls this first, and so does a fit after each generation)."""
    if _deferred:
        raise Interrupted(_deferred.pop())


def _inside(frame: FrameType | None, packages: frozenset[str]) -> bool:
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if any(name == p or name.startswith(p + ".") for p in packages):
            return True
        frame = frame.f_back
    return False


_EXIT_MESSAGE_SECONDS = 2.0  # the most a second signal waits for the command's message
_STOP_WATCHING = 0  # no signal's number: the byte that stops a watcher
_watchers: set[threading.Thread] = set()  # `raise_on_signals`' threads, running now


def _forget_watchers() -> None:
    """In a child forked while a watcher runs: its signals are its own, not to be written to the
    parent's watcher (which would count one Ctrl-C to the group twice), and the thread is not
    here. Run at once after the fork, before the child's own code (a pool's initializer)."""
    if _watchers:
        _watchers.clear()
        with suppress(ValueError):  # forked from another thread than the main one
            signal.set_wakeup_fd(-1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_watchers)


def _exit_at_once(first: int, again: int, message: Callable[[int], str] | None) -> None:
    """A second signal: say what is kept (``message(first)``, computed in a thread of its own and
    given up after `_EXIT_MESSAGE_SECONDS`: it may need a lock this process holds) and exit
    now with 128 + the first signal's number, with no cleanup: the command's files are written
    atomically and SQLite rolls back a transaction left open, so what was saved stays whole."""
    lines = [f"interrupted by {signal.Signals(again).name} again: stopped at once"]
    if message is not None:
        said: list[str] = []

        def compute() -> None:
            with suppress(BaseException):  # the exit below must happen
                said.append(message(first))

        helper = threading.Thread(target=compute, name="exit-message", daemon=True)
        helper.start()
        helper.join(_EXIT_MESSAGE_SECONDS)
        lines += said[:1]
    text = "".join(f"error: {line}\n" for part in lines for line in part.splitlines())
    try:
        os.write(2, text.encode("utf-8", "replace"))  # not sys.stderr: its lock may be held
    finally:
        os._exit(128 + first)


@contextmanager
def raise_on_signals(
    signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM),
    *,
    exit_message: Callable[[int], str] | None = None,
) -> Iterator[list[int]]:
    """Turn ``signums`` into `Interrupted` in this (the main) thread while the block runs;
    yield the list of signals received (to tell an interrupt from its side effects, e.g.
    workers killed by the same Ctrl-C).

    The first signal raises, so that ``finally`` blocks and context managers clean up (the pool
    is killed, locks released). A second one exits at once (`_exit_at_once`), with
    ``exit_message(first signal)`` on stderr (what is kept, and how to go on), whatever the main
    thread is doing: Python runs a signal handler only between bytecodes, so a main thread
    waiting in C (SQLite waiting up to 120 s for a lock another process holds, pyabc's
    timeout) ran neither signal's handler until the wait ended. A thread watches the signals
    as they arrive instead (`signal.set_wakeup_fd`: the C handler writes each signal's number
    to a socket) and exits on the second one.

    Two places cannot take the exception, and there it waits for the next task submitted
    (`raise_deferred`): inside `DEFER_IN` (above), and a finalizer (a weakref callback, a
    ``__del__``), where Python only prints an exception ("Exception ignored in ...") and goes
    on, so that a fit ran on for minutes.
    """
    received: list[int] = []
    previous_hook = sys.unraisablehook
    outer_deferred = _deferred[:]  # an enclosing block's, raised after this block if not here
    exiting = threading.Lock()  # taken by whichever of the handler and the watcher exits

    def exit_now(first: int, again: int) -> None:
        if exiting.acquire(blocking=False):
            _exit_at_once(first, again, exit_message)
        while True:  # the other one is exiting
            time.sleep(1)

    def handler(signum: int, frame: FrameType | None) -> None:
        if received:
            exit_now(received[0], signum)
        received.append(signum)
        if _inside(frame, DEFER_IN):
            _deferred.append(signum)
            return
        raise Interrupted(signum)

    def unraisable(args: Any) -> None:
        if isinstance(args.exc_value, Interrupted) and received:
            _deferred[:] = [args.exc_value.signum]  # lost: raised at the next task instead
        else:
            previous_hook(args)

    reader, writer = socket.socketpair()
    writer.setblocking(False)

    def watch() -> None:
        """Count the signals as they arrive, not as their handler runs (it may not yet have,
        and it runs once for two signals that arrive before it does): exit on the second."""
        seen: list[int] = []
        while True:
            for signum in reader.recv(64):
                if signum == _STOP_WATCHING:
                    return
                if signum in signums:
                    if seen:
                        exit_now(seen[0], signum)
                    seen.append(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signums}
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="second-signal", daemon=True)
    _watchers.add(watcher)
    watcher.start()
    sys.unraisablehook = unraisable
    try:
        yield received
    finally:
        _deferred[:] = outer_deferred
        sys.unraisablehook = previous_hook
        signal.set_wakeup_fd(previous_fd)
        for signum, action in previous.items():
            signal.signal(signum, action)
        writer.send(bytes([_STOP_WATCHING]))  # not its close: forked workers hold copies
        watcher.join()
        _watchers.discard(watcher)
        writer.close()
        reader.close()
