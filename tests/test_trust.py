"""Trust (issue 14): specs cannot run foreign code unless asked, resumes and reports detect
tampering and model changes, and folders are used as given or refused before any work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_files import write
from typer.testing import CliRunner

from transition_sim.cli import app

TESTS = Path(__file__).resolve().parent
cli = CliRunner()

# Runs the CLI in a fresh interpreter and says which of the named modules got imported.
PROBE = """
import json, sys
from transition_sim.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "imported": [m for m in ("venv", "venv.__main__", "this")
                                             if m in sys.modules]}))
"""


def foreign_spec(tmp_path: Path, model: str) -> Path:
    return write(
        tmp_path / "foreign.yaml",
        f"""
        name: foreign
        model: "{model}"
        design: grid
        replications: 1
        seed: 1
        parameters:
          - {{path: x, values: [0.0]}}
        """,
    )


@pytest.mark.parametrize("model", ["venv.__main__:main", "this:s"])
def test_a_spec_naming_foreign_code_is_refused_before_any_import(
    tmp_path: Path, model: str
) -> None:
    spec = foreign_spec(tmp_path, model)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "sweep", str(spec), "--out", str(work / "out")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *printed, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    assert report == {"code": 2, "imported": []}, (done.stdout, done.stderr)
    assert printed == []  # `this` prints the Zen of Python on import
    assert list(work.iterdir()) == []  # venv's main builds a virtualenv in the working folder
    assert f"{spec}:2: model:" in done.stderr
    assert "--allow-code" in done.stderr


def test_allow_code_runs_a_function_outside_the_registry(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "toy.yaml",
        """
        name: toy
        model: sweep_functions:toy
        design: grid
        replications: 2
        seed: 1
        parameters:
          - {path: x, values: [0.0, 2.0]}
        """,
    )
    out = tmp_path / "out"
    refused = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1"])
    assert refused.exit_code == 2, refused.output
    assert not out.exists()
    ran = cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1", "--allow-code"])
    assert ran.exit_code == 0, ran.output


def test_registered_models_and_the_package_own_functions_need_no_flag(tmp_path: Path) -> None:
    for i, model in enumerate(["ishigami", "transition_sim.studies.models:ishigami"]):
        spec = write(
            tmp_path / f"ishigami{i}.yaml",
            f"""
            name: ishigami
            model: {model}
            design: grid
            replications: 1
            seed: 1
            parameters:
              - {{path: x1, values: [0.0, 1.0]}}
            """,
        )
        result = cli.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / f"o{i}"), "-w", "1"])
        assert result.exit_code == 0, result.output


def test_resume_rechecks_the_stored_spec_model(tmp_path: Path) -> None:
    """A folder whose stored spec names foreign code is not imported on --resume."""
    spec = write(
        tmp_path / "ishigami.yaml",
        """
        name: ishigami
        model: ishigami
        design: grid
        replications: 1
        seed: 1
        parameters:
          - {path: x1, values: [0.0, 1.0]}
        """,
    )
    out = tmp_path / "out"
    assert cli.invoke(app, ["sweep", str(spec), "--out", str(out), "-w", "1"]).exit_code == 0
    stored = out / "spec.yaml"
    stored.write_text(
        stored.read_text(encoding="utf-8")
        .replace("model: ishigami", "model: this:s")
        .replace("model: transition_sim.studies.models:ishigami", "model: this:s"),
        encoding="utf-8",
    )
    assert "this:s" in stored.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "sweep", str(spec), "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 2, "imported": []}, (done.stdout, done.stderr)
    assert "--allow-code" in done.stderr
