"""An exclusive lock on an output folder for the whole of a run.

The lock is an ``fcntl.flock`` on a lock file beside the folder (``.NAME.lock``), which says
who holds it. The kernel releases a flock when its holder dies, however it dies (SIGKILL
included), so a lock file left behind never blocks anyone. Forked workers do not keep the lock
alive: their copy of the descriptor is closed as they start.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LockedError", "hold_lock", "lock_path"]

_held: set[int] = set()  # descriptors of the locks this process holds


def _close_in_child() -> None:
    # Closing (not unlocking) drops the child's reference; the parent keeps its lock.
    for fd in _held:
        os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class LockedError(Exception):
    """Another process holds the lock; ``holder`` says who (as it wrote it)."""

    def __init__(self, target: Path, holder: str) -> None:
        self.target = target
        self.holder = holder
        super().__init__(f"{target} is in use by another run ({holder or 'holder unknown'})")


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def _describe_holder() -> str:
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    command = " ".join(sys.argv)
    return f"pid {os.getpid()} on {socket.gethostname()}, since {started}: {command}"


def _acquire(target: Path) -> int:
    """Lock the lock file of ``target`` (created if missing) and return its descriptor."""
    path = lock_path(target)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockedError(target, holder) from None
            raise
        # A holder that just finished removes the file: keep our lock only if it is on the file
        # that is at the path now, else two runs could each lock a different file.
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def hold_lock(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock on ``target`` (a folder that need not exist; its parent must) while the
    block runs; raise `LockedError` at once if another process holds it."""
    target = Path(target)
    path = lock_path(target)
    fd = _acquire(target)
    _held.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_describe_holder() + "\n").encode(), 0)
        yield path
    finally:
        path.unlink(missing_ok=True)  # before unlocking: see the inode check in `_acquire`
        _held.discard(fd)
        os.close(fd)
