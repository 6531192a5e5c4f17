"""The ``dashboard`` and ``report`` commands (of `transition_sim.dashboard` and `viz.report`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from transition_sim.cli.errors import MAX_WORKERS, CliError, refuse_file_out, stopped_by_signals
from transition_sim.ensemble.executors import Interrupted

__all__ = ["dashboard", "register", "report"]


def _fail(message: str, code: int = 2) -> NoReturn:
    for line in message.splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def dashboard(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8050,
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="An output folder of `run --out` or of a sweep to open (repeat for several).",
        ),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(help="Folder of scenario files to offer. Default: ./scenarios."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Where uploads and runs are kept. Default: a new temporary folder."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-w", min=1, max=MAX_WORKERS, help="Processes per run. Default: CPUs."
        ),
    ] = None,
) -> None:
    """Open the interactive dashboard in the browser (http://HOST:PORT)."""
    from transition_sim.dashboard.app import create_app, serve
    from transition_sim.viz.results import ResultsError, load_output

    for folder in results or []:
        _check_folder(folder, "--results")
        try:
            load_output(folder)
        except ResultsError as err:
            _fail(str(err))
    if scenarios is not None:
        _check_folder(scenarios, "--scenarios")
    refuse_file_out(workdir, "--workdir")
    app = create_app(scenarios, list(results or []), workdir, workers or os.cpu_count() or 1)
    typer.echo(f"dashboard at http://{host}:{port}/ (Ctrl+C to stop)", err=True)

    def interrupted(err: Interrupted) -> CliError:
        kept = f"its runs are kept in {workdir}" if workdir else "its temporary folder is removed"
        return CliError(str(err), err.exit_code, text=f"{err}; the dashboard stopped ({kept})")

    # As every command: a signal is exit 130/143 with a message (werkzeug's server took
    # Ctrl-C for a normal end, exit 0), its job launcher and runs ended (`serve`, `ForkedJobs`).
    with stopped_by_signals(interrupted):
        serve(app, host, port)


def report(
    results_dir: Annotated[
        Path, typer.Argument(help="Output folder of `run --out` (or of a sweep).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Default: RESULTS_DIR/report.html.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Report a folder that does not match its manifest (with a warning)."
        ),
    ] = False,
) -> None:
    """Write a self-contained HTML report (opens with no network) of a results folder.

    The folder's files are checked against its manifest first: a folder edited since it was
    written is refused (exit 2), or with --force reported with a warning, and then the report
    is not added to the manifest."""
    from pyarrow import ArrowInvalid

    from transition_sim.dashboard.discovery import report_sections
    from transition_sim.ensemble.store import REPORT_FILE, verify_manifest
    from transition_sim.viz.report import write_report
    from transition_sim.viz.results import ResultsError, load_output

    _check_report_path(out)
    problems = verify_manifest(results_dir, ignore=(REPORT_FILE,)) if results_dir.is_dir() else []
    if problems:
        shown = "; ".join(problems[:3]) + (
            f"; and {len(problems) - 3} more" if problems[3:] else ""
        )
        message = f"{results_dir}: the folder does not match its manifest ({shown})"
        if not force:
            _fail(f"{message}; --force to report it anyway")
        typer.echo(f"warning: {message}; reporting it anyway (--force)", err=True)
    try:
        # PRIM and the forest take seconds: here, not in the report `run --out` writes
        path = write_report(
            results_dir,
            out,
            extra=report_sections(load_output(results_dir)),
            record=not problems,
        )
    except ResultsError as err:
        _fail(str(err))
    except ArrowInvalid as err:  # a sweep's part that is no Parquet file (--force got here)
        _fail(f"{results_dir}: cannot read its runs: {str(err)[:200]}")
    except OSError as err:
        _fail(str(err), code=1)
    typer.echo(f"report written to {path}", err=True)


def _check_folder(folder: Path, option: str) -> None:
    """A folder option given a file or nothing: exit 2, ``PATH: --option: message``."""
    if not folder.is_dir():
        _fail(f"{folder}: {option}: {'is not a folder' if folder.exists() else 'no such folder'}")


def _check_report_path(out: Path | None) -> None:
    """``report --out`` names the HTML file: a folder, or a file in a folder that is missing or
    is a file, is bad input (exit 2, ``OUT: --out: message``), not a system error (exit 1)."""
    if out is None:
        return
    folder = out.parent
    try:
        is_dir, folder_is_dir = out.is_dir(), folder.is_dir()
    except OSError as err:  # a name too long, a folder not searchable
        _fail(f"{out}: --out: cannot be used: {err.strerror or err}")
    if is_dir:
        _fail(f"{out}: --out: is a folder: give the report's file (e.g. {out / 'report.html'})")
    if not folder_is_dir:
        what = "is not a folder" if folder.exists() else "does not exist"
        _fail(f"{out}: --out: {folder} {what}")


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` and ``report`` commands to the ``transition-sim`` CLI."""
    app.command()(dashboard)
    app.command()(report)
