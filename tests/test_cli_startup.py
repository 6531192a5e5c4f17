"""The command line starts light: its help imports none of the heavy libraries (numpy, pandas,
pyarrow, mesa, numba), which the commands import when they run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "kazakhstan_2022.yaml"
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
