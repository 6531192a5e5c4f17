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
