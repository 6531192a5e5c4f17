"""Write an ensemble's results to a directory, one atomically replaced file at a time.

Layout of ``out_dir``:

- ``runs.parquet``, ``timeseries.parquet``, ``events.parquet``: the ensemble's tables;
- ``summary.json``: `summarize` of the ensemble;
- ``scenario.resolved.yaml``: the scenario exactly as run (replications and seed included);
- ``manifest.json``: versions, scenario hash, seeds, time and command line; written last, so a
  directory with a manifest is complete.

Each file goes to a temporary file in the same directory, is fsynced, then renamed over its
final name: a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

import transition_sim
from transition_sim.experiment.runner import Ensemble
from transition_sim.experiment.summary import summarize
from transition_sim.scenario.schema import Scenario

RESULT_FILES = (
    "runs.parquet",
    "timeseries.parquet",
    "events.parquet",
    "summary.json",
    "scenario.resolved.yaml",
    "manifest.json",
)

__all__ = ["RESULT_FILES", "OutputExistsError", "check_output_dir", "write_results"]


class OutputExistsError(Exception):
    """The output directory already holds files and overwriting was not asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"output directory {path} is not empty")


def check_output_dir(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Refuse a non-empty ``out_dir`` unless ``force``; cheap, so call it before a long run."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"output path {path} exists and is not a directory")
    if not force and path.is_dir() and any(path.iterdir()):
        raise OutputExistsError(path)
    return path


def _fsync_dir(path: Path) -> None:
    """Persist the renames themselves; best effort, as not every platform can open a dir."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temp file next to ``path``, fsync it, then rename it to ``path``."""
    # Not mkstemp: its files are private (0600); result files should get the usual umask mode.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    tmp.open("xb").close()
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _write_parquet(path: Path, table: pd.DataFrame) -> None:
    _atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False, engine="pyarrow"))


def _dist_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def build_manifest(
    ensemble: Ensemble, scenario: Scenario, scenario_hash: str, command: Sequence[str] | None
) -> dict[str, Any]:
    """Everything needed to tell how the results were produced and to reproduce them."""
    return {
        "transition_sim": transition_sim.__version__,
        "python": platform.python_version(),
        "mesa": _dist_version("mesa"),
        "numpy": _dist_version("numpy"),
        "pandas": _dist_version("pandas"),
        "pyarrow": _dist_version("pyarrow"),
        "scenario": scenario.name,
        "scenario_hash": scenario_hash,
        "seed": ensemble.base_seed,
        "replications": ensemble.replications,
        "replication_seeds": list(ensemble.seeds),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else None,
        "files": list(RESULT_FILES),
    }


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def write_results(
    out_dir: str | os.PathLike[str],
    ensemble: Ensemble,
    scenario: Scenario,
    *,
    force: bool = False,
    command: Sequence[str] | None = None,
) -> Path:
    """Write all result files of ``ensemble`` to ``out_dir`` (created if missing).

    Raises `OutputExistsError` if ``out_dir`` is not empty, unless ``force`` (then our files
    are replaced and any other files are left alone). Returns the directory.
    """
    from transition_sim.scenario.loader import scenario_hash, scenario_to_yaml

    path = check_output_dir(out_dir, force=force)
    path.mkdir(parents=True, exist_ok=True)
    (path / "manifest.json").unlink(missing_ok=True)  # incomplete until the new one is written
    _write_parquet(path / "runs.parquet", ensemble.runs)
    _write_parquet(path / "timeseries.parquet", ensemble.timeseries)
    _write_parquet(path / "events.parquet", ensemble.events)
    _write_text(path / "summary.json", _json(summarize(ensemble)))
    _write_text(path / "scenario.resolved.yaml", scenario_to_yaml(scenario))
    manifest = build_manifest(ensemble, scenario, scenario_hash(scenario), command)
    _write_text(path / "manifest.json", _json(manifest))
    _fsync_dir(path)
    return path
