"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright for Python
(see DEVELOPERS.md). Tests that need it are skipped, with the reason, when it is not installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get install -y chromium; see DEVELOPERS.md)",
)


def launch(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $TRANSITION_SIM_ARTIFACTS if set, else pytest's temp folder."""
    chosen = os.environ.get("TRANSITION_SIM_ARTIFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
