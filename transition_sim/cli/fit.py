"""``transition-sim fit SPEC --out DIR [--resume | --force]``: one ABC-SMC fit across the case
library (`transition_sim.studies.fit`). Parsing and printing only; bad input (the spec, an address a
case sets, an unknown prior) exits 2 with ``file:line: field: message``, and a folder that
``--resume`` cannot continue with ``DIR: --out: --resume: message``."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from transition_sim.cli.errors import (
    MAX_WORKERS,
    CliError,
    output_error,
    refuse_bad_scheduler,
    refuse_file_out,
    scenario_error,
    stopped_by_signals,
)
from transition_sim.ensemble.executors import DASK_ADDRESS_VARIABLE, Interrupted

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``transition-sim fit`` to the command line (under its error contract)."""

    @app.command()
    def fit(
        spec: Annotated[
            Path, typer.Argument(help="Fit spec (experiments/fit/*.yaml).", dir_okay=False)
        ],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers", "-w", min=1, max=MAX_WORKERS, help="Local processes. Default: CPUs."
            ),
        ] = None,
        scheduler: Annotated[
            str | None,
            typer.Option(
                "--scheduler",
                help=f"Dask scheduler address (tcp://HOST:8786); default ${DASK_ADDRESS_VARIABLE}.",
            ),
        ] = None,
        budget_minutes: Annotated[
            float | None,
            typer.Option(
                "--budget-minutes",
                min=0.1,
                help="Start no generation that would not finish, with the predictive draws,"
                " within this many minutes.",
            ),
        ] = None,
        resume: Annotated[
            bool,
            typer.Option(
                "--resume",
                help="Continue the interrupted fit in --out from its last finished generation"
                " (same spec, code and --budget-minutes; any workers): the posterior it would"
                " have given in one go.",
            ),
        ] = False,
        force: Annotated[
            bool,
            typer.Option(
                "--force",
                help="Start over in an --out that holds an earlier fit (finished or"
                " interrupted), replacing it.",
            ),
        ] = False,
        json_output: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
    ) -> None:
        """Fit the shared parameters to the library with ABC-SMC (same spec, same posterior;
        an interrupted fit continues with --resume)."""
        from transition_sim.ensemble.lock import LockedError
        from transition_sim.ensemble.store import OutputError, lock_output, output_path
        from transition_sim.scenario.loader import ScenarioError
        from transition_sim.studies.fit import ResumeError, prepare, run_fit
        from transition_sim.studies.fit_spec import load_fit_spec

        refuse_file_out(out)
        refuse_bad_scheduler(scheduler)
        if force and resume:
            message = "--force starts over and --resume continues: give one of them"
            raise CliError(message, field="--force", text=f"--force: {message}")
        _refuse_other_folder(out, keep_fit=resume or force)

        def hint() -> str:
            """The command that resumes this fit: the options that make its identity."""
            args = [str(spec), "--out", str(out)]
            args += ["--budget-minutes", repr(budget_minutes)] if budget_minutes else []
            args += ["-w", str(workers)] if workers else []
            args += ["--scheduler", scheduler] if scheduler else []
            return shlex.join(["transition-sim", "fit", *args, "--resume"])

        # As `run` and `sweep`: a signal stops the fit at once, its workers killed, exit 130/143.
        with stopped_by_signals(lambda err: _interrupted(err, out, hint())) as received:

            def log(text: str) -> None:
                """Say how far the fit got; called after each generation, so that also stops
                it if the signal's exception was lost (raised where Python only prints it)."""
                if received:
                    raise Interrupted(received[0])
                if not json_output:
                    typer.echo(text, err=True)

            try:
                # The spec (its file and what it names), and a resume of no folder, refused
                # before the lock: it creates the parents of --out.
                sf = load_fit_spec(spec)
                problem = prepare(sf)
                if resume and not out.is_dir():
                    raise ResumeError(
                        f"--resume: nothing to resume in {out}: no interrupted fit is there"
                    )
                # One fit at a time in a folder (a second one, or a resume, would write the same
                # database): the lock beside it that runs take, `DIR: --out: ... in use`, on the
                # folder itself as `run` takes it (a link resolved; `.` has no name to lock).
                with lock_output(output_path(out)):
                    result = run_fit(
                        sf, out, workers=workers or os.cpu_count() or 1,
                        scheduler=scheduler, budget_minutes=budget_minutes, log=log,
                        resume=resume, problem=problem,
                    )  # fmt: skip
            except (OutputError, LockedError) as err:
                raise output_error(err) from None
            except ScenarioError as err:
                raise scenario_error(err) from None
            except ResumeError as err:
                text = f"{out}: --out: {err}"
                raise CliError(
                    str(err), file=str(out), field="--out", text=text, details={"path": str(out)}
                ) from None
        last = result.diagnostics.iloc[-1]
        summary = {
            "out": str(out),
            "generations": len(result.diagnostics),
            "stopped": result.stopped,
            "epsilon": float(last.epsilon),
            "acceptance_rate": float(last.acceptance_rate),
            "ess": float(last.ess),
            "evaluations": int(result.diagnostics.evaluations.sum()),
            "posterior_mean": {
                c: float((result.posterior[c] * result.posterior.weight).sum())
                for c in result.posterior.columns[2:]
            },
        }
        if json_output:
            typer.echo(json.dumps(summary, indent=2))
        else:
            typer.echo(result.diagnostics.to_string(index=False))
            typer.echo(
                f"{summary['generations']} generations (stopped: {result.stopped}); posterior,"
                f" diagnostics, predictive draws and report.html in {out}"
            )


def _interrupted(err: Interrupted, out: Path, hint: str) -> CliError:
    from transition_sim.studies.fit import RECORD

    if not (out / RECORD).is_file():  # stopped before the fit began: nothing to resume
        again = hint.removesuffix(" --resume")
        text = f"{err}; the fit stopped before it began, so nothing is kept in {out}: run it"
        text += f" again with\n  {again}"
        return CliError(str(err), err.exit_code, text=text, details={"out": str(out)})
    text = (
        f"{err}; the fit stopped before its end, so {out} is incomplete; its finished"
        f" generations are kept: resume it with\n  {hint}\n(or start over with --force in"
        " place of --resume)"
    )
    return CliError(str(err), err.exit_code, text=text, details={"out": str(out)})


def _refuse_other_folder(out: Path, *, keep_fit: bool) -> None:
    """A fit replaces its own files in ``out`` (posterior, diagnostics, report.html...): a folder
    that holds files and no earlier fit (a run's results, anyone's files) is refused, exit 2,
    before its report.html or anything else is overwritten. So is an earlier fit, unless
    ``keep_fit`` (``--resume`` continues it, ``--force`` replaces it): as `run` refuses a folder
    of results, a second fit with the same command must not discard hours of generations."""
    from transition_sim.studies.fit import DATABASE, DIAGNOSTICS, POSTERIOR, PREDICTIVE, RECORD

    try:
        names = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    except OSError:
        return  # unreadable: the fit's own write says why
    fit_files = {POSTERIOR, DIAGNOSTICS, PREDICTIVE, DATABASE, RECORD} & set(names)
    if not names or (fit_files and keep_fit):
        return
    if fit_files:
        message = _earlier_fit(out / RECORD, POSTERIOR in fit_files)
    else:
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        message = f"holds files and no earlier fit ({shown}): give a new or empty folder"
    text = f"{out}: --out: {message}"
    raise CliError(message, file=str(out), field="--out", text=text, details={"path": str(out)})


def _earlier_fit(record_file: Path, has_posterior: bool) -> str:
    """What the earlier fit whose record is ``record_file`` is, and the options that use it."""
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
        finished = bool(record["finished"]) if isinstance(record, dict) else has_posterior
        done = len(record["generations"]) if isinstance(record, dict) else None
    except FileNotFoundError:  # a fit from before the record: its posterior says it finished
        finished, done = has_posterior, None
    except (OSError, ValueError, KeyError, TypeError):
        finished, done = False, None
    if finished:
        return "holds a finished fit: give a new folder, or --force to replace it"
    got = "" if done is None else f" ({done} generation{'' if done == 1 else 's'} finished)"
    return f"holds an interrupted fit{got}: continue it with --resume, or start over with --force"
