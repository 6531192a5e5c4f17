"""The command line's error contract, applied to every command (the README repeats it):

- Exit status: 0 success; 2 bad input or usage (an unknown option or bad value, an invalid
  scenario file, an output directory that cannot be used: an existing file, not writable, not
  empty without ``--force``, or locked by another run; a Dask scheduler that does not
  answer); 1 an internal error (a bug, or the machine failing, e.g. a full disk); 130 and 143
  when stopped by SIGINT and SIGTERM.
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from transition_sim.ensemble.executors import (
    Interrupted,
    SchedulerUnreachable,
    raise_on_signals,
)

__all__ = [
    "MAX_INTEGER",
    "MAX_WORKERS",
    "TRACEBACK_VARIABLE",
    "CliError",
    "ErrorContractGroup",
    "internal_error",
    "output_error",
    "refuse_bad_scheduler",
    "refuse_file_out",
    "report",
    "scenario_error",
    "stopped_by_signals",
    "usage_error",
]

# The largest --seed or --replications, as in a scenario file (`scenario.loader.MAX_INTEGER`,
# not imported: the loader is slow to import): a run's scenario.resolved.yaml must load again.
MAX_INTEGER = 2**53
# The most local processes --workers starts: more is a typo, and past 2^31 the pool's semaphore
# raised OverflowError (an internal error).
MAX_WORKERS = 4096

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


def usage_error(err: typer.TyperException) -> CliError:
    param = getattr(err, "param", None)
    field = getattr(err, "option_name", None)
    if param is not None:
        field = param.opts[0] if param.param_type_name == "option" and param.opts else param.name
    ctx = getattr(err, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = err.format_message()
    return CliError(message, 2, field=field, text=message + hint)


def internal_error(err: BaseException) -> CliError:
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


def scenario_error(err: Any) -> CliError:
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


def output_error(err: Exception) -> CliError:
    """An output folder that cannot be used (`store.OutputError`, `lock.LockedError`): exit 2,
    ``PATH: --out: message`` as the other option errors."""
    path = getattr(err, "path", None) or getattr(err, "target", None)
    where = {"file": str(path), "text": f"{path}: --out: {err}"} if path else {}
    return CliError(str(err), 2, field="--out", details={"path": str(path)}, **where)


def refuse_file_out(out: Path | None, field: str = "--out", *, force: bool = False) -> None:
    """Refuse, before any work, an output folder ``out`` that is an existing file (or a link to
    one) or lies under one, or a path the system refuses (a name too long): exit 2,
    ``OUT: --out: message``, like the other option errors; nothing is written. With ``force``
    a link is left to the store, which replaces the link."""
    if out is None:
        return
    for path in (out, *out.parents):
        try:
            if path.is_dir() or (force and path == out and out.is_symlink()):
                return
            if not path.exists():
                continue
            what = "exists" if path == out else f"is under {path}, which exists"
            message = f"{what} and is not a directory: give a folder"
        except OSError as err:  # a name too long, a folder not searchable: bad input too
            message = f"cannot be used: {err.strerror or err}"
        text = f"{out}: {field}: {message}"
        raise CliError(message, file=str(out), field=field, text=text, details={"path": str(out)})


def refuse_bad_scheduler(scheduler: str | None) -> None:
    """A Dask scheduler address (``--scheduler``, else ``$DASK_SCHEDULER_ADDRESS``) with no
    HOST:PORT is refused before any work (exit 2, naming the option or the variable), not an
    internal error from Dask's parser once the run has begun; so is an address where no Dask
    scheduler answers (`check_scheduler`: nothing listens, or another server does), which
    before left a run's folder begun behind, or hung for ever in Dask's handshake."""
    from transition_sim.ensemble.executors import DASK_ADDRESS_VARIABLE, check_scheduler

    field = "--scheduler" if scheduler else f"${DASK_ADDRESS_VARIABLE}"
    address = scheduler or os.environ.get(DASK_ADDRESS_VARIABLE)
    if not address:
        return
    try:
        from distributed.comm.registry import get_backend
    except ImportError:  # no Dask: the executor says so
        return
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp", "tls", "ws", "wss"):
        # other transports (inproc, ucx) write addresses their own way: Dask checks them, but a
        # scheme it does not know (a typo, "tpc://") is bad input, not an internal error
        try:
            get_backend(scheme)
        except ValueError as err:
            message = f"{address!r} is not a scheduler address: {err}"
            raise CliError(message, field=field, text=f"{field}: {message}") from None
    else:
        host, colon, port = rest.rpartition(":")
        if not (colon and host and port.isdigit() and 0 < int(port) < 65536):
            message = f"{address!r} is not a scheduler address: expected tcp://HOST:PORT"
            raise CliError(message, field=field, text=f"{field}: {message}")

    def interrupted(err: Interrupted) -> CliError:
        text = f"{err} while asking {address} for a Dask scheduler; nothing was run"
        return CliError(str(err), err.exit_code, text=text)

    # The check may wait Dask's connect timeout and more (35 s by default), before the
    # command's own signal block: a Ctrl-C or SIGTERM then is the command's, 130/143 with a
    # message, not typer's silent 130 or a death by the signal.
    with stopped_by_signals(interrupted):
        check_scheduler(address, field)  # `SchedulerUnreachable`: exit 2 (`ErrorContractGroup`)


@contextmanager
def stopped_by_signals(interrupted: Callable[[Interrupted], CliError]) -> Iterator[list[int]]:
    """SIGINT (even one the shell set to be ignored) and SIGTERM stop the block at once
    (`raise_on_signals`; yields the signals received) and become the command's message,
    ``interrupted(err)``, with exit 130/143: how far it got and how to go on. An error that
    follows a signal (e.g. workers killed by the same Ctrl-C, noticed first) is that signal's;
    the command's own errors (`CliError`) pass unchanged. A second signal exits at once, the
    same message on stderr (only: no ``--json`` object) under a line that says so."""

    def exit_message(signum: int) -> str:
        return interrupted(Interrupted(signum)).text

    with raise_on_signals(exit_message=exit_message) as received:
        try:
            yield received
        except Interrupted as err:
            raise interrupted(err) from None
        except CliError:
            raise
        except Exception as err:
            if received:
                raise interrupted(Interrupted(received[0])) from err
            raise


def report(err: CliError, json_errors: bool) -> int:
    """Print ``err`` under the contract and return its exit status."""
    try:
        for line in err.text.splitlines() or [""]:
            typer.echo(f"error: {line}", err=True)
    except OSError:  # stderr's reader has gone too (`... 2>&1 | head -c0`): nothing can be
        stream_gone(sys.stderr)  # said, but the status is still the error's
    if json_errors:
        try:
            typer.echo(json.dumps(err.as_json()))
        except OSError:  # its reader has gone (Ctrl-C on `... --json | jq`), or the error
            stdout_gone()  # is stdout's own (a full disk): the line on stderr says it
    return err.code


def stdout_gone() -> None:
    """After a write to stdout found its reader gone: stdout goes to the null device, so that
    the interpreter's flush at exit does not fail on it again ("Exception ignored")."""
    stream_gone(sys.stdout)


def stream_gone(stream: Any) -> None:
    """`stdout_gone` for any standard stream (stderr's, when the error line cannot be written)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind it (a test's capture)
        pass


STDOUT_GONE = "stdout was closed before the output was written (its reader has gone)"


class ErrorContractGroup(TyperGroup):
    """Applies the error contract to every command, however the exception arises."""

    def invoke(self, ctx: Any) -> Any:
        """The command, its write into a closed stdout (``--json | head``) an error line: typer
        would catch it and exit 1 without a word."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            stdout_gone()
            raise CliError(STDOUT_GONE, 1) from None
        except SystemExit as err:  # rich's Console (tables, summaries) exits 1 on a closed
            if isinstance(err.__context__, BrokenPipeError):  # pipe (`on_broken_pipe`),
                stdout_gone()  # having sent stdout to the null device: no word said
                raise CliError(STDOUT_GONE, 1) from None
            raise

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
        except SystemExit as err:  # click's or rich's exit 1 on a closed stdout, outside the
            if not isinstance(err.__context__, BrokenPipeError):  # command (--help, --version)
                raise
            stdout_gone()
            code = report(CliError(STDOUT_GONE, 1), json_errors)
        except typer.TyperException as err:  # usage errors: bad options, values, arguments
            code = report(usage_error(err), json_errors)
        except typer.Abort:
            code = report(CliError("aborted", 1), json_errors)
        except CliError as err:
            code = report(err, json_errors)
        except Interrupted as err:
            code = report(CliError(str(err), err.exit_code), json_errors)
        except SchedulerUnreachable as err:  # from any command that takes --scheduler
            message = f"{err}: is the scheduler running, and is this its address?"
            code = report(
                CliError(message, field=err.field, text=f"{err.field}: {message}"), json_errors
            )
        except Exception as err:
            code = report(internal_error(err), json_errors)
        if standalone_mode:
            sys.exit(code)
        return code
