"""The commands on scenario files: ``run``, ``validate``, ``schema`` and ``claims``."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from transition_sim.cli.errors import (
    MAX_INTEGER,
    MAX_WORKERS,
    CliError,
    output_error,
    refuse_bad_scheduler,
    refuse_file_out,
    stopped_by_signals,
)
from transition_sim.cli.loading import load_checked, loader
from transition_sim.cli.progress import progress_bar
from transition_sim.ensemble.executors import DASK_ADDRESS_VARIABLE, Interrupted

if TYPE_CHECKING:
    from transition_sim.claims import PriorError
    from transition_sim.ensemble.uncertainty import Uncertainty
    from transition_sim.scenario.posterior import Posterior, RulesMismatch
    from transition_sim.scenario.schema import Scenario

# The ensemble's modules (numpy, pandas, pyarrow, the model) are imported by the commands that
# run one, so that `--help` and the light commands start fast.

__all__ = [
    "KeepChoice",
    "claims",
    "posterior_uncertainty",
    "prior_error",
    "prior_uncertainty",
    "refuse_no_priors",
    "register",
    "rules_error",
    "run",
    "schema",
    "validate",
]


class UncertaintyChoice(StrEnum):
    """Where a run's parameters come from (auto: the scenario's posterior if it names one,
    else the priors)."""

    auto = "auto"
    point = "point"
    prior = "prior"
    posterior = "posterior"


class KeepChoice(StrEnum):
    """What a result folder keeps (`runner.KEEP`)."""

    all = "all"
    summary = "summary"


def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.", dir_okay=False)],
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications", "-n", min=1, max=MAX_INTEGER, help="Default: the scenario's."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=MAX_INTEGER, help="Base seed. Default: the scenario's.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=MAX_WORKERS,
            help="Processes. Default: CPUs (same results).",
        ),
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
    uncertainty: Annotated[
        UncertaintyChoice,
        typer.Option(
            help="auto (default): the scenario's from_posterior if it names one, else the"
            " priors; prior: each replication draws the assumption-sourced parameters from"
            " their priors (seeds/claims.yaml); posterior: one particle of the posterior per"
            " draw; point: the scenario's values (seed noise only)."
        ),
    ] = UncertaintyChoice.auto,
    point: Annotated[
        bool,
        typer.Option(
            "--point", help="Point values, seed noise only (the same as --uncertainty point)."
        ),
    ] = False,
    seeds_per_draw: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_INTEGER,
            help="With drawn parameters: run each draw with this many seeds, to split each"
            " outcome's variance between parameters and seeds (needs 2 or more).",
        ),
    ] = 1,
    priors: Annotated[
        Path | None,
        typer.Option(help="The registry the priors are read from. Default: seeds/claims.yaml."),
    ] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(
            help="A posterior folder (or posterior.parquet) to draw from instead of the"
            " scenario's from_posterior (implies --uncertainty posterior)."
        ),
    ] = None,
) -> None:
    """Run an ensemble of replications of a scenario and summarize the outcomes."""
    from transition_sim.lazy import defer_for_run, frames_without_source, importing

    output_errors: tuple[type[Exception], ...] = ()
    with importing():
        defer_for_run()  # what a run never uses loads only if something touches it
        with frames_without_source():  # Mesa's logger looks up its module on the stack
            import mesa  # noqa: F401

        import transition_sim.core.model  # noqa: F401  what `simulate` imports, here
        from transition_sim.core.kernel import seed_stream

        # numba's first load of a compiled function from its cache installs its typing and
        # lowering registries (a quarter of a short run, a hundred thousand objects): made
        # here, they are not scanned by the collector as they grow, and frozen after. Every
        # run's crowd (agents or blocks) seeds its stream with this one.
        seed_stream(0)
        if getattr(seed_stream, "stats", None) and seed_stream.stats.cache_misses:
            # compiled, not loaded (a cold cache): the compiler's cyclic garbage, thousands of
            # objects, is collected here rather than frozen for the whole run
            import gc

            gc.collect()
        from transition_sim.ensemble.runner import resolve, run_batches
        from transition_sim.ensemble.summary import render_summary, summarize_runs
        from transition_sim.ensemble.tables import stack

        if out is not None:  # only a result folder needs the store (and Parquet's writer)
            from transition_sim.ensemble import store
            from transition_sim.ensemble.job import run_to_folder
            from transition_sim.ensemble.lock import LockedError

            output_errors = (store.OutputError, LockedError)

    loaded, checked = load_checked(file)
    scenario = resolve(loaded, replications, seed)
    n = scenario.replications
    if resume and out is None:
        raise CliError(
            "--resume needs --out (the directory of the interrupted run)", field="--resume"
        )
    refuse_file_out(out, force=force)
    refuse_bad_scheduler(scheduler)
    drawn = _uncertainty(
        scenario, uncertainty, point, seeds_per_draw, priors, posterior, file, loaded, checked
    )
    workers = workers or min(os.cpu_count() or 1, n)

    def hint() -> str:
        """The command that resumes this run: every option that makes its identity."""
        args = [str(file), "-n", str(n), "--seed", str(scenario.seed), "--keep", keep.value]
        args += _mode_args(drawn, priors, posterior)
        args += ["-w", str(workers)] + (["--scheduler", scheduler] if scheduler else [])
        args += ["--out", str(out), "--resume"] + (["--json"] if json_output else [])
        return shlex.join(["transition-sim", "run", *args])

    with (
        stopped_by_signals(lambda err: _interrupted(err, out, hint())),
        progress_bar(scenario.name) as progress,
    ):
        try:
            if out is None:
                # Arrow tables, summarized without pandas (a sixth of a short run's CPU)
                _, batches = run_batches(
                    scenario,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                    keep="summary",
                    uncertainty=drawn,
                )
                runs = stack([batch.runs for batch in batches])
                summary = summarize_runs(runs, scenario.name, scenario.seed, uncertainty=drawn)
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
                    uncertainty=drawn,
                )
        except output_errors as err:
            raise output_error(err) from None

    def show() -> None:
        if json_output:
            typer.echo(json.dumps(summary, indent=2))
        else:
            render_summary(summary, Console())

    if out is None:
        show()
        return
    # The results are complete in `out`: a signal while the summary is printed (a pager's
    # Ctrl-C) says so, and a closed or full stdout (rich: SystemExit) still gets the report.
    hint_report = shlex.join(["transition-sim", "report", str(out)])
    closed: BaseException | None = None
    with stopped_by_signals(_complete_in(out, hint_report, "printing the summary")):
        try:
            show()
        except (OSError, SystemExit) as err:
            closed = err
    _finish_folder(out, hint_report)
    if closed is not None:
        raise closed  # the error contract's line (`ErrorContractGroup.invoke`)


def _finish_folder(out: Path, hint_report: str) -> None:
    """Say where the results are and write their report, a signal meanwhile said to leave the
    results complete."""
    typer.echo(f"results written to {out}", err=True)
    with stopped_by_signals(_complete_in(out, hint_report, "writing the report")):
        _write_run_report(out)


def _complete_in(out: Path, hint_report: str, doing: str) -> Callable[[Interrupted], CliError]:
    """The message of a signal received after the results were saved in `out`, while `doing`
    what is left: they are complete, and how to write their report."""

    def interrupted(err: Interrupted) -> CliError:
        text = f"{err} while {doing}; the results are complete in {out}"
        text += f"\nwrite its report with: {hint_report}"
        return CliError(str(err), err.exit_code, text=text)

    return interrupted


def _mode_args(drawn: Uncertainty | None, priors: Path | None, posterior: Path | None) -> list[str]:
    """The options that give a resumed run the same parameters."""
    if drawn is None:
        return ["--point"]
    args = ["--uncertainty", drawn.mode, "--seeds-per-draw", str(drawn.seeds_per_draw)]
    args += ["--priors", str(priors)] if priors is not None and drawn.posterior is None else []
    return args + (["--posterior", str(posterior)] if posterior is not None else [])


def _uncertainty(
    scenario: Scenario,
    choice: UncertaintyChoice,
    point: bool,
    seeds_per_draw: int,
    priors: Path | None,
    posterior: Path | None = None,
    file: Path | None = None,
    loaded: Scenario | None = None,
    checked: Posterior | None = None,
) -> Uncertainty | None:
    """What a run draws its parameters from (None: point values): by default the scenario's
    posterior if it names one, else the priors; a `CliError` (exit 2) locating a bad prior or
    posterior, or a contradictory choice. ``loaded``: the scenario as read from ``file``."""
    if point and choice not in (UncertaintyChoice.auto, UncertaintyChoice.point):
        raise CliError(f"--point contradicts --uncertainty {choice.value}", field="--point")
    if posterior is not None and (point or choice is UncertaintyChoice.point):
        raise CliError("--point contradicts --posterior", field="--posterior")
    if posterior is not None and choice is UncertaintyChoice.prior:
        raise CliError("--posterior contradicts --uncertainty prior", field="--posterior")
    if point or choice is UncertaintyChoice.point:
        if seeds_per_draw != 1:
            message = "--seeds-per-draw needs drawn parameters (not --point)"
            raise CliError(message, field="--seeds-per-draw")
        return None
    if posterior is not None:
        return posterior_uncertainty(
            scenario, posterior, seeds_per_draw, priors, file=file, loaded=loaded
        )
    if scenario.from_posterior is not None and choice is not UncertaintyChoice.prior:
        path = Path(scenario.from_posterior)
        return posterior_uncertainty(
            scenario, path, seeds_per_draw, priors, file=file, loaded=loaded, checked=checked
        )
    if choice is UncertaintyChoice.posterior:
        message = "the scenario names no from_posterior: give --posterior PATH"
        raise CliError(message, field="--uncertainty")
    drawn = prior_uncertainty(seeds_per_draw, priors, file, loaded)
    refuse_no_priors(drawn, priors, RUN_POINT)
    from transition_sim.claims import PriorError
    from transition_sim.ensemble.uncertainty import refuse_refused_draws

    try:  # the registry was checked against the baseline: a draw must not stop this one midway
        runs = [(scenario.replications, scenario.seed)]  # `scenario` is resolved: its draws
        refuse_refused_draws([scenario], [file or Path(scenario.name)], drawn, runs)
    except PriorError as err:
        raise prior_error(err, RUN_POINT) from None
    return drawn


RUN_POINT = "or run with --point"  # `run`'s remedy for priors it cannot draw from


def refuse_no_priors(drawn: Uncertainty, priors: Path | None, remedy: str) -> None:
    """A registry with no prior (an empty file, say) is refused: the run would say "drawn" and
    draw nothing. ``remedy``: the command's way to run at point values instead."""
    if not drawn.priors:
        message = f"no priors to draw from (no assumption has priors:); {remedy}"
        where = str(priors or drawn.source)
        raise CliError(message, file=where, field="--priors", text=f"{where}: --priors: {message}")


def prior_error(err: PriorError, remedy: str) -> CliError:
    """A prior the scenario refuses at one of its ends (`claims.refused_draws`) under the
    contract: exit 2 at the prior's line, with the command's ``remedy``."""
    text = f"{err}; {remedy}"
    return CliError(err.message, file=str(err.file), line=err.line, field=err.field, text=text)


def posterior_uncertainty(
    scenario: Scenario,
    path: Path,
    seeds_per_draw: int,
    priors: Path | None,
    field: str = "--posterior",
    file: Path | None = None,
    remedy: str | None = None,
    loaded: Scenario | None = None,
    checked: Posterior | None = None,
) -> Uncertainty:
    """Draws from the posterior at ``path`` (checked against ``scenario``, read from ``file``:
    its columns and the model rules of its fit; ``remedy``: what to do instead of a refused
    rule, default `run`'s); coupled sets are the registry's, as for the priors (``loaded``: the
    scenario as read from ``file``, see `prior_uncertainty`; ``checked``: the particles of the
    scenario's ``from_posterior`` as the loader read and checked them against it, as
    `column_problems` does: drawn from as they are, the file neither read nor checked again,
    for it may have been replaced in between). A `CliError` (exit 2) naming the file and
    ``field``, or the scenario's rule."""
    from transition_sim.ensemble.uncertainty import Uncertainty
    from transition_sim.scenario.address import scenario_values
    from transition_sim.scenario.posterior import (
        RUN_REMEDY,
        PosteriorError,
        column_problems,
        read_posterior,
    )

    try:
        drawn = checked if checked is not None else read_posterior(path)
    except PosteriorError as err:
        text = f"{path}: {field}: {err}"
        raise CliError(str(err), file=str(path), field=field, text=text) from None
    bad = [] if checked is not None else column_problems(drawn, scenario_values(scenario))
    if bad:
        text = f"{drawn.file}: {field}: {bad[0]}"
        raise CliError(bad[0], file=str(path), field=field, text=text)
    refuse_other_rules(drawn, scenario, file, remedy or RUN_REMEDY)
    coupled = prior_uncertainty(1, priors, file, loaded).coupled
    return Uncertainty((), coupled, seeds_per_draw, drawn.file, drawn)


def refuse_other_rules(
    posterior: Posterior,
    scenario: Scenario,
    file: Path | None,
    remedy: str,
    name: str = "the scenario",
) -> None:
    """`posterior.check_rules` under the contract: a scenario (``name``, read from ``file``)
    that runs another model rule than the posterior's fit is a `rules_error` (exit 2)."""
    from transition_sim.scenario.address import scenario_values
    from transition_sim.scenario.posterior import RulesMismatch, check_rules

    try:
        check_rules(posterior, scenario_values(scenario), name, remedy)
    except RulesMismatch as err:
        raise rules_error(err, file) from None


def rules_error(err: RulesMismatch, file: Path | None = None) -> CliError:
    """A `posterior.RulesMismatch` under the contract: exit 2, at the line of the scenario
    ``file`` (or a file it extends) that writes the rule, if given."""
    from transition_sim.scenario.loader import ScenarioError, field_location

    if file is None:
        return CliError(err.message, field=err.field, text=f"{err.field}: {err.message}")
    try:
        where, line = field_location(file, err.field)
    except (ScenarioError, OSError):  # changed since it was loaded: name the file alone
        where, line = file, None
    text = f"{where}:{line}: {err}" if line is not None else f"{where}: {err}"
    return CliError(err.message, file=str(where), line=line, field=err.field, text=text)


def prior_uncertainty(
    seeds_per_draw: int,
    priors: Path | None,
    file: Path | None = None,
    loaded: Scenario | None = None,
) -> Uncertainty:
    """Draws from the priors of the registry (`CliError` locating a bad one), checked against
    the baseline scenario: ``loaded`` (read from ``file``) if that is the baseline's file, which
    is then not read again."""
    from transition_sim.claims import BASELINE_PATH, ROOT, PriorError, load_priors, prior_problems
    from transition_sim.ensemble.uncertainty import Uncertainty

    if priors is not None:
        _check_registry_file(priors)
    same = file is not None and Path(file).resolve() == Path(BASELINE_PATH).resolve()
    try:
        registry = load_priors(priors)
        problems = prior_problems(registry, scenario=loaded if same else None)
    except PriorError as err:
        problems = [err]
    except OSError as err:
        message = f"cannot read: {err.strerror or err}"
        text = f"{priors}: --priors: {message}"
        raise CliError(message, file=str(priors), field="--priors", text=text) from None
    if problems:
        first = problems[0]
        raise CliError(
            first.message,
            file=str(first.file),
            line=first.line,
            field=first.field,
            text="\n".join(str(p) for p in problems),
            details={
                "problems": [
                    {"file": str(p.file), "line": p.line, "field": p.field, "message": p.message}
                    for p in problems
                ]
            },
        )
    source = registry.file.resolve()
    if source.is_relative_to(ROOT):  # the repository's registry: a path that travels
        source = source.relative_to(ROOT)
    return Uncertainty(registry.priors, registry.coupled, seeds_per_draw, str(source))


def _check_registry_file(priors: Path) -> None:
    """Read ``--priors`` as every YAML input is (`scenario.loader.read_located`: a regular
    UTF-8 file, no duplicate keys), so that a pipe does not hang the run, bytes do not end it
    in an internal error, and a folder is named as such: exit 2 naming the file and option."""
    from transition_sim.cli.errors import scenario_error
    from transition_sim.scenario.loader import ScenarioError, read_located

    try:
        read_located(priors)
    except ScenarioError as err:
        if err.line is not None:  # inside the file: at its line and field
            raise scenario_error(err) from None
        empty = err.message.startswith("file is empty")  # its remedy is a scenario's
        message = "file is empty: no priors to draw from" if empty else err.message
        text = f"{priors}: --priors: {message}"
        raise CliError(message, file=str(priors), field="--priors", text=text) from None


def _write_run_report(out: Path) -> None:
    """The HTML report of a finished result folder. The results are complete without it, so a
    failure is a warning, not an error: `transition-sim report` can write it later."""
    from transition_sim.ensemble import store
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


def _interrupted(err: Interrupted, out: Path | None, hint: str) -> CliError:
    from transition_sim.ensemble import store

    if out is None:
        return CliError(f"{err}; nothing was saved (no --out)", err.exit_code)
    try:
        saved = store.saved_replications(out)
    except OSError:
        saved = 0
    staging = store.staging_path(store.output_path(out))
    text = f"{err}; {saved} finished replications are kept in {staging}\ncontinue with: {hint}"
    return CliError(str(err), err.exit_code, text=text, details={"saved": saved})


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
            _drawable(*load_checked(file), file)
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


def _drawable(scenario: Scenario, checked: Posterior | None, file: Path) -> None:
    """A scenario that names a posterior runs the model rules of its fit, as a default `run`
    requires (`posterior.check_rules`): else the `CliError` `run` gives, at the rule's line.
    ``checked``: its particles as the loader read them (not read again)."""
    if scenario.from_posterior is None or checked is None:
        return
    remedy = "remove its from_posterior, or run it at point values (--point)"
    refuse_other_rules(checked, scenario, file, remedy)


def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    typer.echo(json.dumps(loader().json_schema(), indent=2))


def claims() -> None:
    """List the registry of claims the model is tested against."""
    try:
        import transition_sim.claims as registry
    except ImportError as err:
        raise CliError(f"claims registry not available ({err})", 1) from None
    registry.print_claims(Console())


def register(app: typer.Typer) -> None:
    """Add ``run``, ``validate``, ``schema`` and ``claims`` to the ``transition-sim`` app."""
    for command in (run, validate, schema, claims):
        app.command()(command)
