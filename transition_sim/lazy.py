"""Imports deferred to first use, so that a command does not pay for modules it never touches
(the command line's start-up, issue 15).

- `lazy_getattr`: a package's names imported on first use (PEP 562), so that importing a light
  submodule does not pull in its heavy siblings;
- `defer`: other packages' modules, not imported yet, made to load on their first attribute
  access (`MESA_UNUSED`: the parts of Mesa that ``import mesa`` loads and a run never uses).
"""

from __future__ import annotations

import gc
import importlib
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["MESA_UNUSED", "Deferred", "defer", "importing", "lazy_getattr"]

# ``import mesa`` imports these, and with them scipy.spatial (KDTree, cdist) and networkx: a
# third of its time. The model uses only mesa.Model and mesa.Agent (mesa.model, mesa.agent).
MESA_UNUSED = ("mesa.discrete_space", "mesa.space", "mesa.experimental.continuous_space")


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
    module loads at *any* attribute access, and on Python 3.12 the ``import`` statement itself
    reads ``__spec__`` (to see whether the module is still initializing), so the first
    ``import mesa.discrete_space`` in Mesa's own ``__init__`` would load it at once.

    A package's ``__path__`` is held back too: importing one of its submodules needs it, and so
    runs the package first, as a normal import would.
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
            try:
                spec.loader.exec_module(self)  # type: ignore[union-attr]
            except BaseException:
                sys.modules.pop(spec.name, None)  # as a failed import leaves it: not imported
                raise
        return getattr(self, attr)


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """Where ``name`` would be found, without importing its parent packages (which
    `importlib.util.find_spec` does)."""
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)
    for i in range(len(rest)):
        if spec is None or spec.submodule_search_locations is None:
            return None
        path = list(spec.submodule_search_locations)
        spec = importlib.machinery.PathFinder.find_spec(".".join([top, *rest[: i + 1]]), path)
    return spec


def defer(names: Iterable[str]) -> list[str]:
    """Make each module of ``names`` load at its first use (see `Deferred`); the names deferred.

    Only for a module that its parent package imports itself (``import pkg.mod as mod`` or
    ``from pkg import mod`` in the package's ``__init__``): that binds it as the package's
    attribute, which the import system would otherwise do when it loads the module. A module
    that cannot be found, or that is imported already, or one of whose packages is, is left
    alone: it loads as usual."""
    deferred = []
    for name in names:
        parts = name.split(".")
        if any(".".join(parts[:i]) in sys.modules for i in range(1, len(parts) + 1)):
            continue
        spec = _spec(name)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            continue
        module = importlib.util.module_from_spec(spec)
        vars(module).pop("__path__", None)
        module.__class__ = Deferred
        sys.modules[name] = module
        deferred.append(name)
    return deferred


@contextmanager
def importing() -> Iterator[None]:
    """A block of imports run without the cyclic garbage collector, whose objects are then
    moved to its permanent generation (`gc.freeze`).

    A command's imports create a few hundred thousand objects that live until it exits and
    hold almost no garbage; the collector, triggered every 700 allocations, scanned them over
    and over (a sixth of ``run -n 1``'s CPU time). Frozen, they are never scanned again; the
    collector runs as usual after the block, on what the command creates next."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
