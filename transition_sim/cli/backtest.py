"""``transition-sim backtest DIR``: the case library against history (`transition_sim.backtest`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from transition_sim.backtest import NotACase, render, run_backtest
from transition_sim.cli.errors import CliError
from transition_sim.cli.loading import load

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``transition-sim backtest DIR`` to the command line (under its error contract)."""

    @app.command()
    def backtest(
        folder: Annotated[Path, typer.Argument(help="Folder of case files.", file_okay=False)],
        replications: Annotated[
            int, typer.Option("--replications", "-n", min=1, help="Replications per case.")
        ] = 200,
        seed: Annotated[
            int | None, typer.Option(min=0, help="Base seed. Default: each case's own.")
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option("--workers", "-w", min=1, help="Processes. Default: CPUs (same results)."),
        ] = None,
        json_output: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
    ) -> None:
        """Run every case of a library and score the model against what history recorded."""
        if not folder.is_dir():
            raise CliError(f"{folder}: not a folder of case files", file=str(folder))
        try:
            result = run_backtest(folder, load, replications, seed, workers or os.cpu_count() or 1)
        except NotACase as err:
            raise CliError(str(err), file=err.file, field="observed") from None
        if json_output:
            typer.echo(json.dumps(result.to_dict(), indent=2))
        else:
            render(result, Console())
