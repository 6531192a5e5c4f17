"""Whole studies, as the command line runs them: a sweep or a comparison into a folder, from
start (or resume) to manifest, and discovery on a sweep's folder. Each step is a function of the
steps before it; this module only strings them together.

The output folder is locked for the whole study (`store.lock_output`: a second run on the same
folder is refused); the work runs on `executors.open_executor` (terminated on an interrupt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from transition_sim.ensemble import store
from transition_sim.ensemble.executors import open_executor
from transition_sim.ensemble.store import write_text_atomic
from transition_sim.ensemble.summary import OUTCOMES
from transition_sim.ensemble.uncertainty import Uncertainty, describe
from transition_sim.scenario.loader import scenario_hash, scenario_to_yaml
from transition_sim.scenario.schema import Scenario
from transition_sim.studies import report, sensitivity
from transition_sim.studies.compare import compare_plan, differences
from transition_sim.studies.discover import discover
from transition_sim.studies.engine import ProgressFn, run_plan
from transition_sim.studies.spec import data_hash, load_spec
from transition_sim.studies.sweep import (
    Experiment,
    failures,
    json_ready,
    load_runs,
    metric_names,
    outcome_names,
    prepare_dir,
    prepare_sweep_dir,
    run_blocks,
    summarize_folder,
    summarize_points,
    sweep_plan,
    write_json,
    write_manifest,
    write_points,
)

__all__ = ["SweepResult", "finish_sweep", "run_compare", "run_discover", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    out: Path
    resumed: bool
    ran: int  # runs made by this call (the others were stored already)
    runs: int
    failed: int
    first_error: str | None
    points: pd.DataFrame
    sensitivity: dict[str, Any] | None


def _load_kernel_before_fork(workers: int) -> None:
    """Load the compiled crowd kernel (from numba's cache) here, once, so that forked workers
    inherit it instead of each loading it."""
    if workers > 1:
        from transition_sim.core.population import warm_up

        warm_up()


def run_sweep(
    exp: Experiment,
    out: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int | None = None,
    command: Sequence[str] | None = None,
) -> SweepResult:
    """Run (or resume) ``exp`` into ``out`` and write its summaries, report and manifest."""
    out = store.output_path(out)
    with store.lock_output(out):
        resumed = prepare_sweep_dir(out, exp, resume=resume, force=force)
        if isinstance(exp.model.base, Scenario):
            _load_kernel_before_fork(workers)
        with open_executor(workers, scheduler) as executor:
            ran = run_plan(sweep_plan(exp), out, executor, progress, batch_size)
        return finish_sweep(exp, out, resumed=resumed, ran=ran, command=command)


def finish_sweep(
    exp: Experiment, out: Path, *, resumed: bool, ran: int, command: Sequence[str] | None
) -> SweepResult:
    """Everything after the runs: points.parquet, sensitivity.json, report.html (the
    dashboard's report of a sweep folder, `transition_sim.viz.report`), manifest.json."""
    spec = exp.spec
    outcomes = outcome_names(out, exp.outcomes)
    points = summarize_folder(out, spec.paths, outcomes)
    write_points(out, points)
    analysis = None
    if spec.design.method in ("morris", "sobol"):
        analysis = sensitivity.analyze(exp, run_blocks(out), outcomes)
        write_json(out / "sensitivity.json", analysis)
    from transition_sim.viz.report import write_report

    write_report(out)
    failed, first_error = failures(out)
    runs = int(points["n"].sum() + points["n_failed"].sum())
    write_manifest(out, exp, {"runs": runs, "failed": failed}, command)
    return SweepResult(out, resumed, ran, runs, failed, first_error, points, analysis)


def run_compare(
    scenarios: Sequence[Scenario],
    names: Sequence[str],
    out: Path,
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: ProgressFn | None = None,
    command: Sequence[str] | None = None,
    uncertainties: Sequence[Uncertainty | None] | None = None,
) -> dict[str, Any]:
    """Run every scenario with common random numbers into ``out``; return ``compare.json``.
    ``uncertainties`` (one per scenario): the draws of each replication's parameters
    (`compare.compare_plan`); None: point values."""
    hashes = [scenario_hash(s) for s in scenarios]
    parameters = None if uncertainties is None else [describe(u) for u in uncertainties]
    key = data_hash(
        [hashes, list(names), replications, seed] + ([parameters] if parameters else [])
    )

    def write_inputs(folder: Path) -> None:
        (folder / "scenarios").mkdir(exist_ok=True)
        entries = []
        for i, (scenario, name) in enumerate(zip(scenarios, names, strict=True)):
            file = f"scenarios/{i}.yaml"
            write_text_atomic(folder / file, scenario_to_yaml(scenario))
            entries.append({"name": name, "file": file, "hash": hashes[i]})
        inputs: dict[str, Any] = {
            "scenarios": entries,
            "replications": replications,
            "seed": seed,
            "key": key,
        }
        if parameters is not None:
            inputs["parameters"] = parameters
        write_text_atomic(folder / "compare.yaml", yaml.safe_dump(inputs, sort_keys=False))

    def stored_key(folder: Path) -> str:
        return str(yaml.safe_load((folder / "compare.yaml").read_text(encoding="utf-8"))["key"])

    out = store.output_path(out)
    with store.lock_output(out):
        prepare_dir(
            out, marker="compare.yaml", key=key, stored_key=stored_key,
            write_inputs=write_inputs, resume=resume, force=force,
        )  # fmt: skip
        plan = compare_plan(scenarios, names, replications, seed, uncertainties)
        _load_kernel_before_fork(workers)
        with open_executor(workers, scheduler) as executor:
            run_plan(plan, out, executor, progress)
        return _finish_compare(out, names, replications, seed, command)


def _finish_compare(
    out: Path, names: Sequence[str], replications: int, seed: int, command: Sequence[str] | None
) -> dict[str, Any]:
    runs = load_runs(out)
    points = summarize_points(runs, ["scenario"], OUTCOMES, len(names))
    write_points(out, points)
    metrics = metric_names(runs, ["scenario"])
    rows = points.set_index("scenario")
    result = {
        "scenarios": list(names),
        "reference": names[0],
        "replications": replications,
        "seed": seed,
        "common_random_numbers": "replication r of every scenario runs with seed"
        " replication_seed(seed, r), as `transition-sim run --seed` does",
        "outcomes": list(OUTCOMES),
        "metrics": metrics,
        "failed": {name: int(rows.loc[name, "n_failed"]) for name in names},
        "shares": {name: {o: rows.loc[name, f"share_{o}"] for o in OUTCOMES} for name in names},
        "share_ci95": {
            name: {
                o: [rows.loc[name, f"share_{o}_lo"], rows.loc[name, f"share_{o}_hi"]]
                for o in OUTCOMES
            }
            for name in names
        },
        "medians": {name: {m: rows.loc[name, f"{m}_median"] for m in metrics} for name in names},
        "differences": differences(runs, names, OUTCOMES, metrics, seed),
    }
    result = json_ready(result)
    write_json(out / "compare.json", result)
    report.write_report(
        out / "report.html",
        f"Comparison against {names[0]}",
        [
            (
                "Outcomes",
                result["common_random_numbers"] + ". Hollow markers: within Monte Carlo error.",
                [
                    report.compare_figure(points, OUTCOMES),
                    report.differences_figure(result["differences"]),
                ],
            )
        ],
    )
    write_manifest(
        out, None, {"compare": list(names), "replications": replications, "seed": seed}, command
    )
    return result


def run_discover(
    results: Path,
    outcome: str,
    *,
    min_coverage: float = 0.5,
    out: Path | None = None,
    command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Scenario discovery on a sweep folder (`transition_sim.studies.discover`)."""
    spec = load_spec(results / "spec.yaml").spec
    runs = load_runs(results)
    found = json_ready(
        discover(runs, spec.paths, outcome, min_coverage=min_coverage, seed=spec.seed)
    )
    if out is not None:
        out = store.output_path(out)
        with store.lock_output(out):
            store.check_output_dir(out)
            out.mkdir(parents=True, exist_ok=True)
            write_json(out / "discovery.json", found)
            report.write_report(
                out / "report.html",
                f"Where {outcome} is likely: {spec.name}",
                [("Scenario discovery", discover_text(found), report.discovery_figures(found))],
            )
            write_manifest(out, None, {"discover": str(results), "outcome": outcome}, command)
    return found


def discover_text(found: dict[str, Any]) -> str:
    return (
        f"{found['share']:.1%} of {found['runs']} runs end in {found['outcome']}. PRIM boxes:"
        " coverage is the share of those runs inside the box, density the share of the box's"
        f" runs that end in it; chosen: {found['prim']['rule']}."
    )
