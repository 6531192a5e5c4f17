"""The output folder's lock: exclusive, says who holds it, gone with its holder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import IO

import pytest

from transition_sim.ensemble.lock import LockedError, hold_lock, lock_path


def test_a_second_holder_is_refused_at_once_and_told_who_holds_it(tmp_path: Path) -> None:
    target = tmp_path / "results"
    with hold_lock(target) as path:
        assert path == lock_path(target) and path.parent == tmp_path
        start = time.monotonic()
        with pytest.raises(LockedError) as info, hold_lock(target):
            pass
        assert time.monotonic() - start < 1
        assert f"pid {os.getpid()}" in info.value.holder
        assert str(target) in str(info.value)
    with hold_lock(target):  # released: free again
        pass
    assert not lock_path(target).exists()  # no lock file left behind after a clean release


_HOLDER = r"""
import os, sys, time
from transition_sim.ensemble.lock import hold_lock
with hold_lock(sys.argv[1]):
    child = os.fork() if sys.argv[2] == "fork" else -1  # a child that outlives us, like a worker
    if child == 0:
        # The fork hooks have run before this line (the child's copy of the lock is closed):
        # said, so that the test does not race the child's start on a loaded machine.
        os.write(1, f"started {os.getpid()}\n".encode())  # one write: print's pieces interleave
        time.sleep(60)
        os._exit(0)
    os.write(1, f"locked {child}\n".encode())
    time.sleep(60)
"""


def _said(stdout: IO[str], words: tuple[str, ...]) -> dict[str, int]:
    """The number after each of `words` in what the holder and its child print, in either
    order, read until all are there (each is one write: a CI run read 'startedlocked 17972\n
    17972\n' when both printed, print writing its pieces one by one)."""
    text = ""
    while not all(re.search(rf"\b{w} (-?\d+)\b", text) for w in words):
        line = stdout.readline()
        assert line, f"the holder ended before saying {words}: {text!r}"
        text += line
    return {w: int(re.search(rf"\b{w} (-?\d+)\b", text)[1]) for w in words}  # type: ignore[index]


@pytest.mark.parametrize("with_child", [False, True])
def test_the_lock_dies_with_its_holder_even_by_sigkill(tmp_path: Path, with_child: bool) -> None:
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent(_HOLDER))
    target = tmp_path / "results"
    mode = "fork" if with_child else "alone"
    holder = subprocess.Popen(
        [sys.executable, str(script), str(target), mode], stdout=subprocess.PIPE, text=True
    )
    child = -1
    try:
        assert holder.stdout is not None
        said = _said(holder.stdout, ("locked", "started") if with_child else ("locked",))
        child = said["locked"]  # and, with a child, it has "started" (in either order)
        assert not with_child or said["started"] == child
        with pytest.raises(LockedError), hold_lock(target):
            pass
        holder.kill()
        holder.wait(timeout=30)
        assert lock_path(target).exists()  # left behind, stale, harmless:
        with hold_lock(target):  # the forked child's copy of the descriptor holds nothing
            pass
    finally:
        holder.kill()
        if child > 0:
            os.kill(child, signal.SIGKILL)


def test_lock_needs_a_writable_place(tmp_path: Path) -> None:
    with pytest.raises(OSError), hold_lock(tmp_path / "missing-parent" / "results"):
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
@pytest.mark.filterwarnings("ignore:.*use of fork:DeprecationWarning")
def test_forked_children_do_not_inherit_the_descriptor(tmp_path: Path) -> None:
    with hold_lock(tmp_path / "results"):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: is any descriptor open on the lock file?
            os.close(read)
            names = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
            os.write(write, b"1" if str(lock_path(tmp_path / "results")) in names else b"0")
            os._exit(0)
        os.close(write)
        inherited = os.read(read, 1)
        os.waitpid(pid, 0)
        os.close(read)
    assert inherited == b"0"
