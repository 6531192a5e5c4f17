"""Hostile tests of session 19's trust work on resumable results (resume19): each states a
behaviour that a bug found by a hostile tester broke."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from transition_sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
PEACEFUL = ROOT / "scenarios" / "kz_peaceful.yaml"
cli = CliRunner()


def one_point_sweep(folder: Path) -> Path:
    spec = folder / "spec.yaml"
    spec.write_text(
        f"name: t\nscenario: {BASELINE}\ndesign: grid\nreplications: 1\nseed: 1\n"
        "parameters:\n  - {path: crowd.arrest_constant, values: [2.3]}\n",
        encoding="utf-8",
    )
    return spec


@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_resume_onto_a_folder_holding_no_interrupted_run_is_refused(
    tmp_path: Path, command: str
) -> None:
    """`--resume` onto a mistyped --out (nothing there) exits 2 saying there is nothing to
    resume, and runs nothing; it started a fresh run with no warning."""
    out = tmp_path / "mistyped"
    args = {
        "run": ["run", str(BASELINE), "-n", "1", "-w", "1"],
        "sweep": ["sweep", str(one_point_sweep(tmp_path)), "-w", "1"],
        "compare": ["compare", str(BASELINE), str(PEACEFUL), "-n", "2"],
    }[command]
    result = cli.invoke(app, [*args, "--out", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{out}: --out: --resume: nothing to resume in {out}" in result.output
    assert not out.exists() or not any(out.iterdir())
