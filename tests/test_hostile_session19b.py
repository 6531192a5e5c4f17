"""Hostile tests of session 19's start-up work (issue 15): what `run`'s start-up changes must
leave as it was after the command, whatever the caller."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from transition_sim.lazy import frames_without_source

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"


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


# `run` as far as its imports, in a child: a bad scenario stops it right after them (exit 2);
# then the modules of the objects `importing` froze that were cyclic garbage.
FROZEN_GARBAGE = """
import gc, json, sys
from transition_sim.cli import app
try:
    app(["run", sys.argv[1], "-n", "1"], prog_name="transition-sim")
except SystemExit as exit:
    assert exit.code == 2, exit.code
import transition_sim.core.kernel as kernel
gc.collect()  # what was not frozen
gc.unfreeze()
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
modules = sorted({type(o).__module__ or "" for o in gc.garbage})
print(json.dumps({"modules": modules, "compiled": len(kernel.seed_stream.stats.cache_misses)}))
"""


def test_a_cold_numba_cache_does_not_freeze_the_compilers_garbage(tmp_path: Path) -> None:
    # `run` loads numba's first function (seed_stream) inside `importing`; from a cold cache
    # it compiles it there instead, and the compiler's cyclic garbage (some 8,000 objects:
    # numba's IR and type inference, llvmlite's IR) was frozen for the whole run.
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nno_such_field: 1\n", encoding="utf-8")
    env = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path / "numba")}  # empty: cold
    out = subprocess.run(
        [sys.executable, "-c", FROZEN_GARBAGE, str(bad)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    seen = json.loads(out.splitlines()[-1])
    assert seen["compiled"] == 1
    assert [m for m in seen["modules"] if m.startswith("numba.")] == []
