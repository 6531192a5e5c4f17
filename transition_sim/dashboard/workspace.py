"""The dashboard's files: the scenarios it offers, uploaded scenarios, edited scenarios, the
results of its runs and the output folders it was given.

The browser only ever sends keys (``scenarios/kazakhstan_2022.yaml``, ``upload/<hash>``,
``run/<folder>``, ``saved/<n>``); paths are looked up here, so a page cannot make the server read
an arbitrary file. An uploaded scenario may extend only the scenarios beside it (copies of the
scenarios folder's), and any other ``extends`` gets one answer, so it reveals nothing.
Everything lives on disk, so the worker processes that run ensembles see the same state as the
web server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import shutil
from pathlib import Path
from typing import Any

from transition_sim.dashboard.edits import apply_values, edited_yaml, overrides, run_name
from transition_sim.scenario import Scenario, load_scenario
from transition_sim.viz.results import ENSEMBLE_MARKER, SWEEP_MARKERS

SUFFIXES = (".yaml", ".yml")
UPLOADED = ".uploaded"  # in an upload folder: the name of the uploaded file

__all__ = ["UploadError", "Workspace"]


class UploadError(Exception):
    """An upload that is not a scenario file at all (wrong name, not text)."""


class Workspace:
    """Folders under ``root``: ``uploads/``, ``edits/``, ``runs/``; ``scenarios`` is read-only."""

    def __init__(self, root: Path, scenarios: Path, saved: list[Path] | None = None) -> None:
        self.root = Path(root)
        self.scenarios = Path(scenarios)
        self.saved = [Path(p) for p in saved or []]
        for sub in ("uploads", "edits", "runs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- scenarios --------------------------------------------------------------------------------
    def scenario_files(self) -> dict[str, Path]:
        """Key -> file of every scenario on offer: the scenarios folder's, then uploads."""
        files = (
            {
                f"scenarios/{p.name}": p
                for p in sorted(self.scenarios.iterdir())
                if p.suffix in SUFFIXES and p.is_file()
            }
            if self.scenarios.is_dir()
            else {}
        )
        for folder in sorted((self.root / "uploads").iterdir()):
            marker = folder / UPLOADED
            if marker.is_file():
                files[f"upload/{folder.name}"] = folder / marker.read_text(encoding="utf-8")
        return files

    def scenario_label(self, key: str) -> str:
        path = self.scenario_files()[key]
        return f"{path.name} (uploaded)" if key.startswith("upload/") else path.name

    def path(self, key: str) -> Path:
        """The file of a scenario key; KeyError for a key this workspace does not know."""
        return self.scenario_files()[key]

    def load(self, key: str) -> Scenario:
        """The scenario of ``key``; `ScenarioError` if it does not validate."""
        path = self.path(key)
        within = [path.parent] if key.startswith("upload/") else None  # its copies only
        return load_scenario(path, within=within)

    def upload(self, filename: str, content: bytes) -> str:
        """Keep an uploaded scenario (next to copies of the scenarios folder's files, so that
        ``extends: kazakhstan_2022.yaml`` works) and return its key. `UploadError` if it is not
        a YAML text file, `ScenarioError` if it does not validate; either way nothing is kept."""
        name = Path(filename or "").name
        if Path(name).suffix not in SUFFIXES:
            raise UploadError(f"{name or 'the file'}: not a scenario file (expected .yaml or .yml)")
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadError(f"{name}: cannot read: not UTF-8 text") from None
        digest = hashlib.sha256(name.encode() + b"\0" + content).hexdigest()[:16]
        folder = self.root / "uploads" / digest
        if (folder / UPLOADED).is_file():
            return f"upload/{digest}"
        staging = folder.with_name(f".{digest}.{secrets.token_hex(4)}")
        staging.mkdir(parents=True)
        try:
            if self.scenarios.is_dir():
                for p in self.scenarios.iterdir():
                    if p.suffix in SUFFIXES and p.is_file() and p.name != name:
                        shutil.copyfile(p, staging / p.name)
            (staging / name).write_bytes(content)
            load_scenario(staging / name, within=[staging])  # its extends: the copies only
            (staging / UPLOADED).write_text(name, encoding="utf-8")
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return f"upload/{digest}"

    # -- edits ------------------------------------------------------------------------------------
    def edit(
        self,
        key: str,
        values: dict[str, Any],
        settings: dict[str, Any] | None = None,
        name: str | None = None,
        order: list[str] | None = None,
    ) -> tuple[Path, str]:
        """Write the scenario ``key`` with ``values`` (dotted path -> value) and ``settings``
        (top-level values such as replications and seed) changed, as a file that extends the
        original. Returns the file to load (it extends the original by absolute path) and the
        text to download (it extends it by name, to be saved next to the original).

        The file is named ``name`` if given, else by what changed (`run_name`, the paths in
        ``order`` first); replications and seed are not edits, so they do not rename it."""
        original = self.path(key)
        base = self.load(key).model_dump(mode="json")
        edited = apply_values(base, values)
        changes = overrides(base, edited) or {}
        title = (name or "").strip() or run_name(base, values, order)
        if title != base["name"]:
            changes = {"name": title, **changes}
        settings_changes = overrides(base, apply_values(base, settings or {})) or {}
        changes = {**changes, **settings_changes}
        download = edited_yaml(original.name, changes, source=original.name)
        local = edited_yaml(str(original.resolve()), changes, source=original.name)
        digest = hashlib.sha256(local.encode()).hexdigest()[:16]
        path = self.root / "edits" / digest / f"{original.stem}.edited.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(local, encoding="utf-8")
        return path, download

    # -- results ----------------------------------------------------------------------------------
    def new_run_folder(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.root / "runs" / f"{stamp}-{secrets.token_hex(3)}"

    def outputs(self) -> dict[str, Path]:
        """Key -> folder of every output on offer: the folders given, then finished runs."""
        out = {f"saved/{i}": p for i, p in enumerate(self.saved)}
        for folder in sorted((self.root / "runs").iterdir()):
            if (folder / "manifest.json").is_file():
                out[f"run/{folder.name}"] = folder
        return out

    @staticmethod
    def is_sweep(folder: Path) -> bool:
        return not (folder / ENSEMBLE_MARKER).is_file() and any(
            (folder / m).exists() for m in SWEEP_MARKERS
        )
