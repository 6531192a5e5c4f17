"""The experiment commands of ``transition-sim``: sweep, sensitivity, compare, discover.

Registered on the main app by `register` (in `transition_sim.cli`). Parsing and printing
only; the work is in `transition_sim.studies.studies`. They follow the CLI's error contract
(`transition_sim.cli.errors`): exit 2 for bad input (a spec or scenario error, an output folder
that cannot be used or is locked), 1 for an internal or system error, 130/143 when stopped by
SIGINT/SIGTERM (the finished parts are kept: ``--resume`` continues); ``--json`` errors.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from transition_sim.cli.errors import (
    MAX_INTEGER,
    MAX_WORKERS,
    CliError,
    output_error,
    refuse_bad_scheduler,
    refuse_file_out,
    scenario_error,
    stopped_by_signals,
)
from transition_sim.cli.loading import load
from transition_sim.cli.progress import progress_bar
from transition_sim.ensemble.executors import DASK_ADDRESS_VARIABLE

__all__ = ["register"]

Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        max=MAX_WORKERS,
        help="Local processes. Default: CPUs (same results).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help=f"Dask scheduler address (tcp://HOST:8786); default ${DASK_ADDRESS_VARIABLE}.",
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
AllowCode = Annotated[
    bool,
    typer.Option(
        "--allow-code",
        help="Let the spec name a model outside transition-sim and its registered models"
        " (it runs that code: only for specs you trust).",
    ),
]
SpecArgument = Annotated[
    Path, typer.Argument(help="Experiment spec (experiments/*.yaml).", dir_okay=False)
]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Default: results/SPEC-NAME.")]


def _error(message: str, code: int = 2, **where: Any) -> CliError:
    return CliError(message, code, **where)


def _saved(out: Path) -> int:
    from transition_sim.studies.sweep import stored_runs

    try:
        return stored_runs(out)
    except OSError:
        return 0


@contextmanager
def _study(resume_hint: str, out: Path) -> Iterator[Callable[[int, int], None]]:
    """Run a study under the CLI's contract: a progress bar on stderr, signals turned into an
    exit 130/143 that says how to resume, bad input into exit 2."""
    from transition_sim.ensemble.lock import LockedError
    from transition_sim.ensemble.store import OutputError
    from transition_sim.scenario.loader import ScenarioError
    from transition_sim.studies.engine import EngineError

    def interrupted(err: Any) -> CliError:
        saved = _saved(out)
        text = f"{err}; {saved} finished runs are kept in {out}\ncontinue with: {resume_hint}"
        return _error(str(err), err.exit_code, text=text, details={"saved": saved})

    with stopped_by_signals(interrupted), progress_bar(out.name) as progress:
        try:
            yield progress
        except ScenarioError as err:
            raise scenario_error(err) from None
        except (OutputError, LockedError) as err:
            raise output_error(err) from None
        except EngineError as err:
            raise _error(str(err)) from None


def _default_out(spec: Path) -> Path:
    return Path("results") / spec.stem


def _prepare(spec: Path, allow_code: bool) -> Any:
    from transition_sim.scenario.loader import ScenarioError
    from transition_sim.studies.spec import load_spec
    from transition_sim.studies.sweep import prepare

    try:
        return prepare(load_spec(spec), allow_code=allow_code)
    except ScenarioError as err:
        raise scenario_error(err) from None


def _sweep(
    spec: Path,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    force: bool,
    batch_size: int | None,
    json_output: bool,
    command: str,
    allow_code: bool,
) -> None:
    from transition_sim.studies.studies import run_sweep

    exp = _prepare(spec, allow_code)
    method = exp.spec.design.method
    if command == "sensitivity" and method not in ("morris", "sobol"):
        raise _error(
            f"sensitivity needs a morris or sobol design, not {method}", file=str(spec),
            field="design", text=f"{spec}: design: sensitivity needs a morris or sobol design,"
            f" not {method}",
        )  # fmt: skip
    out = out or _default_out(spec)
    refuse_file_out(out, force=force)
    refuse_bad_scheduler(scheduler)
    total = len(exp.points) * exp.spec.replications
    workers = workers or min(os.cpu_count() or 1, total)
    options = ["-w", str(workers)] + (["--scheduler", scheduler] if scheduler else [])
    options += (["--batch-size", str(batch_size)] if batch_size else []) + (
        ["--allow-code"] if allow_code else []
    )
    hint = shlex.join(["transition-sim", command, str(spec), *options, "--out", str(out)])
    hint += " --resume"
    with _study(hint, out) as progress:
        result = run_sweep(
            exp, out, workers=workers, scheduler=scheduler, resume=resume, force=force,
            progress=progress, batch_size=batch_size, command=sys.argv,
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
    if result.sensitivity is not None:
        summary["sensitivity"] = str(out / "sensitivity.json")
    if json_output:
        typer.echo(json.dumps(summary, indent=2))
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
        raise _error(f"every run failed; the first: {result.first_error}", 1)


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


def _sweep_command(command: str, summary: str) -> Callable[..., None]:
    """``sweep`` and ``sensitivity``: the same options; ``sensitivity`` wants Morris or Sobol."""

    def run(
        spec: SpecArgument,
        out: Out = None,
        workers: Workers = None,
        scheduler: Scheduler = None,
        resume: Resume = False,
        force: Force = False,
        batch_size: BatchSize = None,
        json_output: JsonOutput = False,
        allow_code: AllowCode = False,
    ) -> None:
        _sweep(
            spec, out, workers, scheduler, resume, force, batch_size, json_output, command,
            allow_code,
        )  # fmt: skip

    run.__name__ = run.__qualname__ = command
    run.__doc__ = summary
    return run


sweep = _sweep_command(
    "sweep", "Run every design point x replication of an experiment spec (resumable)."
)
sensitivity = _sweep_command(
    "sensitivity", "Morris screening or Sobol indices (SALib) for every outcome share and metric."
)


def compare(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario files; the first is the reference.")
    ],
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications", "-n", min=2, max=MAX_INTEGER, help="Default: the reference's."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_INTEGER, help="Common base seed. Default: the reference's."),
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
    from transition_sim.studies.studies import run_compare

    if len(scenarios) < 2:
        raise _error("compare needs at least two scenario files", field="SCENARIOS")
    if len({str(s) for s in scenarios}) < len(scenarios):
        raise _error("a scenario file is given twice", field="SCENARIOS")
    if resume and out is None:
        raise _error("--resume needs --out (the folder of the interrupted comparison)",
                     field="--resume")  # fmt: skip
    refuse_file_out(out, force=force)
    refuse_bad_scheduler(scheduler)
    loaded = [load(path) for path in scenarios]
    n = replications or loaded[0].replications
    base_seed = loaded[0].seed if seed is None else seed
    workers = workers or min(os.cpu_count() or 1, n * len(loaded))
    with _folder(out) as folder:
        args = [*(str(s) for s in scenarios), "-n", str(n), "--seed", str(base_seed)]
        args += ["-w", str(workers)] + (["--scheduler", scheduler] if scheduler else [])
        hint = shlex.join(["transition-sim", "compare", *args, "--out", str(folder), "--resume"])
        with _study(hint, folder) as progress:
            result = run_compare(
                loaded, [str(s) for s in scenarios], folder, replications=n, seed=base_seed,
                workers=workers, scheduler=scheduler, resume=resume, force=force,
                progress=progress, command=sys.argv,
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
    from pyarrow import ArrowInvalid

    from transition_sim.ensemble.lock import LockedError
    from transition_sim.ensemble.store import OutputError
    from transition_sim.scenario.loader import ScenarioError
    from transition_sim.studies.discover import DiscoveryError
    from transition_sim.studies.studies import run_discover

    refuse_file_out(out)
    _refuse_folder_without_runs(results)
    try:
        result = run_discover(
            results, outcome, min_coverage=min_coverage, out=out, command=sys.argv
        )
    except ArrowInvalid as err:  # a part of runs/ that is no Parquet file: the folder's fault
        message = f"cannot read its runs: {str(err)[:200]}"
        raise _error(f"{results}: {message}", file=str(results), field="RESULTS") from None
    except ScenarioError as err:
        raise scenario_error(err) from None
    except (OutputError, LockedError) as err:
        raise output_error(err) from None
    except DiscoveryError as err:
        raise _error(f"{results}: {err}", field="--outcome") from None
    if json_output:
        typer.echo(json.dumps(result, indent=2))
    else:
        _print_discovery(result, Console())


def _refuse_folder_without_runs(results: Path) -> None:
    """A sweep folder with no runs (runs/ removed or emptied) is bad input, exit 2: not a
    system error (FileNotFoundError) nor an internal one (KeyError) from reading nothing."""
    if (results / "spec.yaml").is_file() and not any((results / "runs").glob("part-*.parquet")):
        message = "no runs (runs/part-*.parquet): not a whole sweep folder"
        raise _error(f"{results}: {message}", file=str(results), field="RESULTS")


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
