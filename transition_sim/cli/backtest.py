"""``transition-sim backtest DIR``: the case library against history (`transition_sim.backtest`)."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from transition_sim.cli.errors import (
    MAX_INTEGER,
    MAX_WORKERS,
    CliError,
    refuse_bad_scheduler,
    refuse_file_out,
    stopped_by_signals,
)
from transition_sim.cli.loading import load
from transition_sim.cli.progress import progress_bar
from transition_sim.cli.scenarios import prior_error, prior_uncertainty, refuse_no_priors
from transition_sim.ensemble.executors import Interrupted

__all__ = ["register"]

POINT = "or --uncertainty point"  # the backtest's remedy for priors it cannot draw from


class BacktestParameters(StrEnum):
    """Where a backtest's parameters come from (`--loo` draws from a posterior instead)."""

    point = "point"
    prior = "prior"


def register(app: typer.Typer) -> None:
    """Add ``transition-sim backtest DIR`` to the command line (under its error contract)."""

    @app.command()
    def backtest(
        folder: Annotated[Path, typer.Argument(help="Folder of case files.", file_okay=False)],
        replications: Annotated[
            int | None,
            typer.Option(
                "--replications",
                "-n",
                min=1,
                help="Replications per case (default 200), or per particle and case with"
                " --loo (default 20).",
            ),
        ] = None,
        seed: Annotated[
            int | None,
            typer.Option(min=0, max=MAX_INTEGER, help="Base seed. Default: each case's own."),
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
        json_output: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
        loo: Annotated[
            bool,
            typer.Option(
                "--loo",
                help="Leave-one-out scores under --posterior (PSIS-LOO): each case forecast"
                " from the posterior reweighted without it, beside in-sample.",
            ),
        ] = False,
        posterior: Annotated[
            Path | None,
            typer.Option(help="With --loo: the posterior folder (or posterior.parquet)."),
        ] = None,
        particles: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="With --loo: at most this many particles, by a systematic weighted"
                " resample (default: every particle, with its weight).",
            ),
        ] = None,
        without: Annotated[
            list[str] | None,
            typer.Option(
                help="With --loo: also average without these cases (file stems; default"
                " kazakhstan_2022, the baseline's case, in-sample to its calibration).",
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="With --loo: save the counts here by particle (a rerun continues from"
                " them) and the record as loo.json.",
            ),
        ] = None,
        scheduler: Annotated[
            str | None, typer.Option(help="With --loo: a Dask scheduler address.")
        ] = None,
        uncertainty: Annotated[
            BacktestParameters | None,
            typer.Option(
                help="prior (the default without --loo): each replication draws the"
                " assumption-sourced parameters from their priors (seeds/claims.yaml), so the"
                " forecast carries the parameters' uncertainty; point: each case at its values"
                " (seed noise only). --loo draws from --posterior instead.",
                show_default=False,
            ),
        ] = None,
        seeds_per_draw: Annotated[
            int,
            typer.Option(
                min=1,
                max=MAX_INTEGER,
                help="With --uncertainty prior: run each draw with this many seeds.",
            ),
        ] = 1,
        priors: Annotated[
            Path | None,
            typer.Option(
                help="With --uncertainty prior: the registry (default seeds/claims.yaml)."
            ),
        ] = None,
    ) -> None:
        """Run every case of a library and score the model against what history recorded."""
        from transition_sim.backtest import NotACase, render, run_backtest
        from transition_sim.claims import PriorError

        if not folder.is_dir():
            raise CliError(f"{folder}: not a folder of case files", file=str(folder))
        if uncertainty is not None and (loo or posterior is not None):
            message = f"--uncertainty {uncertainty.value} contradicts --loo (which draws from"
            raise CliError(f"{message} --posterior)", field="--uncertainty")
        drawn = uncertainty is not BacktestParameters.point and not (loo or posterior)
        for given, name in ((seeds_per_draw != 1, "--seeds-per-draw"), (priors, "--priors")):
            if given and not drawn:
                message = f"{name} needs drawn parameters (not --uncertainty point or --loo)"
                raise CliError(message, field=name)
        if loo or posterior is not None:
            _loo(
                folder,
                posterior,
                replications or 20,
                seed,
                workers or os.cpu_count() or 1,
                particles,
                ["kazakhstan_2022"] if without is None else without,
                out,
                scheduler,
                json_output,
                loo,
            )
            return
        for given, name in ((particles, "--particles"), (out, "--out"), (without, "--without")):
            if given is not None:
                raise CliError(f"{name} needs --loo", field=name)

        parameters = prior_uncertainty(seeds_per_draw, priors) if drawn else None
        if parameters is not None:
            refuse_no_priors(parameters, priors, POINT)

        def interrupted(err: Interrupted) -> CliError:
            return CliError(str(err), err.exit_code, text=f"{err}; nothing was saved")

        try:
            with stopped_by_signals(interrupted):
                result = run_backtest(
                    folder,
                    load,
                    replications or 200,
                    seed,
                    workers or os.cpu_count() or 1,
                    parameters,
                )
        except NotACase as err:
            raise CliError(str(err), file=err.file, field="observed") from None
        except PriorError as err:  # a case a prior's end makes invalid (`refused_draws`)
            raise prior_error(err, POINT) from None
        if json_output:
            typer.echo(json.dumps(result.to_dict(), indent=2))
        else:
            render(result, Console())


def _loo(
    folder: Path,
    posterior: Path | None,
    replications: int,
    seed: int | None,
    workers: int,
    particles: int | None,
    without: list[str],
    out: Path | None,
    scheduler: str | None,
    json_output: bool,
    loo: bool,
) -> None:
    """``backtest --loo``: check everything, say how much work it is, run, score, print."""
    import sys
    import time

    from transition_sim.backtest import NotACase, case_files
    from transition_sim.backtest.loo import (
        Case,
        choose_particles,
        class_counts,
        render,
        run_counts,
        score,
    )
    from transition_sim.claims import PriorError, load_priors
    from transition_sim.cli.scenarios import refuse_other_rules
    from transition_sim.scenario.address import scenario_values
    from transition_sim.scenario.posterior import PosteriorError, column_problems, read_posterior

    if not loo:
        raise CliError("--posterior needs --loo", field="--posterior")
    if posterior is None:
        raise CliError("--loo needs --posterior DIR (the fitted posterior)", field="--posterior")
    refuse_file_out(out)
    refuse_bad_scheduler(scheduler)
    try:
        drawn = read_posterior(posterior)
    except PosteriorError as err:
        text = f"{posterior}: --posterior: {err}"
        raise CliError(str(err), file=str(posterior), field="--posterior", text=text) from None
    files = case_files(folder)
    if not files:
        raise CliError(f"{folder}: no case files (*.yaml) here", file=str(folder))
    cases = []
    for file in files:
        scenario = load(file)
        if scenario.observed is None:
            err = NotACase(f"{file}: observed: a case needs the recorded outcome", file)
            raise CliError(str(err), file=str(file), field="observed")
        bad = column_problems(drawn, scenario_values(scenario), str(file))
        if bad:
            text = f"{drawn.file}: --posterior: {bad[0]}"
            raise CliError(bad[0], file=str(posterior), field="--posterior", text=text)
        remedy = "leave the case out, or score a posterior fitted under its rule"
        refuse_other_rules(drawn, scenario, file, remedy, "the case")
        base_seed = scenario.seed if seed is None else seed
        cases.append(
            Case(
                scenario.name,
                str(file),
                scenario,
                scenario.observed.outcome,
                scenario.observed.crisis,
                base_seed,
            )
        )
    stems = {f.stem for f in files}
    unknown = [w for w in without if w not in stems]
    if unknown and without != ["kazakhstan_2022"]:
        raise CliError(f"--without: no case file {unknown[0]!r} in {folder}", field="--without")
    try:
        coupled = load_priors().coupled
    except (PriorError, OSError) as err:
        raise CliError(f"cannot read the registry's coupled sets: {err}", field="coupled") from None
    rows, weights = choose_particles(drawn, particles, seed or 0)
    how = (
        "every particle"
        if particles is None or particles >= len(drawn)
        else f"the distinct draws of a weighted resample of {particles}"
    )

    def announce(left: int) -> None:
        """The work before it starts: what is left of it, and a time from one timed run."""
        total = left * len(cases) * replications
        if total:
            class_counts(cases[0], drawn.particle(rows[0]), coupled, 1)  # compiles, warms
            start = time.perf_counter()
            class_counts(cases[0], drawn.particle(rows[0]), coupled, 1)
            per_run = time.perf_counter() - start
            eta = f"; about {total * per_run / workers / 60:.0f} min on {workers} workers"
            eta += f" (at {per_run:.2f} s per run, timed on the first case)"
        else:
            eta = ""
        print(
            f"LOO: {len(rows)} particles ({how}, of {len(drawn)}) x {len(cases)} cases x"
            f" {replications} replications; {left} particles left to run ="
            f" {total:,} replications{eta}",
            file=sys.stderr,
        )

    from transition_sim.ensemble.store import OutputError

    def interrupted(err: Interrupted) -> CliError:
        kept = (
            f"the particles finished so far are kept in {out}: the same command continues"
            if out is not None
            else "nothing was saved (with --out DIR the finished particles are kept)"
        )
        return CliError(str(err), err.exit_code, text=f"{err}; {kept}")

    try:
        with stopped_by_signals(interrupted), progress_bar("LOO") as progress:
            counts = run_counts(
                cases,
                drawn,
                rows,
                weights,
                replications,
                coupled,
                workers=workers,
                scheduler=scheduler,
                out=out,
                progress=progress,
                announce=announce,
            )
    except OutputError as err:
        message = str(err).replace("use --force to discard them", "remove it to start again")
        text = f"{out}: --out: {message}"
        raise CliError(message, file=str(out), field="--out", text=text) from None
    result = score(cases, counts, [w for w in without if w in stems])
    record = result.to_dict() | {"posterior": {"file": drawn.file, "sha256": drawn.sha256}}
    if out is not None:
        _write_json(out / "loo.json", record)
    if json_output:
        typer.echo(json.dumps(record, indent=2))
    else:
        render(result, Console())


def _write_json(path: Path, record: dict) -> None:
    """Write ``record`` to ``path`` atomically (a temp file renamed over it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
