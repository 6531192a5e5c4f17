"""The command line starts light: its help imports none of the heavy libraries (numpy, pandas,
pyarrow, mesa, numba), which the commands import when they run."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
HEAVY = ("numpy", "pandas", "pyarrow", "mesa", "numba")
CHILD = """
import json, sys
from transition_sim.cli import app
try:
    app(sys.argv[1:], prog_name="transition-sim")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


def imported_by(*args: str) -> list[str]:
    """The heavy modules in sys.modules after the command line handled ``args``."""
    code = CHILD.format(heavy=set(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["sweep", "--help"], ["backtest", "--help"]]
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    assert imported_by(*args) == []


def test_a_command_that_checks_a_scenario_still_imports_them() -> None:
    # the check above would pass vacuously if the child never saw the libraries
    assert "numpy" in imported_by("validate", str(BASELINE))


def test_the_lazy_commands_are_those_their_modules_register() -> None:
    """`LAZY_COMMANDS` names each module's commands, in order: a command added to a module
    but not to the table would be missing from the command line."""
    import importlib

    import typer

    from transition_sim.cli import LAZY_COMMANDS

    for module, names in LAZY_COMMANDS.items():
        commands = typer.Typer()
        importlib.import_module(f"transition_sim.cli.{module}").register(commands)
        registered = [info.name or info.callback.__name__ for info in commands.registered_commands]
        assert registered == list(names), module


def test_every_command_is_listed_in_order_and_resolves() -> None:
    import typer.main

    from transition_sim.cli import LAZY_COMMANDS, app

    group = typer.main.get_command(app)
    lazy = [name for names in LAZY_COMMANDS.values() for name in names]
    assert list(group.commands) == ["run", "validate", "schema", "claims", *lazy]  # --help's
    assert [group.commands[name].name for name in lazy] == lazy  # converted on first use


def test_uv_run_does_not_compile_the_environment_at_every_command() -> None:
    """uv applies `[tool.uv]`'s ``compile-bytecode`` to the sync every ``uv run`` does, and so
    compiles the whole environment again at every command (astral-sh/uv#12202: about 1 s of
    CPU on ``uv run transition-sim run ... -n 1``, which itself takes 0.9 s). The README's
    install compiles once instead (``uv sync --compile-bytecode``)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert not settings["tool"].get("uv", {}).get("compile-bytecode", False)


def test_an_editable_install_compiles_the_projects_modules(tmp_path: Path) -> None:
    """The first command after ``uv sync`` would otherwise compile the project's own modules
    (uv compiles only the libraries; an editable install leaves the project in its tree): the
    build hook (hatch_build.py) compiles them into the tree's ``__pycache__`` folders. Installed
    here from a copy of the tree, as uv installs a fresh clone, into a new environment."""
    import importlib.util
    import os
    import shutil

    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH (the README's commands run the tests through uv run)")
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "hatch_build.py", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "transition_sim", tree / "transition_sim", ignore=shutil.ignore_patterns("*.pyc")
    )
    modules = sorted((tree / "transition_sim").rglob("*.py"))
    assert not list((tree / "transition_sim").rglob("*.pyc"))
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [uv, "pip", "install", "-q", "--no-deps", "--python", python, "-e", str(tree)]
    subprocess.run(install, check=True)
    missing = [m for m in modules if not Path(importlib.util.cache_from_source(str(m))).exists()]
    assert not missing, f"not compiled at install: {missing[:5]}"
