"""Result folders that never lie, and the chunk store they are built from.

A result folder ``DIR`` holds ``runs.parquet``, ``timeseries.parquet``, ``events.parquet``
(the last two unless only summaries are kept), ``summary.json``, ``scenario.resolved.yaml``
and ``manifest.json``: versions, scenario hash, seed, the command line, and every other file
with its size and sha256. ``DIR`` only ever appears complete.

A run writes beside it, in a staging folder on the same filesystem, while it holds the lock on
``DIR`` (`lock.hold_lock`)::

    DIR.partial/
      run.json                  what is being computed; a resumed run must match it
      runs/part-000000000.parquet, timeseries/part-..., events/part-...
      result/                   the final files, assembled from the parts at the end

A part is a fixed range of replications (its index times the part size). Each part file is
written to a temporary name, fsynced and renamed, so it exists whole or not at all, and a
part's ``runs`` file is written last: a part is finished exactly when that file exists
(`finished_parts`), and a resumed run redoes only the others. A run also records each
finished part's files and their sha256 in ``run.json`` (`record_part`), with a hash of the
package's code in its identity (`code_files`): a resumed run redoes the parts not recorded and
refuses a folder whose recorded parts or code changed since (`check_parts`). At the end the
parts are concatenated in order (a row group per part, so the files do not depend on how many
workers produced them or on whether the run was resumed) into ``result/``, the manifest is
written last, and ``result/`` is moved to ``DIR`` in one rename (with ``force``, atomically
exchanged with the old ``DIR``, which is then deleted).

The part functions (`write_part`, `finished_parts`, `clean_unfinished`, `assemble`) work on
any folder and any table names: a partitioned, resumable parquet dataset.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import platform
import secrets
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import transition_sim
from transition_sim.core.results import as_arrow
from transition_sim.ensemble.lock import hold_lock
from transition_sim.ensemble.runner import Ensemble, Keep
from transition_sim.ensemble.summary import summarize_runs
from transition_sim.ensemble.tables import conform, unified_schema
from transition_sim.ensemble.uncertainty import Uncertainty
from transition_sim.scenario.schema import Scenario

TABLES = ("runs", "timeseries", "events")
COMMIT_TABLE = "runs"  # written last in a part: a part is finished when this file exists
MANIFEST = "manifest.json"
RUN_STATE = "run.json"
RESULT_DIR = "result"
FORMAT = 1  # of the staging folder; a resumed run must find the same


def kept_tables(keep: Keep = "all") -> tuple[str, ...]:
    return ("runs",) if keep == "summary" else TABLES


def result_files(keep: Keep = "all") -> tuple[str, ...]:
    tables = tuple(f"{name}.parquet" for name in kept_tables(keep))
    return (*tables, "summary.json", "scenario.resolved.yaml", MANIFEST)


RESULT_FILES = result_files("all")
REPORT_FILE = "report.html"  # the HTML view of the results (`transition_sim.viz.report`)

__all__ = [
    "REPORT_FILE",
    "RESULT_FILES",
    "OutputError",
    "OutputExistsError",
    "assemble",
    "atomic_write",
    "check_output_dir",
    "check_parts",
    "clean_unfinished",
    "code_files",
    "code_hash",
    "finish",
    "finished_parts",
    "lock_output",
    "nothing_to_resume",
    "open_ledger",
    "open_staging",
    "output_errors",
    "publish",
    "record_in_manifest",
    "record_part",
    "refuse_current_folder",
    "result_files",
    "run_identity",
    "saved_replications",
    "staging_path",
    "verify_manifest",
    "write_part",
    "write_results",
    "write_text_atomic",
]


class OutputError(Exception):
    """An output folder that cannot be used as asked (bad input: the CLI exits 2)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(message)


class OutputExistsError(OutputError):
    """The output folder already holds files and overwriting was not asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, f"output directory {path} is not empty; use --force to replace it")


@contextmanager
def output_errors(path: Path) -> Iterator[None]:
    """Report a failure to create or write where the output goes as an `OutputError`."""
    try:
        yield
    except OSError as err:
        raise OutputError(path, f"cannot write to {path}: {err.strerror or err}") from err


# -- small atomic writes ------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
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


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
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


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: a reader sees the old file or the new one."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def json_text(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


# -- the output folder --------------------------------------------------------------------------


@contextmanager
def lock_output(out: Path) -> Iterator[Path]:
    """Hold the lock on the output folder ``out`` (creating its parent if needed) while the
    block runs; a location where the lock cannot be written is an `OutputError`, one locked by
    another run a `lock.LockedError`."""
    with ExitStack() as stack:
        with output_errors(out):
            out.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(hold_lock(out))
        yield out


def staging_path(out: Path) -> Path:
    return out.with_name(f"{out.name}.partial")


def output_path(out: str | os.PathLike[str], *, force: bool = False) -> Path:
    """``out`` made absolute (so that it has a name and a parent to put things beside).

    A symbolic link is resolved to the folder it points to (the results go there: a link
    cannot be renamed onto), except with ``force``, which replaces the link itself (`publish`
    unlinks it; what it points to is left alone). A link to nothing is refused."""
    path = Path(os.path.abspath(out))
    if path.is_symlink() and not force:
        if not path.exists():
            raise OutputError(path, f"output path {path} is a symbolic link to nothing")
        path = Path(os.path.realpath(path))
    if not path.name:
        raise OutputError(path, f"cannot use {path} as an output directory")
    return path


def refuse_current_folder(path: Path) -> None:
    """Refuse an output folder that is the current folder or holds it (``--out .``, an empty
    ``--out``, ``--out ..``): results replace their folder as a whole (`publish`), which would
    leave the process, and the user's shell, in a deleted folder. Whatever it holds and even
    with ``force``: the rule is about where, not what."""
    here = Path(os.getcwd())
    target = Path(os.path.realpath(path))
    if here == target or target in here.parents:
        what = "is the current folder" if here == target else f"holds the current folder {here}"
        raise OutputError(
            path,
            f"output directory {path} {what} (an empty --out or '.' is the current folder):"
            " results replace their folder as a whole; give a new folder, e.g. --out results",
        )


def check_output_dir(
    out: str | os.PathLike[str], *, force: bool = False, resume: bool = False
) -> Path:
    """Refuse an ``out`` that cannot take new results; cheap, so call it before a long run.

    ``out`` must be missing, an empty directory, or (with ``force``) a directory holding only
    result files: `force` never deletes anyone's other files. A staging folder left by an
    interrupted run needs ``resume`` (continue it) or ``force`` (discard it).
    """
    path = output_path(out, force=force)
    staging = staging_path(path)
    if resume and not force and not staging.is_dir():  # a mistyped --out must not start over
        raise OutputError(path, nothing_to_resume(path))
    if path.is_symlink():  # forced: the link will be replaced, its target left alone
        return path
    if path.exists() and not path.is_dir():
        raise OutputError(path, f"output path {path} exists and is not a directory")
    if path.is_dir():
        entries = sorted(p.name for p in path.iterdir())
        if entries and not force:
            raise OutputExistsError(path)
        foreign = [name for name in entries if name not in (*RESULT_FILES, REPORT_FILE)]
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputError(
                path,
                f"output directory {path} holds files that are not results ({shown}); --force"
                " only replaces a result directory: choose another --out",
            )
    if staging.exists() and not (resume or force):
        raise OutputError(
            staging,
            f"{staging} holds an interrupted run: continue it with --resume,"
            " or discard it with --force",
        )
    return path


def nothing_to_resume(path: Path) -> str:
    return (
        f"--resume: nothing to resume in {path}: no interrupted run is there; check --out,"
        " or run without --resume to start a new one"
    )


@functools.cache
def code_files() -> dict[str, str]:
    """The sha256 of each ``.py`` file of the installed package, by its path in the package:
    what the model's code is (``__version__`` does not change when the code does). Hashing the
    files works from a wheel as from a git checkout."""
    root = Path(transition_sim.__file__).resolve().parent
    return {
        path.relative_to(root.parent).as_posix(): file_sha256(path)
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def code_hash() -> str:
    """One sha256 of the package's code (`code_files`), for manifests."""
    return hashlib.sha256(json_text(code_files()).encode()).hexdigest()


def run_identity(
    scenario: Scenario, keep: Keep, part_size: int, uncertainty: Uncertainty | None = None
) -> dict[str, Any]:
    """What a staging folder computes; resuming it with anything else (a change of mode
    between point values and priors included) is refused."""
    from transition_sim.ensemble.uncertainty import describe
    from transition_sim.scenario.loader import scenario_hash

    return {
        "format": FORMAT,
        "transition_sim": transition_sim.__version__,
        "code": code_files(),
        "scenario_hash": scenario_hash(scenario),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "keep": keep,
        "part_size": part_size,
        "uncertainty": describe(uncertainty),
    }


def _read_state(staging: Path, name: str = RUN_STATE) -> dict[str, Any] | None:
    try:
        state = json.loads((staging / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # never written in full: nothing was computed yet
    return state if isinstance(state, dict) else None


def _stored_state(folder: Path, name: str, tables: Sequence[str]) -> dict[str, Any] | None:
    """The state ``name`` of an interrupted job in ``folder``; None if it was never written and
    no part was (nothing was computed). One that cannot be read is an `OutputError` naming it:
    the parts it records are never discarded unasked."""
    path = folder / name
    if not path.exists() and not any(
        any((folder / table).glob("part-*.parquet")) for table in tables
    ):
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        problem = None if isinstance(state, dict) else "it is not a JSON object"
    except FileNotFoundError:
        problem = "it is missing, but finished parts are there"
    except UnicodeDecodeError as err:
        problem = f"it is not UTF-8 text ({err.reason})"
    except ValueError as err:
        problem = f"it is not valid JSON ({err})"
    except OSError as err:
        problem = f"it cannot be read ({err.strerror or err})"
    if problem is not None:
        raise OutputError(
            path,
            f"{path}: the record of the interrupted run is damaged: {problem}; its finished"
            " parts cannot be trusted: use --force to discard them",
        )
    return state


def open_staging(
    out: Path, identity: Mapping[str, Any], *, resume: bool = False
) -> tuple[Path, set[int]]:
    """The staging folder of ``out`` for the run ``identity`` describes, and its finished parts.

    With ``resume``, an interrupted run of the same thing is continued; one of something else
    is an `OutputError` saying what differs. Otherwise any staging folder is replaced by a new
    one (`check_output_dir` has refused that unless forced). Creating it is the check that the
    output's location is writable.
    """
    staging = staging_path(out)
    state = _stored_state(staging, RUN_STATE, TABLES) if resume and staging.exists() else None
    if state is not None:
        changed = [key for key in identity if state.get(key) != identity[key]]
        if changed:
            detail = "; ".join(_change(k, state.get(k), identity[k]) for k in changed)
            raise OutputError(
                staging,
                f"{staging} holds an interrupted run of something else ({detail}); run that"
                " again to resume it, or use --force to discard it",
            )
        recorded = _recorded_parts(state)
        check_parts(staging, recorded)
        clean_unfinished(staging, kept_tables(state["keep"]), finished=set(recorded))
        return staging, set(recorded)
    with output_errors(staging):
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        write_text_atomic(staging / RUN_STATE, json_text(identity))
    return staging, set()


def _change(key: str, then: Any, now: Any) -> str:
    if key == "code" and isinstance(then, dict) and isinstance(now, dict):
        files = sorted(f for f in then.keys() | now.keys() if then.get(f) != now.get(f))
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        return f"the model's code changed since: {shown}"
    return f"{key}: {then!r} then, {now!r} now"


def _recorded_parts(state: Mapping[str, Any]) -> dict[int, dict[str, str]]:
    parts = state.get("parts", {})
    if not isinstance(parts, dict):
        return {}
    return {int(index): files for index, files in parts.items() if isinstance(files, dict)}


def record_part(folder: Path, index: int, tables: Iterable[str], ledger: str = RUN_STATE) -> None:
    """Record part ``index`` as finished in the JSON file ``ledger`` of ``folder`` (``run.json``
    of a run's staging folder), with its files' sha256."""
    state = _read_state(folder, ledger) or {}
    files = {}
    for name in tables:
        path = part_path(folder, name, index)
        files[path.relative_to(folder).as_posix()] = file_sha256(path)
    state.setdefault("parts", {})[str(index)] = files
    write_text_atomic(folder / ledger, json_text(state))


def open_ledger(folder: Path, tables: Sequence[str], ledger: str) -> set[int]:
    """The parts of ``folder`` that a resumed job keeps: those recorded in ``ledger``, checked
    (`check_parts`), by the same code (`code_files`; `OutputError` naming the files that
    changed). Files of parts not recorded are removed; a new ledger is started if none."""
    state = _stored_state(folder, ledger, tables)
    if state is None:
        state = {"code": code_files(), "parts": {}}
        write_text_atomic(folder / ledger, json_text(state))
    if state.get("code") != code_files():
        change = _change("code", state.get("code"), code_files())
        raise OutputError(
            folder, f"{folder} holds runs of other code ({change}); use --force to discard them"
        )
    recorded = _recorded_parts(state)
    check_parts(folder, recorded)
    clean_unfinished(folder, tables, finished=set(recorded))
    return set(recorded)


def check_parts(folder: Path, recorded: Mapping[int, Mapping[str, str]]) -> None:
    """Refuse (`OutputError` naming the file) a recorded part file that is gone or changed."""
    for index in sorted(recorded):
        for name, digest in recorded[index].items():
            path = folder / name
            if not path.is_file() or file_sha256(path) != digest:
                state = "is missing" if not path.is_file() else "was changed after it was written"
                raise OutputError(
                    path,
                    f"{path} {state} since it was recorded with its sha256: the interrupted"
                    " run cannot be trusted; use --force to discard it",
                )


# -- parts: a partitioned, resumable parquet dataset --------------------------------------------


def part_path(folder: Path, table: str, index: int) -> Path:
    return folder / table / f"part-{index:09d}.parquet"


def _part_index(path: Path) -> int:
    return int(path.stem.removeprefix("part-"))


def write_part(
    folder: Path, index: int, tables: Mapping[str, pa.Table], commit: str = COMMIT_TABLE
) -> None:
    """Write part ``index`` of each table (``folder/NAME/part-INDEX.parquet``), each file
    atomically and ``commit`` last, so that the part is finished once that file exists."""
    for name in sorted(tables, key=lambda name: name == commit):
        path = part_path(folder, name, index)
        path.parent.mkdir(exist_ok=True)
        atomic_write(path, lambda tmp, name=name: pq.write_table(tables[name], tmp))


def finished_parts(folder: Path, commit: str = COMMIT_TABLE) -> set[int]:
    return {_part_index(p) for p in (folder / commit).glob("part-*.parquet")}


def clean_unfinished(
    folder: Path,
    tables: Sequence[str],
    commit: str = COMMIT_TABLE,
    finished: set[int] | None = None,
) -> None:
    """Remove what an interrupted writer left: temp files, and the files of unfinished parts
    (those not in ``finished``; by default, those whose ``commit`` file is missing)."""
    if finished is None:
        finished = finished_parts(folder, commit)
    for name in tables:
        for path in (folder / name).glob(".*.tmp"):
            path.unlink()
        for path in (folder / name).glob("part-*.parquet"):
            if _part_index(path) not in finished:
                path.unlink()


def saved_replications(out: str | os.PathLike[str]) -> int:
    """How many runs the interrupted run of ``out`` has saved (0 if none)."""
    runs = staging_path(output_path(out)) / COMMIT_TABLE
    return sum(pq.read_metadata(p).num_rows for p in runs.glob("part-*.parquet"))


def assemble(folder: Path, table: str, dest: Path, parts: Iterable[int]) -> None:
    """Concatenate parts ``parts`` of ``table``, in that order, into the parquet file ``dest``
    (a row group per part; columns unified as in `tables.stack`), one part in memory at a time."""
    paths = [part_path(folder, table, i) for i in parts]
    schema = unified_schema(pq.read_schema(p) for p in paths)

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema) as writer:
            for path in paths:
                writer.write_table(conform(pq.read_table(path), schema))

    atomic_write(dest, write)


# -- finishing: assemble, summarize, manifest, publish ------------------------------------------


def dist_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def build_manifest(
    folder: Path,
    scenario: Scenario,
    keep: Keep,
    command: Sequence[str] | None,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """How the results in ``folder`` were produced, and each of its files' size and sha256."""
    from transition_sim.ensemble.uncertainty import describe
    from transition_sim.scenario.loader import scenario_hash

    files = sorted(p for p in folder.iterdir() if p.name != MANIFEST)
    return {
        "transition_sim": transition_sim.__version__,
        "python": platform.python_version(),
        **{name: dist_version(name) for name in ("mesa", "numpy", "pandas", "pyarrow")},
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "seed_derivation": "replication_seed(seed, replication): the seed column of runs.parquet",
        "keep": keep,
        "code_sha256": code_hash(),
        "uncertainty": describe(uncertainty),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": list(command) if command is not None else None,
        "files": {p.name: {"bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in files},
    }


def record_in_manifest(folder: str | os.PathLike[str], name: str) -> bool:
    """List the file ``name`` of the finished folder ``folder`` in its manifest (size and
    sha256), replacing any older entry, so that a view written after the results (the HTML
    report) keeps `verify_manifest` clean. False, and nothing written, if the folder has no
    manifest with a file list."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not isinstance(files, dict):
        return False
    path = folder / name
    files[name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
    manifest["files"] = dict(sorted(files.items()))
    write_text_atomic(folder / MANIFEST, json_text(manifest))
    return True


def verify_manifest(folder: str | os.PathLike[str], ignore: Sequence[str] = ()) -> list[str]:
    """What is wrong with the result (or sweep) folder ``folder`` (nothing: an empty list): a
    missing manifest, missing or extra files, sizes or checksums that differ from the
    manifest's. Files in subfolders count, by their relative path; hidden files and the names
    in ``ignore`` do not."""
    folder = Path(folder)
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        listed = {str(name): (int(e["bytes"]), str(e["sha256"])) for name, e in listed.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return [f"no readable manifest: {err}"]
    present = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if not path.is_dir() and not any(p.startswith(".") for p in path.relative_to(folder).parts)
    } - {MANIFEST, *ignore}
    problems = [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    for name, (size, digest) in listed.items():
        path = folder / name
        if name in ignore:
            continue
        if not path.is_file() or path.is_symlink():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != size or file_sha256(path) != digest:
            problems.append(f"{name}: differs from the manifest")
    return problems


def _exchange(a: Path, b: Path) -> None:
    """Swap the folders at ``a`` and ``b``: atomically where the kernel can (Linux
    ``renameat2(RENAME_EXCHANGE)``), else by three renames."""
    rename_exchange, at_fdcwd = 2, -100
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if hasattr(libc, "renameat2"):
            if libc.renameat2(at_fdcwd, bytes(a), at_fdcwd, bytes(b), rename_exchange) == 0:
                return
            code = ctypes.get_errno()
            if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
                raise OSError(code, os.strerror(code), str(b))
    aside = a.with_name(f"{a.name}.{secrets.token_hex(4)}.old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def publish(staging: Path, out: Path) -> None:
    """Move ``staging/result`` to ``out`` in one step, replacing an old result folder there,
    then remove the staging folder."""
    result = staging / RESULT_DIR
    fsync_dir(result)
    if out.is_symlink():  # replaced, never followed: what it points to is not ours
        out.unlink()
    if out.is_dir() and any(out.iterdir()):
        _exchange(result, out)
        shutil.rmtree(result)  # now the old results
    else:
        os.replace(result, out)  # onto nothing, or onto an empty directory
    fsync_dir(out.parent)
    shutil.rmtree(staging)


def finish(
    staging: Path,
    out: Path,
    scenario: Scenario,
    parts: Iterable[int],
    *,
    keep: Keep = "all",
    command: Sequence[str] | None = None,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """Build the result folder from the finished ``parts`` and publish it to ``out``; return
    the summary it holds. With ``uncertainty``, the summary splits each outcome's variance
    and scenario.resolved.yaml says, in a leading comment, that parameters were drawn."""
    from transition_sim.scenario.loader import scenario_to_yaml

    parts = sorted(parts)
    result = staging / RESULT_DIR
    if result.exists():  # left by an interrupted finish
        shutil.rmtree(result)
    result.mkdir()
    for name in kept_tables(keep):
        assemble(staging, name, result / f"{name}.parquet", parts)
    runs = pq.read_table(result / "runs.parquet")
    summary = summarize_runs(runs, scenario.name, scenario.seed, uncertainty=uncertainty)
    del runs
    write_text_atomic(result / "summary.json", json_text(summary))
    resolved = _mode_comment(uncertainty) + scenario_to_yaml(scenario)
    write_text_atomic(result / "scenario.resolved.yaml", resolved)
    manifest = build_manifest(result, scenario, keep, command, uncertainty)
    write_text_atomic(result / MANIFEST, json_text(manifest))
    publish(staging, out)
    return summary


def _mode_comment(uncertainty: Uncertainty | None) -> str:
    """Nothing at point values (the file as before); else how the parameters were drawn."""
    if uncertainty is None:
        return ""
    if uncertainty.posterior is not None:
        return (
            f"# uncertainty: posterior ({len(uncertainty.posterior)} particles from"
            f" {uncertainty.source}, {uncertainty.seeds_per_draw} seeds per draw): each"
            " replication ran with a particle's parameters; the values below are the point"
            " values\n"
        )
    return (
        f"# uncertainty: prior ({len(uncertainty.priors)} priors from {uncertainty.source},"
        f" {uncertainty.seeds_per_draw} seeds per draw): each replication ran with drawn"
        " parameters; the values below are the point values\n"
    )


def write_results(
    out_dir: str | os.PathLike[str],
    ensemble: Ensemble,
    scenario: Scenario,
    *,
    force: bool = False,
    command: Sequence[str] | None = None,
    keep: Keep = "all",
) -> Path:
    """Write the result folder of an in-memory ``ensemble`` to ``out_dir`` (the same files, the
    same guarantees as a streamed run). Raises `OutputError` if ``out_dir`` cannot take them
    (`check_output_dir`), `lock.LockedError` if another run writes there. Returns the folder."""
    out = output_path(out_dir, force=force)
    refuse_current_folder(out)
    with lock_output(out):
        check_output_dir(out, force=force)
        identity = run_identity(scenario, keep, ensemble.replications, ensemble.uncertainty)
        staging, _ = open_staging(out, identity)
        tables = {
            "runs": ensemble.runs,
            "timeseries": ensemble.timeseries,
            "events": ensemble.events,
        }
        try:
            write_part(staging, 0, {name: as_arrow(tables[name]) for name in kept_tables(keep)})
            record_part(staging, 0, kept_tables(keep))
            finish(
                staging,
                out,
                scenario,
                [0],
                keep=keep,
                command=command,
                uncertainty=ensemble.uncertainty,
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # nothing to resume: the caller has it all
            raise
    return out
