"""The ``transition-sim`` command line: parsing and printing only; the work is in `ensemble`
and `studies`.

- `errors`: the error contract (exit codes, ``error:`` lines, ``--json`` errors) for every command;
- `loading`: scenario files read with their errors located; `progress`: the progress bar;
- one module per group of commands: `scenarios` (run, validate, schema, claims), `dashboard`
  (dashboard, report), `backtest`, `studies` (sweep, sensitivity, compare, discover), `claims`
  (check-claims), `fit` (fit).
"""

from __future__ import annotations

import atexit
import faulthandler
import gc
import importlib
import os
import signal
import sys
from collections.abc import Iterator, MutableMapping
from types import FrameType
from typing import Annotated, Any

# SIGINT and SIGTERM before a command's own signal block (`errors.stopped_by_signals`): the
# command line's start-up (its imports, a third of `run -n 1`'s time, then the command's own
# before its block) ended by SIGTERM with no message at all, by SIGINT with a traceback or a
# silent 130. Installed first thing where this process is the command line (not where it is
# imported, by tests or scripts); the cost is two `signal.signal` calls (`START_UP_SIGNALS`).
START_UP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_command_running = False  # set by `Group.main`: a signal then raises `Interrupted`


def _the_command_line() -> bool:
    """This process runs ``transition-sim`` or ``python -m transition_sim``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name == "transition_sim.__main__":
        return True
    return bool(sys.argv) and os.path.basename(sys.argv[0]) == "transition-sim"


def _signal_at_start_up(signum: int, frame: FrameType | None) -> None:
    """Once a command runs, the error contract's `Interrupted` (exit 130/143 and its message,
    the command's ``finally`` blocks run); before, while the command line is imported and no
    exception can be caught, the same line and exit at once: nothing has been done yet."""
    executors = sys.modules.get("transition_sim.ensemble.executors")
    if _command_running and executors is not None:
        raise executors.Interrupted(signum)
    message = f"interrupted by {signal.Signals(signum).name}"
    try:  # a stream whose reader has gone (Ctrl-C on `... --json | jq`) must not stop the exit
        os.write(2, f"error: {message} while starting; nothing was run\n".encode())
        if "--json" in sys.argv[1:]:
            error = f'"code": {128 + signum}, "message": "{message}", "file": null'
            os.write(1, f'{{"error": {{{error}, "line": null, "field": null}}}}\n'.encode())
    except OSError:
        pass
    os._exit(128 + signum)


_lost: list[int] = []  # signals whose `Interrupted` was swallowed where it landed (`_unraisable`)


def _unraisable(args: Any) -> None:
    """A start-up signal's `Interrupted` raised where Python only prints it and goes on (a
    ctypes callback: llvmlite's, while `run` loads its kernels; a finalizer): the command ran on
    to exit 0. Kept instead: raised at the command's next task (`executors.raise_deferred`,
    as its own block does), else the command's exit is the signal's (`Group.main`)."""
    executors = sys.modules.get("transition_sim.ensemble.executors")
    if executors is not None and isinstance(args.exc_value, executors.Interrupted):
        _lost.append(args.exc_value.signum)
        executors.defer(args.exc_value.signum)
        return
    _PREVIOUS_UNRAISABLEHOOK(args)


_PREVIOUS_UNRAISABLEHOOK = sys.unraisablehook
_PREVIOUS_HANDLERS = (
    {signum: signal.signal(signum, _signal_at_start_up) for signum in START_UP_SIGNALS}
    if _the_command_line()
    else {}
)
if _PREVIOUS_HANDLERS:
    sys.unraisablehook = _unraisable

from transition_sim.lazy import importing  # noqa: E402 (after the signals' handler)

# The command line's own imports (typer, click, rich) without the collector, which scanned
# them as they grew, and frozen after: the full collection that `importing` starts each
# command's imports with then scans only what was made since (it cost 0.02-0.03 s of `run`).
with importing():
    import typer
    import typer.main

    import transition_sim
    from transition_sim.cli import scenarios
    from transition_sim.cli.errors import ErrorContractGroup

__all__ = ["LAZY_COMMANDS", "app"]

# The other modules of commands, imported when one of their commands is used (or listed, by
# ``--help``), so that ``run`` pays for neither their import nor their commands' conversion
# (0.02-0.03 s of its start-up): module -> its commands, in the order of ``--help``, which
# lists ``scenarios``' first.
LAZY_COMMANDS: dict[str, tuple[str, ...]] = {
    "dashboard": ("dashboard", "report"),
    "backtest": ("backtest",),
    "studies": ("sweep", "sensitivity", "compare", "discover"),
    "claims": ("check-claims",),
    "fit": ("fit",),
}

# At exit, every object still alive moves to the permanent generation, which the interpreter's
# final collection skips (a fifth of a short run's CPU time went to it). The exit is otherwise
# normal: buffered output is flushed and atexit handlers run.
atexit.register(gc.freeze)

# `kill -USR1 PID` prints every thread's stack to stderr: how a command that hangs is diagnosed
# (the fit's signal test sends it before killing a fit that did not stop in time).
faulthandler.register(signal.SIGUSR1, all_threads=True)


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in order, those of `LAZY_COMMANDS` converted (by typer, as
    it does the others) when first looked up."""

    def __init__(self, commands: MutableMapping[str, Any]) -> None:
        self._built = dict(commands)
        self._pending = {
            name: module
            for module, names in LAZY_COMMANDS.items()
            for name in names
            if name not in self._built
        }
        self._order = [*self._built, *self._pending]

    def _load(self, module: str) -> None:
        commands = typer.Typer()
        importlib.import_module(f"transition_sim.cli.{module}").register(commands)
        for info in commands.registered_commands:
            command = typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
            assert command.name is not None
            self[command.name] = command

    def __getitem__(self, name: str) -> Any:
        if name in self._pending:
            self._load(self._pending[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._pending.pop(name, None)
        if name not in self._order:
            self._order.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if self._pending.pop(name, None) is None:
            del self._built[name]
        self._order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


class Group(ErrorContractGroup):
    """The command line's group: the error contract, and `LazyCommands`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """The command, a signal before its own block reported as in it (`Interrupted`, exit
        130/143); the start-up's handlers undone after it (the interpreter's at exit)."""
        global _command_running
        _command_running = True
        try:
            return super().main(*args, **kwargs)
        except SystemExit as done:
            if not _lost or done.code not in (0, None):
                raise
            # a signal lost at start-up (`_unraisable`) and never raised: it is the exit
            message = f"interrupted by {signal.Signals(_lost[0]).name}"
            typer.echo(f"error: {message} (while the command started; it ran on)", err=True)
            raise SystemExit(128 + _lost[0]) from None
        finally:
            _command_running = False
            for signum, handler in _PREVIOUS_HANDLERS.items():
                signal.signal(signum, handler)
            if _PREVIOUS_HANDLERS:
                sys.unraisablehook = _PREVIOUS_UNRAISABLEHOOK


app = typer.Typer(
    name="transition-sim",
    help="Agent-based simulator of elite power transitions.",
    cls=Group,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)


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


# ``run``, ``validate``, ``schema``, ``claims``; then `LAZY_COMMANDS`: the order of ``--help``.
scenarios.register(app)
