"""Hostile checks of session 16's changes (crowd.arrest_ratio, the kernel's move, calibrate's
--fix): what broke, kept as tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CALIBRATE = ROOT / "experiments" / "calibration" / "calibrate_kazakhstan.py"
DELIMITER = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")


def cells(line: str) -> int:
    """The cells of a Markdown table row (escaped pipes are text)."""
    return len(line.strip().replace("\\|", "").strip("|").split("|"))


def table_errors(path: Path) -> list[str]:
    """Tables of `path` whose delimiter row or body rows have another number of cells than the
    header (GitHub then does not render the table at all, or cuts the rows)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = []
    for i in range(len(lines) - 1):
        if not (lines[i].lstrip().startswith("|") and DELIMITER.match(lines[i + 1])):
            continue
        header = cells(lines[i])
        j = i + 1
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            if cells(lines[j]) != header:
                errors.append(f"{path.name}:{j + 1}: {cells(lines[j])} cells, header {header}")
            j += 1
    return errors


def test_every_markdown_table_has_as_many_cells_as_its_header() -> None:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert [e for path in docs for e in table_errors(path)] == []


@pytest.mark.parametrize(
    ("fix", "says"),
    [
        ("crowd.arrest_ratio=Exact", "crowd.arrest_ratio: input should be 'rounded' or 'exact'"),
        ("crowd.arrest_ration=exact", "crowd.arrest_ration: unknown key"),
        ("crowd.arrest_ratio", "--fix crowd.arrest_ratio: expected PATH=VALUE"),
        ("regions.Almaty.urban_population=1", "--fix regions.Almaty.urban_population: no such"),
    ],
)
def test_a_bad_calibration_fix_exits_2_without_a_traceback(tmp_path: Path, fix: str, says: str):
    """`calibrate_kazakhstan.py --fix` takes JSON or a bare string: a value the scenario
    refuses, a mistyped path or a missing '=' is a usage error (exit 2) naming it, before any
    point runs."""
    done = subprocess.run(
        [sys.executable, str(CALIBRATE), "--fix", fix, "--results", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert says in done.stderr
    assert not (tmp_path / "r").exists()
