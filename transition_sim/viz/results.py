"""Read output folders into plain data: an ensemble's results, or a sweep's.

An ensemble folder is what `transition-sim run --out DIR` writes: ``summary.json`` (required),
``runs.parquet``, ``timeseries.parquet``, ``events.parquet``, ``scenario.resolved.yaml`` and
``manifest.json``. Any of the others may be missing (``--keep summary`` drops the time series and
events); what is missing is listed in ``notes`` and the views that need it say so.

A sweep folder (the experiment engine's) holds ``spec.yaml``, ``runs/``, ``points.parquet`` (one
row per point: parameter columns named by their dotted path, ``n``, ``n_failed``,
``share_<outcome>`` with ``_lo``/``_hi``, ``<metric>_median``/``_p05``/``_p95``), for Morris and
Sobol a ``sensitivity.json``, and ``manifest.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from transition_sim.scenario import Scenario, ScenarioError, load_scenario

ENSEMBLE_MARKER = "summary.json"
SWEEP_MARKERS = ("points.parquet", "sensitivity.json", "spec.yaml")
POINT_COLUMNS = ("point", "n", "n_failed")
# Day-by-day tables are read for at most this many replications (the first ones: each is seeded
# independently, so they are a random sample), so that memory does not grow with the ensemble.
MAX_DAILY_REPLICATIONS = 1000
QUANTILE_SUFFIXES = ("_median", "_p05", "_p95")

__all__ = [
    "Results",
    "ResultsError",
    "Sweep",
    "load_output",
    "load_results",
    "load_sweep",
    "read_label",
    "summary_label",
]


class ResultsError(Exception):
    """A folder that is not (or not a readable) output folder."""


@dataclass(frozen=True)
class Results:
    """One ensemble's output; tables are None when their file is absent."""

    path: Path
    summary: dict[str, Any]
    runs: pd.DataFrame | None
    timeseries: pd.DataFrame | None
    events: pd.DataFrame | None
    scenario: Scenario | None
    manifest: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", self.path.name))

    @property
    def label(self) -> str:
        return summary_label(self.summary, self.path)

    @property
    def outcomes(self) -> list[str]:
        return list(self.summary.get("outcomes", {}))


@dataclass(frozen=True)
class Sweep:
    """A sweep's or a sensitivity study's output; parts are None when absent."""

    path: Path
    spec: dict[str, Any] | None
    points: pd.DataFrame | None
    sensitivity: dict[str, Any] | None
    manifest: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        method = (self.sensitivity or {}).get("method") or (self.spec or {}).get("method")
        return f"{self.path.name} ({method or 'sweep'})"

    @property
    def parameters(self) -> list[str]:
        """The varied parameters: the columns of ``points`` that are neither bookkeeping,
        outcome shares nor metric quantiles."""
        if self.points is None:
            return []
        return [
            c
            for c in self.points.columns
            if c not in POINT_COLUMNS
            and not c.startswith("share_")
            and not c.endswith(QUANTILE_SUFFIXES)
        ]

    @property
    def outcomes(self) -> list[str]:
        if self.points is None:
            return []
        return [
            c.removeprefix("share_")
            for c in self.points.columns
            if c.startswith("share_") and not c.endswith(("_lo", "_hi"))
        ]

    @property
    def metrics(self) -> list[str]:
        if self.points is None:
            return []
        return [c.removesuffix("_median") for c in self.points.columns if c.endswith("_median")]


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ResultsError(f"{path}: cannot read ({err})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return data


def _parquet(
    path: Path, notes: list[str], missing: str, filters: list[Any] | None = None
) -> pd.DataFrame | None:
    if not path.exists():
        notes.append(f"{path.name} is not in this folder: {missing}")
        return None
    try:
        return pd.read_parquet(path, filters=filters)
    except (OSError, ValueError) as err:
        raise ResultsError(f"{path}: cannot read ({err})") from None


def summary_label(summary: dict[str, Any], path: Path) -> str:
    """How an ensemble is named in menus and legends: scenario, replications, seed."""
    return (
        f"{summary.get('scenario', path.name)} ({summary.get('replications', '?')} replications,"
        f" seed {summary.get('seed', '?')})"
    )


def read_label(path: str | Path) -> str:
    """An ensemble folder's label from its summary alone (cheap: no tables are read)."""
    folder = Path(path)
    return summary_label(_json(folder / ENSEMBLE_MARKER), folder)


def load_results(path: str | Path) -> Results:
    """Read an ensemble folder; `ResultsError` if it has no readable ``summary.json``."""
    folder = Path(path)
    if not (folder / ENSEMBLE_MARKER).is_file():
        raise ResultsError(f"{folder}: not a results folder (no {ENSEMBLE_MARKER})")
    notes: list[str] = []
    summary = _json(folder / ENSEMBLE_MARKER)
    runs = _parquet(folder / "runs.parquet", notes, "no per-replication table")
    sample = [("replication", "<", MAX_DAILY_REPLICATIONS)]
    timeseries = _parquet(
        folder / "timeseries.parquet", notes, "no charts over days and no region map", sample
    )
    events = _parquet(folder / "events.parquet", notes, "no event timeline", sample)
    total = len(runs) if runs is not None else int(summary.get("replications", 0))
    if timeseries is not None and total > MAX_DAILY_REPLICATIONS:
        notes.append(
            f"charts over the days, regions and the timeline show replications 0 to"
            f" {MAX_DAILY_REPLICATIONS - 1} of {total:,} (independently seeded, so a random"
            " sample); outcome shares and metrics use all of them"
        )
    scenario = None
    resolved = folder / "scenario.resolved.yaml"
    if resolved.is_file():
        try:
            scenario = load_scenario(resolved)
        except ScenarioError as err:  # e.g. written by an older version of the schema
            notes.append(
                f"the scenario does not load with this version ({err}); regions are"
                " placed on a circle and detentions are shown in agents"
            )
    else:
        notes.append(
            "scenario.resolved.yaml is not in this folder: regions are placed on a"
            " circle and detentions are shown in agents"
        )
    manifest_path = folder / "manifest.json"
    manifest = _json(manifest_path) if manifest_path.is_file() else {}
    if not manifest:
        notes.append("manifest.json is missing: the run may have been interrupted")
    return Results(folder, summary, runs, timeseries, events, scenario, manifest, tuple(notes))


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep or sensitivity folder; `ResultsError` if it has none of its files."""
    folder = Path(path)
    if not any((folder / marker).exists() for marker in SWEEP_MARKERS):
        raise ResultsError(f"{folder}: not a sweep folder (none of {', '.join(SWEEP_MARKERS)})")
    notes: list[str] = []
    spec = None
    if (folder / "spec.yaml").is_file():
        try:
            spec = yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise ResultsError(f"{folder / 'spec.yaml'}: cannot read ({err})") from None
    points = _parquet(folder / "points.parquet", notes, "no outcome-share heatmap")
    sensitivity = None
    if (folder / "sensitivity.json").is_file():
        sensitivity = _json(folder / "sensitivity.json")
    manifest = _json(folder / "manifest.json") if (folder / "manifest.json").is_file() else {}
    return Sweep(
        folder,
        spec if isinstance(spec, dict) else None,
        points,
        sensitivity,
        manifest,
        tuple(notes),
    )


def load_output(path: str | Path) -> Results | Sweep:
    """An ensemble folder or a sweep folder, whichever ``path`` is."""
    folder = Path(path)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such folder")
    if (folder / ENSEMBLE_MARKER).is_file():
        return load_results(folder)
    if any((folder / marker).exists() for marker in SWEEP_MARKERS):
        return load_sweep(folder)
    raise ResultsError(
        f"{folder}: not an output folder (expected {ENSEMBLE_MARKER} from `transition-sim run"
        f" --out`, or {', '.join(SWEEP_MARKERS)} from a sweep)"
    )
