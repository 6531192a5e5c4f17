"""Helpers for tests that write scenario (or spec) files and expect them refused."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from transition_sim.scenario import ScenarioError, load_scenario


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
