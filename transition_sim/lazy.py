"""Imports deferred to first use, so that a command does not pay for modules it never touches
(the command line's start-up, issue 15).

- `lazy_getattr`: a package's names imported on first use (PEP 562), so that importing a light
  submodule does not pull in its heavy siblings;
- `defer`: other packages' modules, not imported yet, made to load on their first attribute
  access; `defer_for_run`: those a run of the model never uses (`MESA_UNUSED`, `NUMPY_UNUSED`,
  `STDLIB_UNUSED`, `OPEN_UNUSED`, pandas);
- `importing`: a block of imports without the cyclic garbage collector;
- `frames_without_source`: a block in which `inspect`'s stack functions read no source.
"""

from __future__ import annotations

import _thread
import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

__all__ = [
    "MESA_UNUSED",
    "NUMPY_UNUSED",
    "OPEN_UNUSED",
    "OPEN_USED",
    "STDLIB_UNUSED",
    "Deferred",
    "defer",
    "defer_for_run",
    "frames_without_source",
    "importing",
    "lazy_getattr",
]

# ``import mesa`` imports these, and with them scipy.spatial (KDTree, cdist) and networkx: a
# third of its time. The model uses only mesa.Model and mesa.Agent (mesa.model, mesa.agent).
MESA_UNUSED = ("mesa.discrete_space", "mesa.space", "mesa.experimental.continuous_space")
# numba's first compilation (or cache load) checks for BLAS by importing scipy.linalg, whose
# array-API layer looks up every attribute of numpy (scipy._external.array_api_compat.numpy),
# which imports these two (and charset_normalizer, unittest, ...): a third of that import.
NUMPY_UNUSED = ("numpy.f2py", "numpy.testing")
# Mesa imports its batch runner, which imports tqdm.auto, which imports asyncio (for tqdm's
# asynchronous bar, whose methods alone use it) and with it ssl: 0.02-0.03 s a run never uses.
STDLIB_UNUSED = ("asyncio",)
# That check is ``import scipy.linalg.cython_blas`` (numba.np.arraymath, at its first load): a
# module that needs nothing of its package, whose ``__init__`` (all of scipy.linalg, and
# scipy's array-API layer) costs 0.07-0.15 s. Deferred with its submodules open, the package
# runs only when something uses it (the kernels use no BLAS). Only that module is imported
# without it (`OPEN_USED`, at once: every run's numba imports it); the package is closed again
# after, since its other submodules need it (``import scipy.linalg.blas`` with the package open
# failed: blas imports the package, whose ``__init__`` imports the half-run blas).
OPEN_UNUSED = ("scipy.linalg",)
OPEN_USED = ("scipy.linalg.cython_blas",)


def lazy_getattr(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> the submodule that defines it."""

    def __getattr__(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
        vars(importlib.import_module(package))[name] = value  # looked up once
        return value

    return __getattr__


class Deferred(types.ModuleType):
    """A module whose code runs at the first access to an attribute it does not have yet.

    Until then it holds only what the import system sets (``__name__``, ``__spec__``,
    ``__file__``, ...), so that ``import name`` and ``from parent import name`` bind it without
    running it. The standard library's `importlib.util.LazyLoader` cannot be used here: its
    module loads at *any* attribute access, and the ``import`` statement itself reads
    ``__spec__`` (to see whether the module is still initializing), so the first ``import
    mesa.discrete_space`` in Mesa's own ``__init__`` would load it at once (CPython issue
    gh-127036, closed without a change: Python 3.15's ``lazy import`` statement answers it).

    A package's ``__path__`` is held back too: importing one of its submodules needs it, and so
    runs the package first, as a normal import would; unless it was deferred with its
    submodules open (`defer`'s ``open_submodules``): then they are imported without it.
    """

    def __getattr__(self, attr: str) -> Any:
        spec = self.__spec__
        parent = spec.name.rpartition(".")[0]
        if parent:
            importlib.import_module(parent)  # first, as an import would (it may use this one)
        if type(self) is Deferred:
            self.__class__ = types.ModuleType  # from now on an ordinary module
            if spec.submodule_search_locations is not None:
                self.__path__ = spec.submodule_search_locations
            before = set(sys.modules) if attr == "__path__" else None
            try:
                spec.loader.exec_module(self)  # type: ignore[union-attr]
                if before is not None:  # an import of a submodule: see `_AlreadyLoaded`
                    _AlreadyLoaded.names.update(set(sys.modules) - before)
            except BaseException:
                # As a failed import leaves it: not imported, and not bound to its package
                # (else ``from parent import name`` would take this half-run module, not retry).
                sys.modules.pop(spec.name, None)
                package, child = sys.modules.get(parent), spec.name.rpartition(".")[2]
                if package is not None and vars(package).get(child) is self:
                    delattr(package, child)
                raise
        return getattr(self, attr)


class _AlreadyLoaded(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The import of a submodule of a deferred package runs the package when it reads its
    ``__path__``, after the import system's last look in sys.modules: if the package's
    ``__init__`` imported the submodule, it would then run the submodule again, into a second
    module (a second copy of every class: ``mesa.discrete_space.grid.OrthogonalMooreGrid is not
    mesa.discrete_space.OrthogonalMooreGrid``). For those names (`names`, once each), this
    finder, first on the meta path, hands the import system the module already loaded."""

    names: ClassVar[set[str]] = set()

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        module = sys.modules.get(name)
        if name not in self.names or module is None or target is not None:  # (a reload)
            return None
        self.names.discard(name)
        origin = getattr(module, "__file__", None)
        return importlib.machinery.ModuleSpec(name, _AlreadyLoaded(), origin=origin)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = sys.modules[spec.name]
        self._spec = module.__spec__  # the import system sets ``__spec__`` to this one's
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = self._spec  # run already: only its own spec put back


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """Where ``name`` would be found, without importing its parent packages (which
    `importlib.util.find_spec` does)."""
    top, *rest = name.split(".")
    spec = sys.modules[top].__spec__ if top in sys.modules else importlib.util.find_spec(top)
    for i in range(len(rest)):
        if spec is None or spec.submodule_search_locations is None:
            return None
        path = list(spec.submodule_search_locations)
        spec = importlib.machinery.PathFinder.find_spec(".".join([top, *rest[: i + 1]]), path)
    return spec


def defer(names: Iterable[str], *, open_submodules: bool = False) -> list[str]:
    """Make each module of ``names`` load at its first use (see `Deferred`); the names deferred.
    With ``open_submodules``, a package's submodules can be imported without running it (for
    a package whose submodules do not need it, which Python's own import does not allow); its
    parents are imported first, so that they still run before its submodules.

    A submodule is bound as its package's attribute, as the import system does when it loads
    one: here if the package is imported already; else by the package's own import, so that
    case is only for a module that its package imports itself (``import pkg.mod as mod`` or
    ``from pkg import mod`` in its ``__init__``). A module that is imported already, or that
    cannot be found, is left alone: it loads as usual."""
    if not any(isinstance(finder, _AlreadyLoaded) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AlreadyLoaded())
    deferred = []
    for name in names:
        parent, _, child = name.rpartition(".")
        if open_submodules and parent:
            importlib.import_module(parent)
        if name in sys.modules or isinstance(sys.modules.get(parent), Deferred):
            continue
        spec = _spec(name)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            continue
        module = importlib.util.module_from_spec(spec)
        if not open_submodules:
            vars(module).pop("__path__", None)
        module.__class__ = Deferred
        sys.modules[name] = module
        if parent in sys.modules:
            setattr(sys.modules[parent], child, module)
        deferred.append(name)
    return deferred


@contextmanager
def importing() -> Iterator[None]:
    """A block of imports run without the cyclic garbage collector, whose objects are then
    moved to its permanent generation (`gc.freeze`).

    A command's imports create a few hundred thousand objects that live until it exits and
    hold almost no garbage; the collector, triggered every 700 allocations, scanned them over
    and over (a sixth of ``run -n 1``'s CPU time). Frozen, they are never scanned again; the
    collector runs as usual after the block, on what the command creates next. One collection
    before the imports (cheap: only the command line's own objects exist then; after them it
    cost a fifteenth of ``run -n 1``), so that garbage a caller left (the command called
    in-process, as tests and scripts do) is freed, not frozen for good."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _outer_frames(frame: types.FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
    """`inspect.getouterframes` without the source: each frame, its file, line and function."""
    frames = []
    while frame is not None:
        code = frame.f_code
        info = (frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        frames.append(inspect.FrameInfo(*info))
        frame = frame.f_back
    return frames


def _stack(context: int = 1) -> list[inspect.FrameInfo]:
    """`inspect.stack` without the source (see `_outer_frames`)."""
    return _outer_frames(sys._getframe(1))


def _getmodule(obj: object, _filename: str | None = None) -> types.ModuleType | None:
    """`inspect.getmodule`, a frame's module taken from its globals first."""
    if isinstance(obj, types.FrameType):
        module = sys.modules.get(obj.f_globals.get("__name__", ""))
        if module is not None:
            return module
    return _inspect_getmodule(obj, _filename)


_inspect_getmodule = inspect.getmodule
# `frames_without_source`'s blocks open (in any thread) and inspect's functions before the first:
# the last block to close, not each, puts them back. Threads that each ran `run` in one process
# otherwise left them replaced for good: a block that opened inside another saved the
# replacements and restored them after the outer one had put inspect's own back.
_blocks_lock = _thread.allocate_lock()
_blocks: list[tuple[Any, ...]] = []


@contextmanager
def frames_without_source() -> Iterator[None]:
    """A block in which `inspect.stack` and `inspect.getouterframes` give each frame's file,
    line and function but no source context (``code_context`` None), and `inspect.getmodule`
    finds a frame's module by the name in its globals.

    Mesa's module logger looks up its caller's module and class name with them when
    ``mesa.model`` is imported: for that, the first two read the source file of every frame on
    the stack (the command line's, the import system's), and each of the three searches every
    module loaded so far for the file of a frame (0.04-0.05 s of ``run``'s start-up, for a
    module's name and a function's). Mesa uses only the frame, its function's name and its
    module, which are the same here. The functions are module attributes, shared by every
    thread: blocks may overlap or nest, and inspect's own are back once all have closed."""
    with _blocks_lock:
        own = _blocks[0] if _blocks else (inspect.stack, inspect.getouterframes, inspect.getmodule)
        _blocks.append(own)
        inspect.stack, inspect.getouterframes = _stack, _outer_frames  # type: ignore[assignment]
        inspect.getmodule = _getmodule
    try:
        yield
    finally:
        with _blocks_lock:
            own = _blocks.pop()
            if not _blocks:
                inspect.stack, inspect.getouterframes = own[:2]  # type: ignore[assignment]
                inspect.getmodule = own[2]


def defer_for_run() -> list[str]:
    """Defer what running the model imports and never uses (`MESA_UNUSED`, `NUMPY_UNUSED`,
    `STDLIB_UNUSED`, `OPEN_UNUSED`, pandas); the names deferred. Call it before importing Mesa.

    Mesa, pyarrow and the model import pandas and use it only for DataFrames, which `run`
    (without ``--out``'s report) never builds."""
    import numpy  # noqa: F401  NUMPY_UNUSED is bound to it, as the import system would

    deferred = defer([*MESA_UNUSED, *NUMPY_UNUSED, *STDLIB_UNUSED, "pandas"])
    opened = defer(OPEN_UNUSED, open_submodules=True)
    for name in OPEN_USED:
        importlib.import_module(name)
    for name in opened:  # closed: a submodule imported from now on runs the package first
        vars(sys.modules[name]).pop("__path__", None)
    return deferred + opened
