"""Sweeps: a spec's design points × replications, run by the engine into an output folder.

Layout of a sweep's folder (the dashboard reads it; keep it):

- ``spec.yaml``: the resolved spec (every default written out); its ``scenario`` is
  ``scenario.resolved.yaml``, the base scenario as run, so the folder reproduces itself;
- ``runs/``: a parquet dataset in atomic chunks, one row per run: ``point, replication, seed``,
  one column per varied parameter (named by its path; the value actually set), ``outcome``,
  ``error`` (null unless the run raised), then one column per metric;
- ``points.parquet``: per point: ``point``, the parameters, ``n`` (runs that succeeded),
  ``n_failed``, ``share_<outcome>`` with its 95% Wilson interval ``share_<outcome>_lo/_hi``,
  and ``<metric>_median/_p05/_p95`` over the runs where the metric is defined;
- ``sensitivity.json`` (Morris and Sobol designs), ``report.html`` (`transition_sim.viz.report`);
- ``manifest.json``: versions, hashes, seeds, command and every file's sha256; written last, so
  a folder with a manifest is complete.

Seeds: point ``i`` of a spec seeded ``s`` has base seed ``replication_seed(s, i)``, and its
replication ``r`` runs with ``replication_seed(that, r)``: a point's runs are those of
``transition-sim run`` on the point's scenario with that base seed, whatever the executor.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pydantic import ValidationError

import transition_sim
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.store import (
    OutputError,
    OutputExistsError,
    atomic_write,
    dist_version,
    file_sha256,
    fsync_dir,
    json_text,
    nothing_to_resume,
    write_text_atomic,
)
from transition_sim.ensemble.summary import OUTCOMES, wilson_interval
from transition_sim.scenario.address import PathError, base_value, set_value
from transition_sim.scenario.feasibility import check_feasible
from transition_sim.scenario.loader import (
    ScenarioError,
    describe_error,
    load_scenario,
    scenario_file_problem,
    scenario_hash,
    scenario_to_yaml,
)
from transition_sim.scenario.schema import Scenario
from transition_sim.studies.design import Points, make_design
from transition_sim.studies.engine import KEYS, Plan
from transition_sim.studies.models import Model, resolve_function, transition
from transition_sim.studies.spec import Spec, SpecFile, data_hash, spec_hash, spec_to_yaml

RESERVED = (*KEYS, "outcome", "error")
OUR_FILES = (
    "spec.yaml",
    "scenario.resolved.yaml",
    "runs",
    "points.parquet",
    "sensitivity.json",
    "report.html",
    "compare.yaml",
    "compare.json",
    "scenarios",
    ".parts.json",
    "manifest.json",
)
MAX_REPORTED = 5  # invalid points listed by name before "... and N more"

__all__ = [
    "Experiment",
    "SweepDirError",
    "failures",
    "load_runs",
    "outcome_names",
    "point_seed",
    "prepare",
    "prepare_dir",
    "prepare_sweep_dir",
    "run_blocks",
    "stored_runs",
    "summarize_folder",
    "summarize_points",
    "sweep_plan",
    "write_manifest",
]


@dataclass(frozen=True)
class Experiment:
    """A spec made ready to run: its model, its design, and the values each point sets."""

    source: SpecFile
    model: Model
    points: Points
    applied: dict[str, np.ndarray]  # path -> value actually set at each point
    base_hash: str  # the base scenario's hash (a function's: of its name and inputs)
    allow_code: bool = False  # may name a function outside the package and the registry

    @property
    def spec(self) -> Spec:
        return self.source.spec

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Outcomes known before running (the simulator's); a function's are those it returns."""
        return OUTCOMES if isinstance(self.model.base, Scenario) else ()

    @property
    def hash(self) -> str:
        return spec_hash(self.spec, self.base_hash)


def point_seed(seed: int, point: int) -> int:
    """The base seed of a design point's replications."""
    return replication_seed(seed, point)


def prepare(source: SpecFile, *, allow_code: bool = False) -> Experiment:
    """Check everything that can be checked before running, and build the design.

    Raises `ScenarioError` naming the spec's file, line and field: a missing base scenario, a
    model that cannot be found, a path that does not exist, and any design point whose values
    make an invalid scenario (every point is built and validated; it is cheap). A model outside
    the package and the registry is refused, before anything is imported, unless ``allow_code``.
    """
    spec = source.spec
    model, base_hash = _model(source, allow_code)
    data = model.data
    for i, path in enumerate(spec.paths):
        if path in RESERVED:
            raise source.error(f"parameters.{i}.path", f"{path!r} is a column of the results")
        try:
            base_value(data, path)
        except PathError as err:
            raise source.error(f"parameters.{i}.path", f"{path}: {err}") from None
    for i, members in enumerate(spec.coupled):
        for j, member in enumerate(members):
            try:
                base_value(data, member)
            except PathError as err:
                raise source.error(f"coupled.{i}.{j}", f"{member}: {err}") from None
    try:
        points = make_design(spec, data)
    except ValueError as err:
        raise source.error("design", str(err)) from None
    applied = _validate_points(source, model, points)
    return Experiment(source, model, points, applied, base_hash, allow_code)


def _model(source: SpecFile, allow_code: bool) -> tuple[Model, str]:
    """The model with the spec's ``fixed`` values set on its base."""
    spec = source.spec
    coupled = tuple(tuple(c) for c in spec.coupled)
    if spec.model == "transition":
        path = source.resolve(spec.scenario or "")
        problem = scenario_file_problem(path)
        if problem is not None:
            raise source.error("scenario", problem)
        base = load_scenario(path)
        data = base.model_dump(mode="json")
        _set_fixed(source, data)
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            field, message, _ = describe_error(exc.errors()[0])
            raise source.error("fixed", f"makes an invalid scenario: {field}: {message}") from None
        problems = check_feasible(scenario)
        if problems:
            field, message = problems[0]
            raise source.error("fixed", f"makes a scenario that cannot run: {field}: {message}")
        return Model(transition, scenario, coupled), scenario_hash(scenario)
    try:
        fn = resolve_function(spec.model, allow_code=allow_code)
    except ValueError as err:
        raise source.error("model", str(err)) from None
    data = dict(fn.inputs)  # type: ignore[attr-defined]
    _set_fixed(source, data)
    return Model(fn, data, coupled), data_hash([spec.model, data])


def _set_fixed(source: SpecFile, data: dict[str, Any]) -> None:
    for path, value in source.spec.fixed.items():
        try:
            set_value(data, path, value)
        except PathError as err:
            raise source.error(f"fixed.{path}", f"{path}: {err}") from None


class _Infeasible(ValueError):
    """A valid scenario that cannot run (`scenario.feasibility`): its first problem."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _check_point(model: Model, values: dict[str, float]) -> dict[str, float]:
    """Build a point's inputs; for the simulator, also check that its scenario can run."""
    inputs, applied = model.build(values)
    if isinstance(inputs, Scenario):
        problems = check_feasible(inputs)
        if problems:
            raise _Infeasible(*problems[0])
    return applied


def _validate_points(source: SpecFile, model: Model, points: Points) -> dict[str, np.ndarray]:
    """Build every point's inputs; the values each sets, or every invalid point at once."""
    applied: dict[str, list[float]] = {name: [] for name in points.names}
    problems: list[tuple[int | None, str | None, str]] = []
    invalid = 0
    for i in range(len(points)):
        values = points.point(i)
        try:
            set_ = _check_point(model, values)
        except (ValidationError, ValueError) as exc:
            invalid += 1
            if invalid <= MAX_REPORTED:
                problems.append(_point_problem(source, i, values, exc))
            continue
        for name in points.names:
            applied[name].append(set_[name])
    if problems:
        if invalid > MAX_REPORTED:
            line, field, _ = problems[-1]
            problems.append((line, field, f"... and {invalid - MAX_REPORTED} more invalid points"))
        line, field, message = problems[0]
        raise ScenarioError(source.path, line, field, message, problems=problems)
    return {name: np.asarray(v, dtype=float) for name, v in applied.items()}


def _point_problem(
    source: SpecFile, i: int, values: dict[str, float], exc: Exception
) -> tuple[int | None, str | None, str]:
    """Where (the varied parameter the error is about, else ``parameters``) and what."""
    shown = ", ".join(f"{k}={v:.6g}" for k, v in values.items())
    field: str | None = None
    if isinstance(exc, ValidationError):
        field, message, _ = describe_error(exc.errors()[0])
        if "add up to" in message:
            message += " (values that must add up: declare them under `coupled:`)"
        what = f"{field}: {message}" if field else message
    elif isinstance(exc, _Infeasible):
        field, what = exc.field, f"{exc.field}: {exc} (it cannot run)"
    else:
        what = str(exc)
    spec_field = "parameters"
    for j, path in enumerate(source.spec.paths):
        if field and (path == field or path.startswith(field + ".")):
            spec_field = f"parameters.{j}.path"
            break
    line = source.error(spec_field, "").line
    return line, spec_field, f"point {i} ({shown}) is invalid: {what}"


def sweep_plan(exp: Experiment) -> Plan:
    spec = exp.spec

    def build(point: int) -> Any:
        return exp.model.build(exp.points.point(point))[0]

    def seed(point: int, replication: int) -> int:
        return replication_seed(point_seed(spec.seed, point), replication)

    return Plan(exp.model.fn, build, exp.applied, len(exp.points), spec.replications, seed)


# -- the output folder ---------------------------------------------------------------------------
class SweepDirError(OutputError):
    """An output folder that cannot be used for this study (exit 2 on the command line)."""


def prepare_dir(
    out: Path,
    *,
    marker: str,
    key: str,
    stored_key: Callable[[Path], str],
    write_inputs: Callable[[Path], None],
    resume: bool,
    force: bool,
) -> bool:
    """Make ``out`` ready for a job; return True if a stored job is resumed.

    ``marker`` is the file a job writes first (its inputs, by ``write_inputs``); ``key`` says
    what the job is, and ``stored_key(out)`` what the stored one was. A folder that holds
    another job, or other files, is refused unless ``force`` (which deletes this engine's files
    and leaves others alone); ``resume`` continues the same job and refuses a different one.
    """
    if out.exists() and not out.is_dir():
        raise SweepDirError(out, f"output path {out} exists and is not a directory")
    if resume and not force and not (out / marker).is_file():  # a mistyped --out
        raise SweepDirError(out, nothing_to_resume(out))
    if resume and not force:
        try:
            previous = stored_key(out)
        except ScenarioError as err:
            raise SweepDirError(out, f"cannot resume: the stored {marker}: {err}") from None
        if previous != key:
            raise SweepDirError(
                out,
                f"cannot resume: {out} holds a study with different inputs"
                " (start a new folder, or --force to discard it)",
            )
        (out / "manifest.json").unlink(missing_ok=True)  # incomplete again until the end
        return True
    if out.is_dir() and any(out.iterdir()):
        if not force:
            if (out / marker).is_file():
                raise SweepDirError(
                    out, f"{out} holds results: --resume to continue them, --force to start over"
                )
            raise OutputExistsError(out)
        for name in OUR_FILES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    write_inputs(out)
    return False


def prepare_sweep_dir(out: Path, exp: Experiment, *, resume: bool, force: bool) -> bool:
    """`prepare_dir` for a sweep: its inputs are ``spec.yaml`` (and the base scenario)."""
    from transition_sim.studies.spec import load_spec

    return prepare_dir(
        out,
        marker="spec.yaml",
        key=exp.hash,
        stored_key=lambda folder: (
            prepare(load_spec(folder / "spec.yaml"), allow_code=exp.allow_code).hash
        ),
        write_inputs=lambda folder: _write_inputs(folder, exp),
        resume=resume,
        force=force,
    )


def _write_inputs(out: Path, exp: Experiment) -> None:
    spec = exp.spec
    if isinstance(exp.model.base, Scenario):
        write_text_atomic(out / "scenario.resolved.yaml", scenario_to_yaml(exp.model.base))
        # `fixed` is already in the resolved scenario; the spec now points at it.
        spec = spec.model_copy(update={"scenario": "scenario.resolved.yaml", "fixed": {}})
    write_text_atomic(out / "spec.yaml", spec_to_yaml(spec))


def load_runs(out: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The runs of a sweep (or compare) folder, ordered by point and replication."""
    runs = pd.read_parquet(out / "runs", columns=list(columns) if columns else None)
    return runs.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)


def _parts(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet"))


def run_blocks(out: Path) -> Iterator[pd.DataFrame]:
    """The runs of a folder in blocks of whole points, in point order, holding one part (and
    the point it ends in) in memory at a time: parts are consecutive ranges of runs numbered
    point by point, so a point is whole once the next part starts with another."""
    carry: pd.DataFrame | None = None
    for path in _parts(out):
        table = pd.read_parquet(path)
        if carry is not None:
            table = pd.concat([carry, table], ignore_index=True)
        whole = table["point"] != table["point"].iloc[-1]
        if whole.any():
            yield table[whole]
        carry = table[~whole]
    if carry is not None and len(carry):
        yield carry


def outcome_names(out: Path, known: Sequence[str]) -> list[str]:
    """``known`` outcomes, then any other that a stored run ended in (sorted)."""
    seen: set[str] = set()
    for path in _parts(out):
        seen.update(pd.read_parquet(path, columns=["outcome"])["outcome"].dropna())
    return list(known) + sorted(seen - set(known))


def stored_runs(out: Path) -> int:
    """How many runs the folder holds (from the parts' metadata: cheap)."""
    return sum(pq.read_metadata(path).num_rows for path in _parts(out))


def failures(out: Path) -> tuple[int, str | None]:
    """How many stored runs failed, and the first one's error."""
    count, first = 0, None
    for path in _parts(out):
        errors = pd.read_parquet(path, columns=["error"])["error"].dropna()
        count += len(errors)
        if first is None and len(errors):
            first = str(errors.iloc[0])
    return count, first


def metric_names(runs: pd.DataFrame, parameters: Sequence[str]) -> list[str]:
    fixed = {*RESERVED, *parameters}
    return [c for c in runs.columns if c not in fixed]


def summarize_points(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    points: int | None = None,
) -> pd.DataFrame:
    """The per-point table (module docstring) of the points in ``runs``, or of ``points``
    points (0 to points - 1) if given, even one whose runs all failed or that has none
    (n = 0, shares NaN)."""
    if points is None:
        index = pd.Index(sorted(runs["point"].unique()), name="point")
    else:
        index = pd.RangeIndex(points, name="point")
    ok = runs[runs["error"].isna()]
    firsts = runs.groupby("point")[list(parameters)].first().reindex(index)
    table = firsts.reset_index()
    counts = pd.crosstab(ok["point"], ok["outcome"]).reindex(index, fill_value=0)
    names = list(outcomes) + sorted(set(counts.columns) - set(outcomes))
    counts = counts.reindex(columns=names, fill_value=0)
    n = counts.sum(axis=1).to_numpy()
    table["n"] = n
    table["n_failed"] = runs.groupby("point").size().reindex(index, fill_value=0).to_numpy() - n
    for name in names:
        k = counts[name].to_numpy()
        bounds = np.array([wilson_interval(int(a), int(b)) for a, b in zip(k, n, strict=True)])
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"share_{name}"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
        table[f"share_{name}_lo"] = bounds[:, 0] if len(bounds) else []
        table[f"share_{name}_hi"] = bounds[:, 1] if len(bounds) else []
    metrics = metric_names(runs, parameters)
    if metrics:
        grouped = ok.groupby("point")[metrics]
        stats = {
            "median": grouped.median(),
            "p05": grouped.quantile(0.05),
            "p95": grouped.quantile(0.95),
        }
        columns = {
            f"{metric}_{suffix}": frame[metric].reindex(index).to_numpy()
            for metric in metrics
            for suffix, frame in stats.items()
        }  # joined at once: a column at a time, pandas warns of a fragmented frame
        table = pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)
    return table


def summarize_folder(out: Path, parameters: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
    """`summarize_points` of a whole folder, point block by point block (memory stays flat)."""
    blocks = [summarize_points(b, parameters, outcomes) for b in run_blocks(out)]
    return pd.concat(blocks, ignore_index=True)


def write_points(out: Path, table: pd.DataFrame) -> None:
    atomic_write(out / "points.parquet", lambda tmp: table.to_parquet(tmp, index=False))


def write_manifest(
    out: Path, exp: Experiment | None, extra: dict[str, Any], command: Sequence[str] | None
) -> dict[str, Any]:
    """Write ``manifest.json`` last: versions, what ran, and the sha256 of every file."""
    files = sorted(
        p
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.json" and not p.name.startswith(".")
    )
    manifest: dict[str, Any] = {
        "transition_sim": transition_sim.__version__,
        "python": platform.python_version(),
        **{name: dist_version(name) for name in ("numpy", "pandas", "pyarrow", "salib", "mesa")},
    }
    if exp is not None:
        manifest |= {
            "spec": exp.spec.name,
            "spec_hash": exp.hash,
            "scenario_hash": exp.base_hash,
            "design": exp.spec.design.method,
            "points": len(exp.points),
            "replications": exp.spec.replications,
            "seed": exp.spec.seed,
            "seeds": "run seed = replication_seed(replication_seed(seed, point), replication)",
        }
    manifest |= extra
    manifest |= {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else None,
        "files": {
            str(p.relative_to(out)): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
            for p in files
        },
    }
    write_text_atomic(out / "manifest.json", json_text(manifest))
    fsync_dir(out)
    return manifest


def json_ready(data: Any) -> Any:
    """Floats that JSON can hold: NaN and infinities become null."""
    if isinstance(data, dict):
        return {k: json_ready(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(v) for v in data]
    if isinstance(data, float | np.floating):
        return float(data) if np.isfinite(data) else None
    if isinstance(data, np.integer):
        return int(data)
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(json_ready(data), indent=2, allow_nan=False) + "\n")
