"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright for Python
(see DEVELOPERS.md). Tests that need it are skipped, with the reason, when it is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _name(process: psutil.Process) -> str | None:
    try:
        return process.name()
    except psutil.NoSuchProcess:
        return None


class DashboardProcess:
    """`transition-sim dashboard ARGS` in its own process on a free port, its log in `root`."""

    def __init__(self, root: Path, args: list[str], timeout: float = 120) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = (root / "server.log").open("w")
        command = [sys.executable, "-c", "from transition_sim.cli import app; app()", "dashboard"]
        command += ["--port", str(self.port), *args]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dashboard exited: {(self.root / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)  # polling the server's port, not waiting on the page
        raise RuntimeError("dashboard did not start")

    def jobs(self) -> list[psutil.Process]:
        """Processes the server started (background runs), not the launcher that starts them
        (`transition_sim.dashboard.jobs`), there as long as the server."""
        from transition_sim.dashboard.jobs import LAUNCHER_NAME

        children = psutil.Process(self.process.pid).children(recursive=True)
        return [child for child in children if _name(child) != LAUNCHER_NAME]

    def stop(self) -> None:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            child.kill()
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
