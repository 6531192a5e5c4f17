"""Hatchling build hook: compile the project's own modules when it is installed editable.

`uv sync --compile-bytecode` compiles the installed libraries, but an editable install leaves
the project's modules in the source tree, where Python compiled them at the first command
(about 0.08 s of CPU once, and at every command in a shell with PYTHONDONTWRITEBYTECODE set).
Compiling them here, into the tree's usual ``__pycache__`` folders, makes the first command as
fast as a later one. Python checks each ``.pyc`` against its source's time and size, so an
edited module is compiled again as usual.
"""

from __future__ import annotations

import compileall
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "transition_sim"


def compile_package(root: Path) -> bool:
    """Compile every module under ``root / PACKAGE`` for this interpreter; True if all did."""
    return bool(compileall.compile_dir(root / PACKAGE, quiet=1, workers=1))


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            compile_package(Path(self.root))
