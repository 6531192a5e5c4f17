"""Helpers for tests that write scenario (or spec) files and expect them refused, or copy the
shipped ones."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

import pytest

from transition_sim.scenario import ScenarioError, load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "kazakhstan_2022.yaml"


def write(path: Path, text: str | bytes) -> Path:
    """Write `text` (dedented) or raw `bytes` to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(path: Path) -> ScenarioError:
    """The error that loading `path` raises (the test fails if it loads)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def copy_baseline(folder: Path) -> Path:
    """The baseline in ``folder``, its posterior still found: `from_posterior` is relative to
    the file that writes it, so the copy names the shipped one by its absolute path."""
    text = BASELINE.read_text(encoding="utf-8")
    posterior = load_scenario(BASELINE).from_posterior
    if posterior is not None:
        text = re.sub(r"(?m)^from_posterior: .*$", f"from_posterior: {posterior}", text)
    path = folder / BASELINE.name
    path.write_text(text, encoding="utf-8")
    return path


# The crowd of agents at its calibrated point: the shipped baseline until session 26 (blocks since).
AGENTS_BASELINE = Path(__file__).resolve().parent / "agents_baseline.yaml"


def agents_library(folder: Path) -> Path:
    """The case library (scenarios/cases) in ``folder``/cases, extending the agents' baseline
    (written beside it as kazakhstan_2022.yaml, its posterior named by its absolute path): the
    cases as they were before session 26's switch of the baseline to blocks."""
    import shutil

    text = AGENTS_BASELINE.read_text(encoding="utf-8")
    posterior = load_scenario(AGENTS_BASELINE).from_posterior
    text = re.sub(r"(?m)^from_posterior: .*$", f"from_posterior: {posterior}", text)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BASELINE.name).write_text(text, encoding="utf-8")
    shutil.copytree(BASELINE.parent / "cases", folder / "cases", dirs_exist_ok=True)
    return folder / "cases"
