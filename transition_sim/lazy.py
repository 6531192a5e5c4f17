"""Names of a package imported on first use (PEP 562), so that importing a light submodule does
not pull in its heavy siblings (the command line's start-up, issue 15)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> the submodule that defines it."""

    def __getattr__(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{modules[name]}"), name)
        vars(importlib.import_module(package))[name] = value  # looked up once
        return value

    return __getattr__
