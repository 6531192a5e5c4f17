"""The ``transition-sim`` command line: parsing and printing only; the work is in `experiment`.

Exit codes: 0 success, 1 an environment problem (e.g. a missing optional module, an I/O error),
2 bad input (usage, an invalid scenario file, an output directory that would be overwritten).
Machine-readable output (``run --json``, ``schema``) goes alone on stdout; progress and
diagnostics go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import transition_sim
from transition_sim.experiment.runner import Ensemble, run_ensemble
from transition_sim.experiment.store import OutputExistsError, check_output_dir, write_results
from transition_sim.experiment.summary import render_summary, summarize
from transition_sim.scenario.schema import Scenario

app = typer.Typer(
    name="transition-sim",
    help="Agent-based simulator of elite power transitions.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str, code: int = 2) -> NoReturn:
    """Report ``message`` (one ``error:`` line per line of it) on stderr and exit with ``code``."""
    for line in message.splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def _loader() -> ModuleType:
    """The scenario loader, imported on first use so the CLI starts even without it."""
    try:
        from transition_sim.scenario import loader
    except ImportError as err:
        _fail(f"scenario loader not available ({err})", code=1)
    return loader


def _load(path: Path) -> Scenario:
    """Load a scenario file, turning a `ScenarioError` into a one-line error and exit 2."""
    loader = _loader()
    try:
        return loader.load_scenario(path)
    except loader.ScenarioError as err:
        _fail(str(err))


def _run_with_progress(
    scenario: Scenario, replications: int, seed: int | None, workers: int
) -> Ensemble:
    """Run the ensemble with a progress bar on stderr (refreshed by us: no refresh thread)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), auto_refresh=False) as bar:
        task = bar.add_task(scenario.name, total=replications)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            bar.refresh()

        return run_ensemble(scenario, replications, seed, workers=workers, progress=advance)


def _output_errors[**P, R](fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call an output-directory function, turning its errors into one-line messages."""
    try:
        return fn(*args, **kwargs)
    except OutputExistsError as err:
        _fail(f"output directory {err.path} is not empty; use --force to overwrite it")
    except OSError as err:
        _fail(str(err), code=1)


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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write results here.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a non-empty --out directory.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print only the JSON summary.")
    ] = False,
) -> None:
    """Run an ensemble of replications of a scenario and summarize the outcomes."""
    scenario = _load(file)
    n = scenario.replications if replications is None else replications
    if out is not None:
        _output_errors(check_output_dir, out, force=force)  # fail before the run, not after it
    ensemble = _run_with_progress(scenario, n, seed, workers or min(os.cpu_count() or 1, n))
    summary = summarize(ensemble)
    if out is not None:
        _output_errors(
            write_results, out, ensemble, ensemble.scenario, force=force, command=sys.argv
        )
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
    else:
        render_summary(summary, Console())
    if out is not None:
        typer.echo(f"results written to {out}", err=True)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
) -> None:
    """Check scenario files; print 'ok' or the error for each, exit 2 if any is invalid."""
    loader = _loader()
    failed = False
    for file in files:
        try:
            loader.load_scenario(file)
        except loader.ScenarioError as err:
            typer.echo(str(err))
            failed = True
        except OSError as err:
            typer.echo(f"{file}: {err.strerror or err}")
            failed = True
        else:
            typer.echo(f"ok  {file}")
    if failed:
        raise typer.Exit(2)


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
        _fail(f"claims registry not available ({err})", code=1)
    registry.print_claims(Console())


from transition_sim.dashboard.commands import register  # noqa: E402

register(app)

from transition_sim.experiment.commands import register as register_experiments  # noqa: E402

register_experiments(app)
