"""Start-up: modules deferred to their first use (`transition_sim.lazy.defer`) and imports run
with the collector paused (`importing`); ``run`` leaves the parts of Mesa it never uses (and
with them scipy.spatial and networkx), pandas, asyncio (tqdm's), scipy.linalg (its
cython_blas only, numba's check) and the other commands' modules unloaded, and they still work
when something uses them; the collector does not scan what the command line and numba's first
cache load make; Mesa's import reads no source files."""

from __future__ import annotations

import gc
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from transition_sim.lazy import defer, frames_without_source, importing

ROOT = Path(__file__).resolve().parents[1]
# A baseline naming a posterior, run as typed: the crowd of agents (since session 26 the shipped
# baseline is blocks and names none; the fit across the library was made with agents).
BASELINE = ROOT / "tests" / "agents_baseline.yaml"
UNUSED = (
    *("mesa.discrete_space", "mesa.space", "scipy.spatial", "networkx", "numpy.f2py"),
    *("pandas", "scipy.linalg", "asyncio", "transition_sim.cli.studies", "transition_sim.cli.fit"),
)

# The command in a child process; then what of UNUSED is loaded (a `Deferred` one is not), and
# whether a deferred part of Mesa still works when used.
RUN = """
import gc, json, linecache, sys
from transition_sim.cli import app
unfrozen, frozen = len(gc.get_objects()), gc.get_freeze_count()
in_registries = []
def collection(phase, info):
    frame = sys._getframe(1)
    while phase == "start" and frame is not None:
        if frame.f_code.co_name == "load_additional_registries":  # numba's first cache load
            in_registries.append(info["generation"])
            break
        frame = frame.f_back
gc.callbacks.append(collection)
import os
reads = []
def opened(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].endswith(".yaml"):
        reads.append(os.path.realpath(args[0]))
sys.addaudithook(opened)
import transition_sim.scenario.posterior as posterior
checks = []
def counted(*args, check=posterior.column_problems):
    checks.append(1)
    return check(*args)
posterior.column_problems = counted
from transition_sim.lazy import Deferred
try:
    app(sys.argv[1:], prog_name="transition-sim")
except SystemExit as exit:
    assert not exit.code, exit.code
loaded = [m for m in {unused!r} if m in sys.modules and not isinstance(sys.modules[m], Deferred)]
import mesa.mesa_logging
source_read = sorted(linecache.cache)
import inspect
scanned = len(inspect.modulesbyfile)  # inspect.getmodule's record of a search of sys.modules
seen = {{"unfrozen": unfrozen, "frozen": frozen, "in_registries": in_registries}}
seen |= {{"scenario_reads": reads.count(os.path.realpath(sys.argv[2])), "checks": len(checks)}}
seen |= {{"source_read": source_read, "loggers": sorted(mesa.mesa_logging._module_loggers)}}
seen |= {{"scanned": scanned}}
import mesa
import numpy
grid = mesa.discrete_space.OrthogonalMooreGrid((3, 3), random=None)
numpy.testing.assert_equal(1, 1)
import asyncio, pandas, scipy.linalg
assert scipy.linalg.norm(numpy.ones(4)) == 2
assert asyncio.run(asyncio.sleep(0, result=3)) == 3
seen |= {{"loaded": loaded, "cells": len(grid.all_cells), "mesa": str(mesa.Model)}}
print(json.dumps(seen | {{"rows": len(pandas.DataFrame({{"a": [1, 2]}}))}}))
"""


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What the child process saw (`RUN`) around one ``run``."""
    code = RUN.format(unused=UNUSED)
    # as typed: parameters drawn from the scenario's posterior (read, drawn, summarized)
    args = ["run", str(BASELINE), "-n", "2", "-w", "1", "--json"]
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_run_leaves_what_it_does_not_use_unloaded(seen: dict[str, Any]) -> None:
    assert seen["loaded"] == []
    assert seen["cells"] == 9  # a deferred package, loaded by its first use, works (and numpy's)
    assert "mesa.model.Model" in seen["mesa"]
    assert seen["rows"] == 2  # and pandas, after the run


def test_the_command_lines_imports_are_frozen(seen: dict[str, Any]) -> None:
    # so that the full collection each command's imports start with has little to scan
    assert seen["unfrozen"] < seen["frozen"]


def test_numbas_first_cache_load_runs_without_the_collector(seen: dict[str, Any]) -> None:
    assert seen["in_registries"] == []


def test_importing_mesa_reads_no_source_and_names_its_logger_as_before(
    seen: dict[str, Any],
) -> None:
    # inspect's source context for every frame on the stack: Mesa's and the command line's
    # (numba reads the kernels' source only if it compiles them, on a cold cache)
    read = [f for f in seen["source_read"] if "/mesa/" in f or "/typer/" in f or "/cli/" in f]
    assert read == []
    assert seen["scanned"] == 0  # nor searches every module loaded for a frame's file
    assert "mesa.model" in seen["loggers"]  # the module Mesa's logger looks up on the stack


def test_run_as_typed_reads_the_baseline_once(seen: dict[str, Any]) -> None:
    # the registry's priors are checked against the baseline: the scenario run, here
    assert seen["scenario_reads"] == 1


def test_run_as_typed_checks_the_posteriors_particles_once(seen: dict[str, Any]) -> None:
    # the loader checks the scenario's from_posterior (the baseline's): the run does not again
    assert seen["checks"] == 1


def test_frames_without_source_gives_the_frames_and_is_undone() -> None:
    def caller() -> tuple[list[inspect.FrameInfo], list[inspect.FrameInfo]]:
        return inspect.stack(), inspect.getouterframes(inspect.currentframe())

    getmodule = inspect.getmodule
    with frames_without_source():
        stack, outer = caller()
        module = inspect.getmodule(stack[1].frame)
    assert module is sys.modules[__name__]
    assert inspect.getmodule is getmodule
    here = sys._getframe()
    for frames in (stack, outer):
        assert [f.function for f in frames[:2]] == ["caller", here.f_code.co_name]
        assert frames[1].frame is here
        assert frames[1].filename == __file__
        assert frames[0].code_context is None
    assert inspect.stack()[0].code_context is not None  # restored after the block


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package ``lazytest_pkg`` whose code records each time it runs (in ``sys.ran``): a
    parent that imports a child ``child``, and not ``solo`` (both packages with a module
    ``leaf``), and a module ``broken`` that fails once."""
    root = tmp_path / "lazytest_pkg"
    record = "import sys\nsys.ran = [*getattr(sys, 'ran', []), __name__]\n"
    (root / "__init__.py").parent.mkdir()
    (root / "__init__.py").write_text(record + "from lazytest_pkg import child\n")
    for sub in ("child", "solo"):
        (root / sub).mkdir()
        (root / sub / "__init__.py").write_text(record + "VALUE = 42\n")
        (root / sub / "leaf.py").write_text(record + "LEAF = 'leaf'\n")
    fail_once = "if not any(n.endswith('broken') for n in sys.ran[:-1]): raise ValueError('x')\n"
    (root / "broken.py").write_text(record + fail_once + "OK = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "ran", [], raising=False)
    yield "lazytest_pkg"
    for name in [m for m in sys.modules if m.split(".")[0] == "lazytest_pkg"]:
        del sys.modules[name]


def test_a_deferred_module_runs_at_its_first_attribute_only(package: str) -> None:
    assert defer([f"{package}.child"]) == [f"{package}.child"]
    import lazytest_pkg  # its own `from lazytest_pkg import child` binds the deferred child

    assert sys.ran == ["lazytest_pkg"]
    import lazytest_pkg.child  # an import statement does not load it either

    assert sys.ran == ["lazytest_pkg"]
    assert lazytest_pkg.child.VALUE == 42
    assert lazytest_pkg.child.VALUE == 42
    assert sys.ran == ["lazytest_pkg", "lazytest_pkg.child"]  # once
    assert type(lazytest_pkg.child) is type(sys)  # an ordinary module from then on


def test_a_deferred_package_runs_before_its_submodules(package: str) -> None:
    defer([f"{package}.child"])
    from lazytest_pkg.child import leaf

    assert sys.ran == ["lazytest_pkg", "lazytest_pkg.child", "lazytest_pkg.child.leaf"]
    assert leaf.LEAF == "leaf"


def test_a_package_deferred_with_open_submodules_runs_at_its_first_attribute(package: str) -> None:
    assert defer([f"{package}.solo"], open_submodules=True) == [f"{package}.solo"]
    assert sys.ran == ["lazytest_pkg", "lazytest_pkg.child"]  # its parent, imported at once
    import lazytest_pkg.solo.leaf  # as numba imports scipy.linalg.cython_blas

    ran = ["lazytest_pkg", "lazytest_pkg.child", "lazytest_pkg.solo.leaf"]
    assert sys.ran == ran
    leaf = sys.modules["lazytest_pkg.solo.leaf"]
    assert leaf.LEAF == "leaf"
    assert lazytest_pkg.solo.VALUE == 42
    assert lazytest_pkg.solo.leaf is leaf
    assert sys.ran == [*ran, "lazytest_pkg.solo"]


def test_a_deferred_module_that_fails_is_not_left_imported(package: str) -> None:
    defer([f"{package}.broken"])
    import lazytest_pkg.broken as broken

    with pytest.raises(ValueError):
        _ = broken.OK
    assert "lazytest_pkg.broken" not in sys.modules  # as after a failed import
    import lazytest_pkg.broken  # a new import runs it again, as usual

    assert lazytest_pkg.broken.OK


def test_what_is_imported_already_or_not_found_is_left_alone(package: str) -> None:
    import lazytest_pkg

    assert defer([f"{package}.child", f"{package}.nothing", "no_such_module_x"]) == []
    assert type(lazytest_pkg.child) is type(sys)


def test_importing_pauses_the_collector_then_freezes_what_it_made() -> None:
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    frozen = gc.get_freeze_count()
    try:
        with importing():
            cycles = [[] for _ in range(50_000)]
            for c in cycles:
                c.append(c)  # garbage the collector would look at, every 700 allocations
            assert not gc.isenabled()
            assert collections == [2]  # one full collection first (a caller's garbage), no more
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(cycles)
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()  # the rest of the test session collects as usual


def test_importing_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with importing():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
