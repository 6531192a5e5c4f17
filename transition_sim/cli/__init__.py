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
import gc
from typing import Annotated

import typer

import transition_sim
from transition_sim.cli import backtest, claims, dashboard, fit, scenarios, studies
from transition_sim.cli.errors import ErrorContractGroup

__all__ = ["app"]

# At exit, every object still alive moves to the permanent generation, which the interpreter's
# final collection skips (a fifth of a short run's CPU time went to it). The exit is otherwise
# normal: buffered output is flushed and atexit handlers run.
atexit.register(gc.freeze)

app = typer.Typer(
    name="transition-sim",
    help="Agent-based simulator of elite power transitions.",
    cls=ErrorContractGroup,
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


# The order of registration is the order of ``--help``.
scenarios.register(app)
dashboard.register(app)
backtest.register(app)
studies.register(app)
claims.register(app)
fit.register(app)
