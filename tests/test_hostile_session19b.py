"""Hostile tests of session 19's start-up work (issue 15): what `run`'s start-up changes must
leave as it was after the command, whatever the caller."""

from __future__ import annotations

import inspect
import threading

import pytest

from transition_sim.lazy import frames_without_source


def test_overlapping_blocks_from_two_threads_leave_inspect_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two threads each running `run` in one process: the second block opens inside the first
    # and closes after it. inspect's own functions must be back once both have closed.
    own = inspect.stack, inspect.getouterframes, inspect.getmodule
    for name, function in zip(("stack", "getouterframes", "getmodule"), own, strict=True):
        monkeypatch.setattr(inspect, name, function)  # put back after the test, whatever happens
    opened, first_closed = threading.Event(), threading.Event()

    def second() -> None:
        with frames_without_source():
            opened.set()
            first_closed.wait(10)

    thread = threading.Thread(target=second)
    with frames_without_source():
        thread.start()
        assert opened.wait(10)
    inside = inspect.stack()[0].code_context  # the second block is still open
    first_closed.set()
    thread.join(10)
    assert inside is None
    assert (inspect.stack, inspect.getouterframes, inspect.getmodule) == own
    assert inspect.stack()[0].code_context is not None
