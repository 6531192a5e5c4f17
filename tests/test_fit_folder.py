"""`transition-sim fit` in a folder that holds an earlier fit: refused (exit 2, the folder
untouched) unless ``--resume`` continues it or ``--force`` replaces it, as `run` refuses a
folder of results. Before this, the same command typed twice started over silently, and an
interrupted fit's finished generations (hours of a library fit) were deleted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_fit_resume import interrupted, uninterrupted  # noqa: F401 (fixtures)
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.studies.fit import DATABASE, RECORD

cli = CliRunner()


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def fit(spec: Path, out: Path, *more: str) -> tuple[int, dict]:
    result = cli.invoke(app, ["fit", str(spec), "--out", str(out), "-w", "1", *more, "--json"])
    return result.exit_code, json.loads(result.stdout)  # --json: only JSON on stdout


def test_an_interrupted_fit_is_not_started_over_by_the_same_command(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    interrupted: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The command that was interrupted, typed again without --resume, is refused and names
    both ways on, with the generations kept; the folder is byte for byte what it was."""
    spec, _ = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(interrupted, out)
    before = files(out)
    code, answer = fit(spec, out)
    assert code == 2, answer
    error = answer["error"]
    assert (error["field"], error["file"]) == ("--out", str(out))
    assert "interrupted fit (1 generation finished)" in error["message"]
    assert "--resume" in error["message"] and "--force" in error["message"]
    assert files(out) == before


def test_force_starts_an_interrupted_fit_over_and_resume_continues_it(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    interrupted: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """--force starts over: the record is a new one, and the fit finishes; --resume (on a
    second copy) continues from generation 1; both give the uninterrupted fit's posterior."""
    from test_fit_resume import assert_same_fit

    spec, whole = uninterrupted
    for option in ("--force", "--resume"):
        out = tmp_path / option.strip("-")
        shutil.copytree(interrupted, out)
        code, answer = fit(spec, out, option)
        assert code == 0, answer
        assert answer["generations"] == 3
        assert_same_fit(whole, out)


def test_a_finished_fit_is_replaced_only_with_force(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    spec, whole = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(whole, out)
    before = files(out)
    code, answer = fit(spec, out)
    assert code == 2, answer
    assert "holds a finished fit" in answer["error"]["message"]
    assert "--force" in answer["error"]["message"]
    assert files(out) == before


@pytest.mark.parametrize("damage", ["record unreadable", "database only"])
def test_an_earlier_fit_of_unknown_progress_is_refused_as_interrupted(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    interrupted: Path,  # noqa: F811
    tmp_path: Path,
    damage: str,
) -> None:
    """A record that cannot be read, or a database without a record (a fit stopped before it
    wrote one), is an earlier fit too: refused, with no count of generations claimed."""
    spec, _ = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(interrupted, out)
    if damage == "record unreadable":
        (out / RECORD).write_text("{not json")
    else:
        for p in out.iterdir():
            if p.name != DATABASE:
                p.unlink()
    before = files(out)
    code, answer = fit(spec, out)
    assert code == 2, answer
    message = answer["error"]["message"]
    assert message.startswith("holds an interrupted fit: "), message
    assert files(out) == before


def test_force_and_resume_together_are_a_usage_error(
    uninterrupted: tuple[Path, Path],  # noqa: F811
    interrupted: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    spec, _ = uninterrupted
    out = tmp_path / "out"
    shutil.copytree(interrupted, out)
    before = files(out)
    code, answer = fit(spec, out, "--force", "--resume")
    assert code == 2, answer
    assert answer["error"]["field"] == "--force"
    assert files(out) == before
