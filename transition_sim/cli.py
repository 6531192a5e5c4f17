"""The ``transition-sim`` command line: parsing and printing only; the work is in `experiment`.

Error contract (the README repeats it):

- Exit status: 0 success; 2 bad input or usage (an unknown option or bad value, an invalid
  scenario file, an output directory that cannot be used: an existing file, not writable, not
  empty without ``--force``, or locked by another run); 1 an internal error (a bug, or the
  machine failing, e.g. a full disk); 130 and 143 when stopped by SIGINT and SIGTERM.
- Messages go to stderr, as ``error: ...`` lines, never a traceback: for an internal error the
  traceback is written to a file the message names. stdout carries only results.
- With ``--json``, an error also prints one object on stdout:
  ``{"error": {"code": EXIT, "message": ..., "file": ..., "line": ..., "field": ...}}``
  (null where not applicable; a scenario error adds ``problems``, every located problem).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from typer.core import TyperGroup

import transition_sim
from transition_sim.experiment import store
from transition_sim.experiment.executors import DASK_ADDRESS_VARIABLE, Interrupted, raise_on_signals
from transition_sim.experiment.job import run_to_folder
from transition_sim.experiment.lock import LockedError
from transition_sim.experiment.runner import ProgressFn, resolve, run_ensemble
from transition_sim.experiment.summary import render_summary, summarize
from transition_sim.scenario.schema import Scenario


class KeepChoice(StrEnum):
    """What a result folder keeps (`runner.KEEP`)."""

    all = "all"
    summary = "summary"


TRACEBACK_VARIABLE = "TRANSITION_SIM_TRACEBACK"  # set to 1 to print tracebacks on stderr too


class CliError(Exception):
    """An error to report under the contract: ``message`` and its location go to JSON,
    ``text`` (default: the message) to stderr, ``details`` are more keys for the JSON."""

    def __init__(
        self,
        message: str,
        code: int = 2,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        text: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message, self.code = message, code
        self.file, self.line, self.field = file, line, field
        self.text = text or message
        self.details = details or {}
        super().__init__(self.text)

    def as_json(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, "file": self.file}
        return {"error": {**error, "line": self.line, "field": self.field, **self.details}}


try:  # Typer vendors click; this one prints the help, it is not an error message
    from typer._click.exceptions import NoArgsIsHelpError
except ImportError:  # pragma: no cover
    NoArgsIsHelpError = ()  # type: ignore[assignment,misc]


def _usage_error(err: typer.TyperException) -> CliError:
    param = getattr(err, "param", None)
    field = getattr(err, "option_name", None)
    if param is not None:
        field = param.opts[0] if param.param_type_name == "option" and param.opts else param.name
    ctx = getattr(err, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = err.format_message()
    return CliError(message, 2, field=field, text=message + hint)


def _internal_error(err: BaseException) -> CliError:
    """A short message for an unexpected exception; the traceback goes to a file."""
    lines = traceback.format_exception(err)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"transition-sim-{stamp}-{os.getpid()}.traceback.txt"
    saved: str | None = str(path)
    try:
        path.write_text("".join(lines), encoding="utf-8")
        where = f"the traceback is in {path}"
    except OSError:
        saved, where = None, "the traceback follows"
    if saved is None or os.environ.get(TRACEBACK_VARIABLE) == "1":
        sys.stderr.write("".join(lines))
    summary = (str(err).splitlines() or [""])[0][:300]
    kind = "system" if isinstance(err, OSError) else "internal"  # e.g. a full disk, or a bug
    message = f"{kind} error: {type(err).__name__}: {summary}"
    return CliError(message, 1, text=f"{message}\n{where}", details={"traceback": saved})


def _report(err: CliError, json_errors: bool) -> int:
    for line in err.text.splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)
    if json_errors:
        typer.echo(json.dumps(err.as_json()))
    return err.code


class _Group(TyperGroup):
    """Applies the error contract to every command, however the exception arises."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        json_errors = "--json" in argv
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except NoArgsIsHelpError as err:
            err.show()
            code = 2
        except typer.TyperException as err:  # usage errors: bad options, values, arguments
            code = _report(_usage_error(err), json_errors)
        except typer.Abort:
            code = _report(CliError("aborted", 1), json_errors)
        except CliError as err:
            code = _report(err, json_errors)
        except Interrupted as err:
            code = _report(CliError(str(err), err.exit_code), json_errors)
        except Exception as err:
            code = _report(_internal_error(err), json_errors)
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="transition-sim",
    help="Agent-based simulator of elite power transitions.",
    cls=_Group,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)


# -- inputs ------------------------------------------------------------------------------------


def _loader() -> ModuleType:
    """The scenario loader, imported on first use so the CLI starts even without it."""
    try:
        from transition_sim.scenario import loader
    except ImportError as err:
        raise CliError(f"scenario loader not available ({err})", 1) from None
    return loader


def _scenario_error(err: Any) -> CliError:
    """A `ScenarioError` under the contract: every problem on stderr, the first in JSON."""
    problems = [
        {"file": str(file), "line": line, "field": field, "message": message}
        for file, (line, field, message) in zip(err.files, err.problems, strict=True)
    ]
    return CliError(
        err.message,
        file=str(err.file),
        line=err.line,
        field=err.field,
        text=str(err),
        details={"problems": problems},
    )


def _load(path: Path) -> Scenario:
    loader = _loader()
    try:
        return loader.load_scenario(path)
    except loader.ScenarioError as err:
        raise _scenario_error(err) from None
    except OSError as err:
        message = f"cannot read: {err.strerror or err}"
        raise CliError(message, file=str(path), text=f"{path}: {message}") from None


# -- run ---------------------------------------------------------------------------------------


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "– runs/s" if speed is None else f"{speed:.1f} runs/s", style="progress.data.speed"
        )


@contextmanager
def _progress_bar(description: str) -> Iterator[ProgressFn]:
    """A progress bar on stderr with rate and ETA, shown from the first progress report (not
    before the output directory is checked), refreshed by us (no thread to fork with)."""
    bar: Progress | None = None
    task: TaskID | None = None

    def advance(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None or task is None:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                auto_refresh=False,
            )
            bar.start()
            # A resumed run starts part way: that jump is not counted in the rate.
            task = bar.add_task(description, total=total, completed=done)
        else:
            bar.update(task, completed=done, total=total)
        bar.refresh()

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()


def _output_error(err: Exception) -> CliError:
    path = getattr(err, "path", None) or getattr(err, "target", None)
    return CliError(str(err), 2, field="--out", details={"path": str(path)})


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.", dir_okay=False)],
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", min=1, help="Default: the scenario's.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Base seed. Default: the scenario's.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Processes. Default: CPUs (same results)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help=f"Dask scheduler address (tcp://host:8786; default ${DASK_ADDRESS_VARIABLE})."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write results here.")] = None,
    keep: Annotated[
        KeepChoice,
        typer.Option(help="all: runs, timeseries and events; summary: one row per run only."),
    ] = KeepChoice.all,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a previous result directory at --out.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run into --out.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print only the JSON summary.")
    ] = False,
) -> None:
    """Run an ensemble of replications of a scenario and summarize the outcomes."""
    scenario = resolve(_load(file), replications, seed)
    n = scenario.replications
    if resume and out is None:
        raise CliError(
            "--resume needs --out (the directory of the interrupted run)", field="--resume"
        )
    workers = workers or min(os.cpu_count() or 1, n)
    with raise_on_signals() as received, _progress_bar(scenario.name) as progress:
        try:
            if out is None:
                ensemble = run_ensemble(
                    scenario,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                    keep="summary",
                )
                summary = summarize(ensemble)
            else:
                summary = run_to_folder(
                    scenario,
                    out,
                    workers=workers,
                    scheduler=scheduler,
                    keep=keep.value,
                    force=force,
                    resume=resume,
                    progress=progress,
                    command=sys.argv,
                )
        except (store.OutputError, LockedError) as err:
            raise _output_error(err) from None
        except Interrupted as err:
            raise _interrupted(err, file, out) from None
        except Exception as err:
            if received:  # e.g. workers killed by the same signal, noticed first
                raise _interrupted(Interrupted(received[0]), file, out) from err
            raise
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
    else:
        render_summary(summary, Console())
    if out is not None:
        typer.echo(f"results written to {out}", err=True)
        _write_run_report(out)


def _write_run_report(out: Path) -> None:
    """The HTML report of a finished result folder. The results are complete without it, so a
    failure is a warning, not an error: `transition-sim report` can write it later."""
    from transition_sim.viz.report import write_report

    try:
        with store.lock_output(store.output_path(out)):
            path = write_report(out)
    except Exception as err:  # the results are safe: say why and go on
        typer.echo(
            f"warning: no report written ({type(err).__name__}: {err}); the results are"
            f" complete; try: transition-sim report {out}",
            err=True,
        )
        return
    typer.echo(f"report written to {path}", err=True)


def _interrupted(err: Interrupted, file: Path, out: Path | None) -> CliError:
    if out is None:
        return CliError(f"{err}; nothing was saved (no --out)", err.exit_code)
    try:
        saved = store.saved_replications(out)
    except OSError:
        saved = 0
    staging = store.staging_path(store.output_path(out))
    text = (
        f"{err}; {saved} finished replications are kept in {staging}\n"
        f"continue with: transition-sim run {file} --out {out} --resume"
    )
    return CliError(str(err), err.exit_code, text=text, details={"saved": saved})


# -- other commands ----------------------------------------------------------------------------


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"transition-sim {transition_sim.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Agent-based simulator of elite power transitions."""


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
    json_output: Annotated[
        bool, typer.Option("--json", help='Print {"valid": [files]} or the error object.')
    ] = False,
) -> None:
    """Check scenario files: 'ok FILE' on stdout for each valid one, errors on stderr (exit 2)."""
    valid: list[str] = []
    errors: list[CliError] = []
    for file in files:
        try:
            _load(file)
        except CliError as err:
            errors.append(err)
        else:
            valid.append(str(file))
            if not json_output:
                typer.echo(f"ok  {file}")
    if errors:
        first = errors[0]
        problems = [
            p
            for err in errors
            for p in err.details.get("problems")
            or [{"file": err.file, "line": err.line, "field": err.field, "message": err.message}]
        ]
        raise CliError(
            first.message,
            file=first.file,
            line=first.line,
            field=first.field,
            text="\n".join(err.text for err in errors),
            details={"problems": problems, "valid": valid},
        )
    if json_output:
        typer.echo(json.dumps({"valid": valid}))


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    typer.echo(json.dumps(_loader().json_schema(), indent=2))


@app.command()
def claims() -> None:
    """List the registry of claims the model is tested against."""
    try:
        import transition_sim.claims as registry
    except ImportError as err:
        raise CliError(f"claims registry not available ({err})", 1) from None
    registry.print_claims(Console())


from transition_sim.backtest import register as register_backtest  # noqa: E402 (issue 9)
from transition_sim.dashboard.commands import register  # noqa: E402

register(app)
register_backtest(app)

from transition_sim.experiment.commands import register as register_experiments  # noqa: E402

register_experiments(app)
