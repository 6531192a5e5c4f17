"""``transition-sim check-claims``: the panel's claims (``expects:`` in seeds/claims.yaml) as a
battery of paired comparisons with common random numbers; the work is in
`transition_sim.studies.claims_battery`.

Every claim is reported: holds, fails (the model contradicts it), inconclusive, or not checked
(with the registry's reason). Exit 0 whatever the verdicts; 2 for a bad registry entry
(``file:line: field: message``), an unknown ``--only`` id, or a posterior that cannot be used.

Parameters: under ``--posterior DIR`` (or a baseline's own ``from_posterior:``, unless
``--point``), replication r of a baseline and of its counterfactuals runs the same particle and
the same seed; otherwise the scenarios' point values.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from transition_sim.cli.errors import MAX_INTEGER, MAX_WORKERS, CliError, scenario_error
from transition_sim.cli.progress import progress_bar

if TYPE_CHECKING:
    from transition_sim.ensemble.uncertainty import Uncertainty

__all__ = ["register"]


def _expectations(registry: Path | None, metrics: set[str] | None) -> tuple[list, list]:
    from transition_sim.claims import ExpectationError, load_expectations

    try:
        return load_expectations(registry, metrics=metrics)
    except ExpectationError as err:
        raise CliError(
            err.message, 2, file=str(err.file), line=err.line, field=err.field, text=str(err)
        ) from None


def _select(expectations: list, untested: list, only: list[str], registry: Path) -> tuple:
    ids = {e.claim for e in expectations} | {e.key for e in expectations}
    ids |= {u.claim for u in untested}
    unknown = [i for i in only if i not in ids]
    if unknown:
        message = f"unknown claim id {unknown[0]!r} (see `transition-sim claims`)"
        text = f"{registry}: --only: {message}"
        raise CliError(message, 2, file=str(registry), field="--only", text=text)
    chosen = set(only)
    return (
        [e for e in expectations if e.claim in chosen or e.key in chosen],
        [u for u in untested if u.claim in chosen],
    )


# What to do instead of drawing from a posterior fitted under another rule.
REMEDY = (
    "run at point values (--point), or draw from a posterior fitted under this rule"
    " (--posterior DIR)"
)


def _parameters(
    baselines: list[str], posterior: Path | None, point: bool
) -> dict[str, Uncertainty | None]:
    """Each baseline's draws: ``--posterior``, else its ``from_posterior`` (unless ``--point``),
    else point values; a posterior that cannot be used exits 2 naming the file and field."""
    from transition_sim.claims import SCENARIOS_DIR
    from transition_sim.cli.scenarios import posterior_uncertainty
    from transition_sim.scenario.loader import ScenarioError, load_scenario_and_posterior

    if point and posterior is not None:
        raise CliError("--point contradicts --posterior", field="--posterior")
    out: dict[str, Uncertainty | None] = {}
    for baseline in baselines:
        file = SCENARIOS_DIR / f"{baseline}.yaml"
        try:
            scenario, checked = load_scenario_and_posterior(file)
        except ScenarioError as err:
            raise scenario_error(err) from None
        if posterior is not None:
            out[baseline] = posterior_uncertainty(
                scenario, posterior, 1, None, file=file, remedy=REMEDY
            )
        elif scenario.from_posterior is not None and not point:
            path = Path(scenario.from_posterior)
            out[baseline] = posterior_uncertainty(
                scenario, path, 1, None, "from_posterior", file=file, remedy=REMEDY,
                checked=checked,
            )  # fmt: skip
        else:
            out[baseline] = None
    return out


# What to do instead of drawing particles a counterfactual refuses.
PARTICLE_REMEDY = (
    "run at point values (--point), or draw from a posterior whose particles it accepts"
    " (--posterior DIR)"
)


def _counterfactual_draws(
    expectations: list, drawn: dict[str, Uncertainty | None], registry: Path
) -> None:
    """Refuse, before any comparison runs, a counterfactual that cannot run the draws of the
    posterior its baseline draws from: one that runs another model rule than the posterior's
    fit, or that a particle makes invalid (`posterior.column_problems`, as `run` checks a
    scenario: a particle the baseline accepts may cross a value the counterfactual sets; its
    runs failed, and the claim was called "inconclusive"). At the registry entry whose ``set:``
    changes it, or at the line of the counterfactual's scenario file that writes the rule."""
    from transition_sim.claims import SCENARIOS_DIR, counterfactual_scenario
    from transition_sim.cli.scenarios import rules_error
    from transition_sim.ensemble.uncertainty import own_values_kept
    from transition_sim.scenario.address import scenario_values
    from transition_sim.scenario.loader import load_scenario
    from transition_sim.scenario.posterior import RulesMismatch, check_rules, column_problems

    baselines: dict[str, Any] = {}
    for e in expectations:
        uncertainty = drawn.get(e.baseline)
        if uncertainty is None or uncertainty.posterior is None:
            continue
        counterfactual = counterfactual_scenario(e, SCENARIOS_DIR)
        data = scenario_values(counterfactual)
        name = f"the counterfactual of {e.key} ({e.counterfactual()})"
        try:
            check_rules(uncertainty.posterior, data, name, REMEDY)
        except RulesMismatch as err:
            paths = [p for p in e.overrides if err.field == p or err.field.startswith(f"{p}.")]
            if not paths:
                raise rules_error(err, SCENARIOS_DIR / f"{e.scenario or e.baseline}.yaml") from None
            line = _set_line(registry, e, paths[0])
            text = f"{registry}:{line}: {err}"
            raise CliError(
                err.message, file=str(registry), line=line, field=err.field, text=text
            ) from None
        if e.baseline not in baselines:
            baselines[e.baseline] = load_scenario(SCENARIOS_DIR / f"{e.baseline}.yaml")
        kept = own_values_kept(uncertainty, counterfactual, baselines[e.baseline]).posterior
        assert kept is not None
        bad = column_problems(kept, data, name)
        if bad:
            refused = bad[0].rpartition("): ")[2].partition(":")[0]  # the field refused
            paths = [p for p in e.overrides if refused.startswith(_parent(p))] or list(e.overrides)
            line = _set_line(registry, e, paths[0]) if paths else e.line
            field = paths[0] if paths else "scenario"
            message = f"{bad[0]}; {PARTICLE_REMEDY}"
            text = f"{registry}:{line}: {field}: {message}"
            raise CliError(message, file=str(registry), line=line, field=field, text=text)


def _parent(path: str) -> str:
    """``a.b.1`` -> ``a.b`` (a number in a list is refused as its list), else the path."""
    parent, _, last = path.rpartition(".")
    return parent if last.isdigit() and parent else path


def _set_line(registry: Path, e: Any, path: str) -> int | None:
    """The line of the registry where the expectation ``e`` sets ``path`` (else its own)."""
    from transition_sim.scenario.loader import read_located

    data, where = read_located(registry)
    i = next(
        i for i, c in enumerate(data["claims"]) if isinstance(c, dict) and c.get("id") == e.claim
    )
    at = f"claims.{i}.expects.{int(e.key.partition('#')[2] or 1) - 1}"
    for key in (f"{at}.set.{path}", f"{at}.set"):
        if key in where:
            return where[key][1]
    return e.line


def check_claims(
    json_output: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
    replications: Annotated[
        int, typer.Option("--replications", "-n", min=2, help="Replications per scenario.")
    ] = 200,
    seed: Annotated[int, typer.Option(min=0, max=MAX_INTEGER, help="Common base seed.")] = 2022,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-w", min=1, max=MAX_WORKERS, help="Local processes (same results)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Only this claim (repeat the option for several)."),
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option("--claims", dir_okay=False, help="The registry. Default: seeds/claims.yaml."),
    ] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="A posterior folder (or posterior.parquet): replication r of a baseline and of"
            " its counterfactuals runs the same particle (default: a baseline's from_posterior,"
            " else point values).",
        ),
    ] = None,
    point: Annotated[
        bool,
        typer.Option("--point", help="Point values, even where a baseline names a posterior."),
    ] = False,
) -> None:
    """Run the panel's directional claims as paired comparisons: holds / fails / inconclusive."""
    from transition_sim.claims import DEFAULT_BASELINE, REGISTRY_PATH, SCENARIOS_DIR
    from transition_sim.cli.scenarios import rules_error
    from transition_sim.ensemble.executors import raise_on_signals
    from transition_sim.scenario.loader import ScenarioError, load_scenario
    from transition_sim.scenario.posterior import RulesMismatch
    from transition_sim.studies.claims_battery import known_metrics, run_battery

    registry_path = registry or REGISTRY_PATH
    _expectations(registry_path, None)  # malformed entries fail before the model is loaded
    try:
        metrics = known_metrics(load_scenario(SCENARIOS_DIR / f"{DEFAULT_BASELINE}.yaml"))
    except ScenarioError as err:
        raise scenario_error(err) from None
    expectations, untested = _expectations(registry_path, metrics)
    if only:
        expectations, untested = _select(expectations, untested, only, registry_path)
    drawn = _parameters(list(dict.fromkeys(e.baseline for e in expectations)), posterior, point)
    _counterfactual_draws(expectations, drawn, registry_path)
    runs = replications * (len({e.counterfactual() for e in expectations}) + 2)
    workers = workers or min(os.cpu_count() or 1, runs)
    with (
        tempfile.TemporaryDirectory(prefix="transition-sim-claims-") as tmp,
        raise_on_signals(),
        progress_bar("check-claims") as progress,
    ):
        try:
            records = run_battery(
                expectations, untested, Path(tmp), replications=replications, seed=seed,
                workers=workers, progress=lambda baseline: progress, uncertainties=drawn,
            )  # fmt: skip
        except RulesMismatch as err:  # a counterfactual that changes a rule of the posterior
            raise rules_error(err) from None
    if json_output:
        typer.echo(json.dumps(records, indent=2))
    else:
        _print(records, replications, seed, Console(width=max(Console().width, 140)))


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}"


def _effect(record: dict[str, Any]) -> str:
    ratio = record["statistic"] == "ratio"
    if record["effect"] is None or not record["ci95"]:
        return f"– ({record['label']})"
    lo, hi = record["ci95"]
    spec = ".3g" if ratio else "+.3g"
    return f"{record['effect']:{spec}} [{lo:{spec}}, {hi:{spec}}]"


STYLES = {"holds": "green", "fails": "bold red", "inconclusive": "yellow"}


def _where(parameters: dict[str, Any]) -> str:
    if parameters["mode"] == "point":
        return "point values"
    return f"posterior {parameters['posterior']} ({parameters['particles']} particles)"


def _print(records: list[dict[str, Any]], replications: int, seed: int, console: Console) -> None:
    checked = [r for r in records if r["verdict"] != "not checked"]
    where = {
        r["baseline"]: _where(r["parameters"]) for r in checked if r.get("parameters") is not None
    }
    console.print(
        Text(
            "Parameters: "
            + "; ".join(f"{b}: {w}" for b, w in where.items())
            + (
                ". Replication r of a baseline and of its counterfactuals runs the same particle"
                " (a counterfactual keeps its own value of a parameter it sets)."
                if any(w != "point values" for w in where.values())
                else "."
            ),
        )
    )
    console.print(
        Text(
            f"{replications} replications per scenario, common random numbers (seed {seed}):"
            " effect = counterfactual − baseline (a ratio: counterfactual / baseline), paired"
            " bootstrap 95% interval. holds: the panel's direction, the interval excluding no"
            " effect; fails: the opposite direction, the interval excluding no effect.",
            style="dim",
        )
    )
    table = Table(title=f"The panel's claims as a battery ({len(checked)} comparisons)")
    for column in ("claim", "the panel says", "output", "values", "effect [95% CI]", "N"):
        table.add_column(column)
    table.add_column("verdict")
    for r in checked:
        table.add_row(
            r["key"],
            r["says"],
            f"{r['output']} {r['direction']}",
            f"{_number(r['baseline_value'])} → {_number(r['counterfactual_value'])}",
            _effect(r),
            str(r["n"]),
            Text(r["verdict"], style=STYLES.get(r["verdict"], "")),
        )
    console.print(table)
    failed = [r["key"] for r in checked if r["verdict"] == "fails"]
    if failed:
        console.print(Text(f"The model contradicts: {', '.join(failed)}", style="bold red"))
    rest = [r for r in records if r["verdict"] == "not checked"]
    if rest:
        others = Table(title=f"Claims with no comparison to check ({len(rest)})")
        others.add_column("claim", no_wrap=True)
        others.add_column("why")
        for r in rest:
            others.add_row(r["claim"], r["reason"])
        console.print(others)


def register(app: typer.Typer) -> None:
    """Add ``check-claims`` to the ``transition-sim`` app."""
    app.command("check-claims")(check_claims)
