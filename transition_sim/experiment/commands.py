"""The experiment commands of ``transition-sim``: sweep, sensitivity, compare, discover.

Registered on the main app by `register` (at the end of `transition_sim.cli`). Parsing and
printing only; the work is in the modules they call. Exit status 2 for bad input (a spec or
scenario error, an output folder that cannot be used), 1 for an environment problem.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

__all__ = ["register"]

Workers = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Local processes. Default: CPUs (same results)."),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="DASK_SCHEDULER_ADDRESS",
        help="Dask scheduler address (tcp://HOST:8786); default $DASK_SCHEDULER_ADDRESS.",
    ),
]
Resume = Annotated[
    bool, typer.Option("--resume", help="Continue the runs stored in --out (same spec).")
]
Force = Annotated[bool, typer.Option("--force", help="Discard results already in --out.")]
BatchSize = Annotated[
    int | None, typer.Option("--batch-size", min=1, help="Runs per task. Default: ~2 s of work.")
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    from transition_sim.cli import _fail as fail

    fail(message, code)


class _Rate(ProgressColumn):
    """Runs per second, over rich's recent window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("–" if speed is None else f"{speed:,.1f} runs/s")


@contextmanager
def _progress(description: str, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A progress callback drawing a bar with rate and ETA on stderr (refreshed by us)."""
    if quiet:
        yield lambda done, total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), auto_refresh=False) as bar:
        task: list[Any] = []

        def advance(done: int, total: int) -> None:
            if not task:  # start at what is already done, so a resumed job's rate is right
                task.append(bar.add_task(description, total=total, completed=done))
            bar.update(task[0], completed=done, total=total)
            bar.refresh()

        yield advance


def _errors[**P, R](fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call ``fn``, turning bad input into exit 2 and I/O problems into exit 1."""
    from transition_sim.experiment.engine import EngineError
    from transition_sim.experiment.store import OutputExistsError
    from transition_sim.experiment.sweep import SweepDirError
    from transition_sim.scenario.loader import ScenarioError

    try:
        return fn(*args, **kwargs)
    except ScenarioError as err:
        _fail(str(err))
    except (SweepDirError, EngineError) as err:
        _fail(str(err))
    except OutputExistsError as err:
        _fail(f"output directory {err.path} is not empty; use --force to overwrite it")
    except OSError as err:
        _fail(str(err), code=1)


def _default_out(spec: Path) -> Path:
    return Path("results") / spec.stem


def _prepare(spec: Path) -> Any:
    from transition_sim.experiment.spec import load_spec
    from transition_sim.experiment.sweep import prepare

    return _errors(lambda: prepare(load_spec(spec)))


def _sweep(
    spec: Path,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    force: bool,
    batch_size: int | None,
    json_output: bool,
    sensitivity_only: bool = False,
) -> None:
    from transition_sim.experiment.jobs import run_sweep

    exp = _prepare(spec)
    if sensitivity_only and exp.spec.design.method not in ("morris", "sobol"):
        method = exp.spec.design.method
        _fail(f"{spec}: design: sensitivity needs a morris or sobol design, not {method}")
    out = out or _default_out(spec)
    total = len(exp.points) * exp.spec.replications
    workers = workers or min(os.cpu_count() or 1, total)
    with _progress(exp.spec.name) as advance:
        result = _errors(
            run_sweep, exp, out, workers=workers, scheduler=scheduler, resume=resume,
            force=force, progress=advance, batch_size=batch_size, command=sys.argv,
        )  # fmt: skip
    summary = {
        "out": str(out),
        "points": len(exp.points),
        "runs": result.runs,
        "ran": result.ran,
        "resumed": result.resumed,
        "failed": result.failed,
        "first_error": result.first_error,
    }
    if json_output:
        typer.echo(
            json.dumps(
                summary
                if result.sensitivity is None
                else summary | {"sensitivity": str(out / "sensitivity.json")},
                indent=2,
            )
        )
    else:
        console = Console()
        if result.sensitivity is not None:
            _print_sensitivity(result.sensitivity, console)
        console.print(
            f"{result.runs} runs ({result.ran} now, {result.failed} failed) at {len(exp.points)}"
            f" points; results in {out}"
        )
    if result.failed:
        failed = f"{result.failed} of {result.runs} runs failed"
        typer.echo(f"warning: {failed}; first error: {result.first_error}", err=True)
    if result.failed == result.runs:
        raise typer.Exit(1)


def _print_sensitivity(analysis: dict[str, Any], console: Console, top: int = 5) -> None:
    """The most influential parameters of each output."""
    key = "ST" if analysis["method"] == "sobol" else "mu_star"
    table = Table(title=f"{analysis['method'].capitalize()}: top {top} by {key} per output")
    table.add_column("output")
    table.add_column(f"parameters ({key} ± 95%)")
    table.add_column("noise floor", justify="right")
    table.add_column("converged")
    for name, entry in analysis["outputs"].items():
        order = sorted(range(len(entry["names"])), key=lambda i: -entry[key][i])[:top]
        shown = ", ".join(
            f"{entry['names'][i]} {entry[key][i]:.3g}±{entry[f'{key}_conf'][i]:.2g}" for i in order
        )
        floor = entry["noise_floor"]
        table.add_row(
            name,
            shown,
            "–" if floor is None else f"{floor:.3g}",
            "yes" if entry["convergence"]["converged"] else "no",
        )
    console.print(table)


def sweep(
    spec: Annotated[
        Path, typer.Argument(help="Experiment spec (experiments/*.yaml).", dir_okay=False)
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Default: results/SPEC-NAME.")
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    force: Force = False,
    batch_size: BatchSize = None,
    json_output: JsonOutput = False,
) -> None:
    """Run every design point x replication of an experiment spec (resumable)."""
    _sweep(spec, out, workers, scheduler, resume, force, batch_size, json_output)


def sensitivity(
    spec: Annotated[Path, typer.Argument(help="A morris or sobol spec.", dir_okay=False)],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Default: results/SPEC-NAME.")
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    force: Force = False,
    batch_size: BatchSize = None,
    json_output: JsonOutput = False,
) -> None:
    """Morris screening or Sobol indices (SALib) for every outcome share and metric."""
    _sweep(spec, out, workers, scheduler, resume, force, batch_size, json_output, True)


def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario files; the first is the reference.")
    ],
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", min=2, help="Default: the reference's.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Common base seed. Default: the reference's.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Keep runs and report here.")
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    force: Force = False,
    json_output: JsonOutput = False,
) -> None:
    """Compare scenarios with common random numbers: shares, metrics, differences and 95% CIs."""
    from transition_sim.experiment.jobs import run_compare
    from transition_sim.scenario.loader import load_scenario

    if len(scenarios) < 2:
        _fail("compare needs at least two scenario files")
    if len({str(s) for s in scenarios}) < len(scenarios):
        _fail("a scenario file is given twice")
    loaded = [_errors(load_scenario, path) for path in scenarios]
    n = replications or loaded[0].replications
    base_seed = loaded[0].seed if seed is None else seed
    workers = workers or min(os.cpu_count() or 1, n * len(loaded))
    with _progress("compare", quiet=False) as advance, _folder(out) as folder:
        result = _errors(
            run_compare, loaded, [str(s) for s in scenarios], folder, replications=n,
            seed=base_seed, workers=workers, scheduler=scheduler, resume=resume, force=force,
            progress=advance, command=sys.argv,
        )  # fmt: skip
    if json_output:
        typer.echo(json.dumps(result, indent=2))
    else:
        _print_compare(result, Console())
    if out is not None:
        typer.echo(f"results written to {out}", err=True)


@contextmanager
def _folder(out: Path | None) -> Iterator[Path]:
    if out is not None:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="transition-sim-compare-") as tmp:
        yield Path(tmp) / "compare"


def _number(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def _difference(d: dict[str, Any] | None, key: str, spec: str) -> str:
    """`` (+diff [lo, hi] ≈)``: a difference, its 95% interval, and ≈ within Monte Carlo error."""
    if not d or f"{key}diff" not in d:
        return ""
    lo, hi = d[f"{key}ci95"]
    mark = " ≈" if d[f"{key}label"].startswith("within") else ""
    return f" ({d[f'{key}diff']:+{spec}} [{lo:+{spec}}, {hi:+{spec}}]{mark})"


def _print_compare(result: dict[str, Any], console: Console) -> None:
    names = result["scenarios"]
    console.print(
        Text(
            f"{result['replications']} replications each, common random numbers (seed"
            f" {result['seed']}): replication r of every scenario uses the same seed. ≈ marks a"
            " difference within Monte Carlo error (its 95% interval contains 0).",
            style="dim",
        )
    )
    for title, rows, values, kind, spec in (
        ("Outcome shares", result["outcomes"], result["shares"], "outcomes", ".3f"),
        ("Metric medians", result["metrics"], result["medians"], "metrics", ".4g"),
    ):
        table = Table(title=f"{title}; differences from {Path(names[0]).stem}")
        table.add_column("outcome" if kind == "outcomes" else "metric")
        for name in names:
            table.add_column(Path(name).stem, justify="right")
        key = "" if kind == "outcomes" else "median_"
        for row in rows:
            cells = [_number(values[names[0]][row], spec)]
            for name in names[1:]:
                d = result["differences"][name][kind][row]
                cells.append(_number(values[name][row], spec) + _difference(d, key, spec))
            table.add_row(row, *cells)
        console.print(table)


def discover(
    results: Annotated[Path, typer.Argument(help="A sweep's output folder.", file_okay=False)],
    outcome: Annotated[str, typer.Option("--outcome", help="The outcome to explain.")],
    min_coverage: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Highlight the densest box with this coverage.")
    ] = 0.5,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write discovery.json and report.html here.")
    ] = None,
    json_output: JsonOutput = False,
) -> None:
    """Scenario discovery: PRIM boxes (coverage, density) and feature importances."""
    from transition_sim.experiment.jobs import run_discover

    try:
        result = _errors(
            run_discover, results, outcome, min_coverage=min_coverage, out=out, command=sys.argv
        )
    except ValueError as err:
        _fail(f"{results}: {err}")
    if json_output:
        typer.echo(json.dumps(result, indent=2))
    else:
        _print_discovery(result, Console())


def _print_discovery(result: dict[str, Any], console: Console) -> None:
    prim = result["prim"]
    console.print(
        Text(f"{result['outcome']}: {result['share']:.1%} of {result['runs']} runs", style="bold")
    )
    table = Table(title=f"PRIM peeling trajectory (chosen: {prim['rule']})")
    for column in ("box", "coverage", "density", "restricted parameters"):
        table.add_column(column)
    for box in prim["boxes"]:
        limits = "; ".join(f"{k} in [{v[0]:.4g}, {v[1]:.4g}]" for k, v in box["restricted"].items())
        style = "bold green" if box["id"] == prim["chosen"] else None
        table.add_row(
            str(box["id"]),
            f"{box['coverage']:.2f}",
            f"{box['density']:.2f}",
            limits or "(all)",
            style=style,
        )
    console.print(table)
    importance = result["importance"]
    if importance.get("auc") is None:
        console.print(f"feature importances: {importance.get('note')}")
        return
    ranks = Table(title=f"Permutation importance (held-out ROC AUC {importance['auc']:.2f})")
    ranks.add_column("parameter")
    ranks.add_column("drop in AUC", justify="right")
    for name, value, std in zip(
        importance["names"], importance["importance"], importance["std"], strict=True
    ):
        ranks.add_row(name, f"{value:.3f} ± {std:.3f}")
    console.print(ranks)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``transition-sim`` app."""
    for command in (sweep, sensitivity, compare, discover):
        app.command()(command)
