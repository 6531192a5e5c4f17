"""One fit across the case library: ABC-SMC (pyabc) of shared behaviour parameters.

A particle is a value for each fitted address of the base scenario (shared: no case file sets
it, so every case inherits it). Its distance from history is a weighted sum of three means,
each about 0 (on the record) to 1:

- ``record``: the base scenario's documented patterns, scored as the calibration scores them
  (`transition_sim.studies.patterns`): median deaths and detentions (orders of magnitude), the
  share of runs inviting the patron outside the documented days, the median days to order
  (relative error), Almaty's median peak crowd (orders of magnitude from the sourced range);
- ``patterns``: other cases' sourced numbers (the median of the particle's runs of that case,
  orders of magnitude from the documented range, at most 2), a case's peak crowd read in its
  named region as the record's is;
- ``classes``: the mean over cases of 1 - the share of the particle's runs that end in the
  observed class.

Reproducible. Every simulation's seed comes from the spec's seed and the particle's values
(`evaluation_key`), so a particle's distance does not depend on where or when it runs. The
proposals come from pyabc's `MappingSampler`, whose tasks are seeded here from the spec's seed
(`SeededSampler`) and mapped in order on the project's executors (local processes or a Dask
cluster), so the same spec gives the same posterior whatever the number of workers.

Output (the format `from_posterior` reads): ``posterior.parquet``,
``diagnostics.parquet``, ``predictive.parquet``, ``report.html``, pyabc's ``abc.db`` and the
record ``fit.json`` (the fit's identity and, after each generation, its seconds and the next
threshold): an interrupted fit resumes from the last one (`run_fit`'s ``resume``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transition_sim.backtest import case_files
from transition_sim.claims import Prior, load_priors, numeric_parameter_paths, refused_ends
from transition_sim.ensemble.store import atomic_write, code_hash, file_sha256, write_text_atomic
from transition_sim.scenario.address import PathError, apply_values, base_value
from transition_sim.scenario.loader import ScenarioError, load_scenario, scenario_file_problem
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate
from transition_sim.studies.fit_spec import (
    BASE_PREFIX,
    FitSpec,
    FitSpecFile,
    Pattern,
    Record,
    Target,
)
from transition_sim.studies.patterns import log_distance, log_error, relative_error, window_miss

__all__ = [
    "POSTERIOR",
    "RECORD",
    "Problem",
    "ResumeError",
    "evaluate",
    "evaluation_key",
    "prepare",
    "run_fit",
]

POSTERIOR, DIAGNOSTICS, PREDICTIVE, DATABASE, RECORD = (
    "posterior.parquet",
    "diagnostics.parquet",
    "predictive.parquet",
    "abc.db",
    "fit.json",  # the fit's identity and progress, after each generation (for --resume)
)
SUMMARIES = ("deaths", "detained", "invitation_day", "days_to_order", "peak_protesters")
PATTERN_CAP = 2.0  # orders of magnitude: a pattern's part is at most this
PREDICTIVE_STREAM = 1  # evaluation_key's stream for the posterior predictive draws


@dataclass(frozen=True)
class Case:
    name: str
    data: dict[str, Any]  # the resolved scenario as plain data
    observed: str


@dataclass(frozen=True)
class Problem:
    """Everything one evaluation needs, as plain data (it travels to the workers)."""

    base_name: str
    base: dict[str, Any]
    cases: tuple[Case, ...]
    priors: tuple[Prior, ...]
    modes: tuple[float, ...]  # each prior's mode (a triangular prior's: the base's value)
    record: Record
    patterns: tuple[Pattern, ...]
    replications: int
    seed: int
    weights: tuple[float, float, float]  # record, patterns, classes

    @property
    def addresses(self) -> list[str]:
        return [p.path for p in self.priors]


# -- preparing: the spec against the scenarios and the registry ------------------------------------


def _resolve_prior(sf: FitSpecFile, i: int, base: Mapping[str, Any]) -> Prior:
    p = sf.spec.parameters[i]
    field = f"parameters.{i}.prior"
    if not isinstance(p.prior, str):
        prior = Prior(p.address, p.prior.distribution, p.prior.low, p.prior.high, "inline")
    else:
        registry = sf.resolve(sf.spec.registry) if sf.spec.registry else None
        try:
            priors = load_priors(registry)
        except (OSError, ValueError) as err:
            raise sf.error("registry", str(err)) from None
        found = [q for q in priors.priors if q.entry == p.prior and q.path == p.address]
        if not found:
            ids = sorted({q.entry for q in priors.priors if q.path == p.address})
            hint = f" (it is under {', '.join(ids)})" if ids else " (the registry has none)"
            raise sf.error(field, f"no prior for {p.address} under {p.prior!r}{hint}")
        prior = found[0]
    value = float(base_value(base, p.address))
    if not prior.low <= value <= prior.high:
        message = f"the base's value {value:g} is outside [{prior.low:g}, {prior.high:g}]"
        raise sf.error(field, message)
    return prior


def _refuse_ends(sf: FitSpecFile, priors: Sequence[Prior], data: dict[str, Any], name: str) -> None:
    """A particle at the ends of the priors (each alone, all together, pairs of siblings:
    `claims.refused_ends`, as `run` checks the registry's) must run on ``data`` (the base, or a
    case: ``name``), not stop the fit midway: else the spec's error at the prior."""
    refused = refused_ends(priors, data)
    if refused:
        prior, end, why = refused[0]
        message = f"the prior reaches {end:g}, which {name} refuses: {why}"
        raise sf.error(f"parameters.{list(priors).index(prior)}.prior", message)


def _check_shared(sf: FitSpecFile, files: Sequence[Path], cases: Sequence[Case]) -> None:
    """Refuse an address that a case file sets itself (a documented fact of that case) or that
    a case does not have (it removed or replaced the section)."""
    sets = {f.stem: numeric_parameter_paths(f) for f in files}
    for i, address in enumerate(sf.spec.addresses):
        field = f"parameters.{i}.address"
        for case in cases:
            written = [p for p in sets[case.name] if address == p or address.startswith(p + ".")]
            if written:
                message = (
                    f"{address} is set by the case file {case.name}.yaml ({written[0]}): a"
                    " documented value of that case, not a shared parameter"
                )
                raise sf.error(field, message)
            try:
                base_value(case.data, address)
            except PathError as err:
                raise sf.error(field, f"{address} is not in case {case.name}: {err}") from None


def _check_rules(
    sf: FitSpecFile, base: Mapping[str, Any], files: Sequence[Path], cases: Sequence[Case]
) -> None:
    """Refuse a case that runs another model rule than the base (`scenario.posterior.RULES`,
    unless fitted): the posterior records one set of rules, the base's (`posterior_metadata`),
    which a scenario drawing from it must run; located at the case file's line."""
    from transition_sim.scenario.loader import field_location
    from transition_sim.scenario.posterior import model_rules

    rules = model_rules(base)
    for file, case in zip(files, cases, strict=True):
        for address, value in model_rules(case.data).items():
            if value != rules[address] and address not in sf.spec.addresses:
                where, line = field_location(file, address)
                message = (
                    f"case {case.name} runs {json.dumps(value)}, the base scenario"
                    f" {json.dumps(rules[address])}: the posterior records one set of model"
                    " rules, the base's; fit the cases under the base's rules"
                )
                raise ScenarioError(where, line, address, message)


def prepare(sf: FitSpecFile) -> Problem:
    """Load the base and every case, resolve the priors and check the spec against them;
    `ScenarioError` (file:line: field) naming the spec's field when something does not fit."""
    spec = sf.spec
    base_path = sf.resolve(spec.scenario)
    problem = scenario_file_problem(base_path)
    if problem is not None:
        raise sf.error("scenario", problem)
    folder = sf.resolve(spec.cases)
    if not folder.is_dir():
        said = f"{folder} is not a folder" if folder.exists() else f"no folder {folder}"
        raise sf.error("cases", said)
    # At point values (a particle's): a from_posterior is not read, and may be this fit's out.
    base = _plain(sf, base_path, load_scenario(base_path, posterior=False), spec.days)
    priors = []
    for i in range(len(spec.parameters)):
        try:
            priors.append(_resolve_prior(sf, i, base))
        except PathError as err:
            raise sf.error(f"parameters.{i}.address", str(err)) from None
    files = case_files(folder)
    cases = []
    for f in files:
        scenario = load_scenario(f, posterior=False)
        if scenario.observed is None:
            raise ScenarioError(f, None, "observed", "a case needs the recorded outcome")
        cases.append(Case(f.stem, _plain(sf, f, scenario, spec.days), scenario.observed.outcome))
    if not cases:
        raise sf.error("cases", f"no case files (*.yaml) in {folder}")
    _check_shared(sf, files, cases)
    _check_rules(sf, base, files, cases)
    _refuse_ends(sf, priors, base, "the scenario")
    for file, case in zip(files, cases, strict=True):
        _refuse_ends(sf, priors, case.data, str(file))
    names = [c.name for c in cases]
    for i, pattern in enumerate(spec.patterns):
        if pattern.case not in names:
            raise sf.error(f"patterns.{i}.case", f"no case {pattern.case!r} in {folder}")
        case = cases[names.index(pattern.case)]
        if pattern.region is not None and pattern.region not in region_names(case.data):
            raise sf.error(f"patterns.{i}.region", f"no region {pattern.region!r} in {case.name}")
    region = spec.record.peak_crowd.region
    if region not in region_names(base):
        raise sf.error("record.peak_crowd.region", f"no region {region!r} in the base scenario")
    modes = tuple(
        float(base_value(base, p.path)) if p.distribution == "triangular" else math.nan
        for p in priors
    )
    w = spec.weights
    return Problem(
        base_path.stem, base, tuple(cases), tuple(priors), modes, spec.record,
        tuple(spec.patterns), spec.replications, spec.seed, (w.record, w.patterns, w.classes),
    )  # fmt: skip


def region_names(data: Mapping[str, Any]) -> list[str]:
    return [r["name"] for r in data["regions"]]


def _plain(sf: FitSpecFile, file: Path, scenario: Scenario, days: int | None) -> dict[str, Any]:
    """The scenario as plain data, with the spec's horizon if it sets one."""
    data = scenario.model_dump(mode="json")
    if days is not None:
        data["days"] = days
        try:
            Scenario.model_validate(data)
        except ValueError as err:
            first = str(err).splitlines()[2:3] or [str(err)]
            raise sf.error("days", f"{file.name}: {first[0].strip()}") from None
    return data


# -- one evaluation --------------------------------------------------------------------------------


def evaluation_key(seed: int, values: Mapping[str, float], stream: int = 0) -> int:
    """The seed an evaluation's simulations derive from: the spec's seed and the particle's exact
    values (so a particle's runs do not depend on the worker, the order or the generation)."""
    text = json.dumps([seed, stream, sorted((k, float(v).hex()) for k, v in values.items())])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def _seed(key: int, stream: int, replication: int) -> int:
    state = np.random.SeedSequence([key, stream, replication]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def _scenario(data: Mapping[str, Any], values: Mapping[str, float]) -> Scenario:
    return Scenario.model_validate(apply_values(data, values)[0])


def _region_peak(result: Any, region: str, people_per_agent: float) -> float:
    table = result.timeseries_table
    rows = table.filter(pc.equal(table["region"], region))
    peak = pc.max(rows["active"]).as_py() if rows.num_rows else None
    return float(peak or 0) * people_per_agent


def evaluate(problem: Problem, values: Mapping[str, float], key: int) -> list[dict[str, Any]]:
    """Run the base (the record's replications) and every case (``replications`` each) at
    ``values``: one row per run with its case, replication, outcome and summaries."""
    rows: list[dict[str, Any]] = []
    record = problem.record
    region = record.peak_crowd.region
    ppa = float(problem.base["scale"]["people_per_agent"])
    base = _scenario(problem.base, values)
    for r in range(record.replications):
        result = simulate(base, _seed(key, 0, r))
        rows.append(
            _row(BASE_PREFIX + problem.base_name, r, None, result)
            | {"peak_crowd": _region_peak(result, region, ppa)}
        )
    crowds = {p.case: p.region for p in problem.patterns if p.metric == "peak_crowd"}
    for i, case in enumerate(problem.cases, start=1):
        scenario = _scenario(case.data, values)
        for r in range(problem.replications):
            result = simulate(scenario, _seed(key, i, r))
            row = _row(case.name, r, case.observed, result)
            if case.name in crowds:
                ppa = float(case.data["scale"]["people_per_agent"])
                row["peak_crowd"] = _region_peak(result, crowds[case.name], ppa)
            rows.append(row)
    return rows


def _row(case: str, replication: int, observed: str | None, result: Any) -> dict[str, Any]:
    metrics = result.metrics
    return {
        "case": case,
        "replication": replication,
        "outcome": result.outcome,
        "observed": observed,
        "hit": math.nan if observed is None else float(result.outcome == observed),
        **{name: float(metrics.get(name, math.nan)) for name in SUMMARIES},
        "peak_crowd": math.nan,
    }


def _target_part(values: pd.Series, target: Target, log: bool) -> float:
    if log:
        median = float(values.median())
        if target.value is not None:
            return (
                log_error(median, target.value)
                if target.value > 0
                else log_distance(median, (0, 1))
            )
        return min(log_distance(median, target.bounds), PATTERN_CAP)
    if target.value is not None:
        return relative_error(values, target.value)
    return window_miss(values, target.bounds)


def distance_parts(problem: Problem, rows: pd.DataFrame) -> dict[str, float]:
    """The distance of one evaluation's runs from history, and its parts (module docstring)."""
    record = problem.record
    base = rows[rows.case == BASE_PREFIX + problem.base_name]
    parts = {
        "record_deaths": _target_part(base.deaths, record.deaths, log=True),
        "record_detained": _target_part(base.detained, record.detained, log=True),
        "record_invitation_day": window_miss(base.invitation_day, record.invitation_day.bounds),
        "record_days_to_order": _target_part(base.days_to_order, record.days_to_order, False),
        "record_peak_crowd": min(
            log_distance(float(base.peak_crowd.median()), record.peak_crowd.range), PATTERN_CAP
        ),
    }
    pattern_parts = []
    for pattern in problem.patterns:
        runs = rows.loc[rows.case == pattern.case, pattern.metric].dropna()
        part = min(log_distance(float(runs.median()), pattern.range), PATTERN_CAP)
        pattern_parts.append(PATTERN_CAP if runs.empty else part)
    cases = rows[rows.observed.notna()]
    misses = 1 - cases.groupby("case").hit.mean()
    out = {
        "record": float(np.mean(list(parts.values()))),
        "patterns": float(np.mean(pattern_parts)) if pattern_parts else 0.0,
        "classes": float(misses.mean()),
        **parts,
    }
    w_record, w_patterns, w_classes = problem.weights
    out["distance"] = (
        w_record * out["record"] + w_patterns * out["patterns"] + w_classes * out["classes"]
    )
    return out


def model(problem: Problem, parameter: Mapping[str, float]) -> dict[str, float]:
    """pyabc's model: a particle's values in, its distance parts out (seeded by its values)."""
    values = {a: float(parameter[a]) for a in problem.addresses}
    rows = pd.DataFrame(evaluate(problem, values, evaluation_key(problem.seed, values)))
    return distance_parts(problem, rows)


def _distance(x: Mapping[str, float], x0: Mapping[str, float]) -> float:
    return float(x["distance"])


# -- pyabc: priors, the seeded sampler, the run ----------------------------------------------------


def pyabc_prior(problem: Problem) -> Any:
    from pyabc import RV, Distribution

    rvs = {}
    for prior, mode in zip(problem.priors, problem.modes, strict=True):
        width = prior.high - prior.low
        if prior.distribution == "uniform":
            rvs[prior.path] = RV("uniform", prior.low, width)
        elif prior.distribution == "log-uniform":
            rvs[prior.path] = RV("loguniform", prior.low, prior.high)
        else:
            rvs[prior.path] = RV("triang", (mode - prior.low) / width, prior.low, width)
    return Distribution(**rvs)


def _until_accepted(payload: bytes, seed: int) -> tuple[Any, int]:
    """One pyabc task: seed the process's generators, then sample until one particle is
    accepted (pyabc's `MappingSampler.map_function`, seeded instead of from the OS)."""
    import cloudpickle

    simulate_one, factory = cloudpickle.loads(payload)
    np.random.seed(seed)
    random.seed(seed)
    sample = factory()
    n = 0
    while True:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


def seeded_sampler(map_: Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]], seed: int):
    """pyabc's `MappingSampler` with seeded tasks: each generation's ``n`` tasks get seeds drawn
    from one generator seeded with ``seed``, and ``map_`` returns results in task order, so the
    accepted particles are the same whatever runs the tasks. ``skip(sizes)`` draws and drops the
    seeds of generations already run (a resumed fit), so that the next generation gets the
    seeds it would have got in one go."""
    import cloudpickle
    from pyabc.sampler import MappingSampler

    class SeededSampler(MappingSampler):
        def __init__(self) -> None:
            super().__init__(map_=map_, mapper_pickles=True)
            self.rng = np.random.default_rng(seed)

        def skip(self, sizes: Iterable[int]) -> None:
            for n in sizes:
                self.rng.integers(0, 2**32 - 1, size=n)

        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):  # type: ignore[override]
            payload = cloudpickle.dumps((simulate_one, self.sample_factory))
            seeds = self.rng.integers(0, 2**32 - 1, size=n).tolist()
            results = self.map_(partial(_until_accepted, payload), seeds)
            self.nr_evaluations_ = sum(k for _, k in results)
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            return sample

    return SeededSampler()


def proposal_kernel(spec: FitSpec, problem: Problem) -> Any:
    """pyabc's transition for ``spec.proposal``: one multivariate normal kernel over every
    parameter, or one per parameter (a factorised proposal; `FitSpec.proposal`)."""
    from pyabc import MultivariateNormalTransition
    from pyabc.transition import AggregatedTransition

    if spec.proposal == "joint":
        return MultivariateNormalTransition()
    return AggregatedTransition({p.path: MultivariateNormalTransition() for p in problem.priors})


def _ordered_map(executor: Any) -> Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]:
    def map_(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        futures = [executor.submit(fn, item) for item in items]
        return [f.result() for f in futures]

    return map_


@dataclass(frozen=True)
class FitResult:
    out: Path
    posterior: pd.DataFrame
    diagnostics: pd.DataFrame
    predictive: pd.DataFrame
    stopped: str  # why the SMC stopped


class ResumeError(ValueError):
    """A folder whose fit cannot be resumed (nothing interrupted there, or another spec, code,
    scenarios or options than its record's): the command line's exit 2 on ``--resume``."""


def problem_sha256(problem: Problem) -> str:
    """What the fit's evaluations depend on beyond the spec file: the resolved base and cases,
    the priors' shapes (not where the registry writes them), the record and the patterns."""

    def plain(value: Any) -> Any:
        if hasattr(value, "model_dump"):
            return value.model_dump(mode="json")
        raise TypeError(f"cannot hash {type(value).__name__}")

    data = {
        "base_name": problem.base_name,
        "base": problem.base,
        "cases": [[c.name, c.data, c.observed] for c in problem.cases],
        "priors": [[p.path, p.distribution, p.low, p.high] for p in problem.priors],
        "modes": [None if math.isnan(m) else m for m in problem.modes],
        "record": problem.record,
        "patterns": list(problem.patterns),
        "replications": problem.replications,
        "seed": problem.seed,
        "weights": list(problem.weights),
    }
    text = json.dumps(data, sort_keys=True, default=plain, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _identity(sf: FitSpecFile, problem: Problem, budget_minutes: float | None) -> dict[str, Any]:
    """What a resumed fit must share with the interrupted one (the number of workers and the
    scheduler are not in it: they do not change the posterior)."""
    return {
        "spec_sha256": file_sha256(sf.path),
        "problem_sha256": problem_sha256(problem),
        "code_sha256": code_hash(),
        # An infinite budget is none (and JSON holds no infinity: the record failed to write).
        "options": {
            "budget_minutes": None
            if budget_minutes is None or math.isinf(budget_minutes)
            else budget_minutes
        },
    }


_IDENTITY_TEXT = {
    "spec_sha256": "the spec file {spec} changed since the fit there started",
    "problem_sha256": (
        "the scenarios, cases or priors the spec {spec} names changed since the fit there started"
    ),
    "code_sha256": "the code changed since the fit there started (its code hash differs)",
}


def _read_record(out: Path, identity: Mapping[str, Any], spec: Path) -> dict[str, Any]:
    """The record of the interrupted fit in ``out``, checked against this one's ``identity``;
    `ResumeError` saying why it cannot be resumed."""
    start_over = "start over with --force in place of --resume"
    record_path = out / RECORD
    if not record_path.is_file():
        if (out / DATABASE).exists():
            raise ResumeError(
                f"--resume: {out} holds a fit without a record of its progress ({RECORD}, written"
                f" by fits that can be resumed): {start_over}"
            )
        raise ResumeError(f"--resume: nothing to resume in {out}: no interrupted fit is there")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        _check_record(record)
    except (OSError, ValueError) as err:
        message = f"--resume: the record {record_path} is damaged ({err}): {start_over}"
        raise ResumeError(message) from None
    if record.get("finished"):
        raise ResumeError(f"--resume: the fit in {out} finished: nothing to resume")
    for key, text in _IDENTITY_TEXT.items():
        if record.get(key) != identity[key]:
            raise ResumeError(f"--resume: {text.format(spec=spec)}: {start_over}")
    theirs = record["options"].get("budget_minutes")
    if theirs != identity["options"]["budget_minutes"]:
        # repr: exactly the number the record compares (:g said 1000.12 of 1000.123456789)
        were = "no --budget-minutes" if theirs is None else f"--budget-minutes {theirs!r}"
        raise ResumeError(f"--resume: the fit in {out} was started with {were}: resume with it")
    if not (out / DATABASE).is_file():
        raise ResumeError(f"--resume: {out} has no {DATABASE}: {start_over}")
    return record


def _check_record(record: Any) -> None:
    """A ValueError unless ``record`` has the shape `run_fit` writes (what resuming reads)."""
    if not isinstance(record, dict) or record.get("kind") != "fit":
        raise ValueError("not the record of a fit")
    generations = record.get("generations")
    if not isinstance(generations, list) or not isinstance(record.get("options"), dict):
        raise ValueError("no list of generations or no options")
    for g in generations:
        if not isinstance(g, dict) or not {"seconds", "next_epsilon"} <= g.keys():
            raise ValueError("a generation without its seconds or threshold")
        numbers = [g["seconds"], g["next_epsilon"]]
        # (json reads NaN and Infinity: no threshold nor time the fit writes)
        if any(not (x is None or (type(x) in (int, float) and math.isfinite(x))) for x in numbers):
            raise ValueError("a generation's seconds or threshold is not a finite number")
    budget = record["options"].get("budget_minutes")
    if not (budget is None or (type(budget) in (int, float) and math.isfinite(budget))):
        raise ValueError("its budget is not a number")
    if record.get("stopped") not in (None, "generations", "min_epsilon", "budget"):
        raise ValueError("an unknown reason for stopping")


def run_fit(
    sf: FitSpecFile,
    out: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    budget_minutes: float | None = None,
    log: Callable[[str], None] = lambda text: None,
    resume: bool = False,
    problem: Problem | None = None,
) -> FitResult:
    """Fit the spec and write the output folder (module docstring). ``problem``: the spec
    `prepare`d already (the command line does, before it locks --out: a refusal writes
    nothing). With ``budget_minutes``, no generation is started that would not finish, with
    the predictive draws, within the budget (estimated from the last generation's time and
    acceptance; a resumed fit counts the generations run before).

    ``resume``: continue the interrupted fit in ``out`` from its last finished generation (pyabc's
    database and the record ``fit.json``, written after each generation), with the same
    posterior as had it run in one go: the proposals' seeds continue where they stopped and the
    next threshold is the one recorded. `ResumeError` if there is no such fit or its spec, code,
    scenarios or budget differ from this one's."""
    from pyabc import ABCSMC, QuantileEpsilon

    from transition_sim.ensemble.executors import open_executor

    logging.getLogger("ABC").setLevel(logging.WARNING)
    problem = prepare(sf) if problem is None else problem
    spec = sf.spec
    identity = _identity(sf, problem, budget_minutes)
    db = out / DATABASE
    record = _read_record(out, identity, sf.path) if resume else None
    done = len(record["generations"]) if record else 0
    if record is None or (done == 0 and record.get("stopped") is None):
        # A new fit (or one stopped in its first generation: nothing to keep). pyabc would
        # append a second run to the database, and a posterior left from an earlier fit must
        # not pass for this one's if this one fails; nor its report.
        from transition_sim.studies.fit_report import REPORT

        out.mkdir(parents=True, exist_ok=True)
        for name in (POSTERIOR, DIAGNOSTICS, PREDICTIVE, DATABASE, RECORD, REPORT):
            (out / name).unlink(missing_ok=True)
        record = {"kind": "fit", "spec": sf.path.name, **identity, "generations": []}
        record |= {"stopped": None, "finished": False}
        _write_record(out, record)
        done = 0
    np.random.seed(spec.seed)  # pyabc draws in this process too (the first proposals)
    random.seed(spec.seed)
    seconds = [math.nan if g["seconds"] is None else g["seconds"] for g in record["generations"]]
    start = time.monotonic() - sum(s for s in seconds if math.isfinite(s))
    budget = math.inf if budget_minutes is None else budget_minutes * 60
    with open_executor(workers, scheduler) as executor:
        map_ = _ordered_map(executor)
        abc = ABCSMC(
            partial(model, problem),
            pyabc_prior(problem),
            _distance,
            population_size=spec.population,
            sampler=seeded_sampler(map_, spec.seed),
            eps=QuantileEpsilon(initial_epsilon=math.inf, alpha=spec.quantile),
            transitions=proposal_kernel(spec, problem),
        )
        if done == 0:
            abc.new(f"sqlite:///{db}", {"distance": 0.0})
        else:
            done = _resumed(abc, db, record, spec)
            seconds += [math.nan] * (done - len(seconds))  # a generation saved, not recorded
        stopped = record.get("stopped")
        if stopped is None and done > len(record["generations"]):
            # Stopped between pyabc's saving of a generation and the record: decide as then.
            t = done - 1
            stopped = _why_stop(abc, _epsilon(abc, t), t, spec, seconds, start, budget)
            record["generations"].append({"seconds": None, "next_epsilon": None})
            record["stopped"] = stopped
            _write_record(out, record)
        if done:
            log(f"resumed after generation {done - 1}")
        while stopped is None:
            t = len(seconds)
            began = time.monotonic()
            abc.run(max_nr_populations=1)
            seconds.append(time.monotonic() - began)
            epsilon = _epsilon(abc, t)
            stopped = _why_stop(abc, epsilon, t, spec, seconds, start, budget)
            # The threshold pyabc set for the next generation: what a resumed fit starts from.
            following = None if stopped else float(abc.eps(t + 1))
            record["generations"].append({"seconds": seconds[-1], "next_epsilon": following})
            record["stopped"] = stopped
            _write_record(out, record)
            log(f"generation {t}: epsilon {epsilon:.4g}, {seconds[-1]:.0f} s")
        diagnostics = _diagnostics(abc.history, seconds)
        parts = distance_by_generation(abc.history)
        posterior = _posterior(abc.history, problem)
        log(f"posterior predictive: {len(posterior)} particles")
        predictive = _predictive(problem, posterior, map_)
    _write(out, sf, problem, posterior, diagnostics, predictive)
    from transition_sim.studies.fit_report import write_fit_report

    write_fit_report(out, sf, problem, posterior, diagnostics, predictive, parts, stopped)
    record["finished"] = True
    _write_record(out, record)
    return FitResult(out, posterior, diagnostics, predictive, stopped)


def _resumed(abc: Any, db: Path, record: Mapping[str, Any], spec: FitSpec) -> int:
    """Load the interrupted fit's database into ``abc`` and set what pyabc keeps in memory
    between generations and not in its database: the sampler's generator (advanced past the
    generations run) and the next generation's threshold (recorded: pyabc's `load` would
    start it from the initial threshold, infinity). The number of generations saved."""
    try:
        history = abc.load(f"sqlite:///{db}", 1)
        saved = int(-1 if history.max_t is None else history.max_t) + 1
    except Exception as err:  # not a database, or not pyabc's: SQLAlchemy's many errors
        message = f"--resume: cannot read the fit's database {db} ({type(err).__name__})"
        raise ResumeError(message) from None
    recorded = len(record["generations"])
    if not recorded <= saved <= recorded + 1:
        raise ResumeError(
            f"--resume: {db} holds {saved} generations and the record {recorded}: the folder"
            " was changed; start over with --force in place of --resume"
        )
    abc.sampler.skip([spec.population] * saved)
    following = record["generations"][-1]["next_epsilon"] if saved == recorded else None
    # The threshold as pyabc computes it (`QuantileEpsilon.update`), from the saved distances
    # and weights: what a generation saved and not recorded resumes from, and the check of the
    # recorded one (a record that disagrees, beyond rounding, was changed: an edited threshold
    # ran another fit, silently, or, below every distance, for ever).
    abc.eps._update(saved, history.get_weighted_distances(t=saved - 1))
    computed = float(abc.eps._look_up[saved])
    if following is not None:
        if not math.isclose(float(following), computed, rel_tol=1e-9, abs_tol=1e-12):
            raise ResumeError(
                f"--resume: the record {db.parent / RECORD} is damaged (its threshold"
                f" {following!r} is not the database's {computed!r}): start over with --force"
                " in place of --resume"
            )
        abc.eps._look_up = {saved: float(following)}
    return saved


def _epsilon(abc: Any, t: int) -> float:
    return float(abc.history.get_all_populations().set_index("t").epsilon[t])


def _why_stop(
    abc: Any,
    epsilon: float,
    t: int,
    spec: FitSpec,
    seconds: list[float],
    start: float,
    budget: float,
) -> str | None:
    """Why the fit stops after generation ``t``, whose threshold was ``epsilon`` (None: it
    goes on)."""
    if epsilon <= spec.min_epsilon:
        return "min_epsilon"
    if t + 1 >= spec.generations:
        return "generations"
    if _over_budget(abc, seconds, start, budget, spec):
        return "budget"
    return None


def _write_record(out: Path, record: Mapping[str, Any]) -> None:
    write_text_atomic(out / RECORD, json.dumps(record, indent=2, allow_nan=False) + "\n")


def _over_budget(
    abc: Any, seconds: list[float], start: float, budget: float, spec: FitSpec
) -> bool:
    """Whether the next generation and the predictive draws would overrun the budget: the next
    generation costs the last one's time over the quantile (its threshold keeps about that share
    of what the last one accepted), or times the last growth if that was larger; the draws cost
    about generation 0's time (all accepted). A generation whose time is unknown (saved, then
    the fit stopped before recording it) does not stop the fit; the ones after it are timed
    (an unknown time is not a growth)."""
    if math.isinf(budget) or not math.isfinite(seconds[-1]):
        return False
    growth = 1 / spec.quantile
    if len(seconds) >= 2 and seconds[-2] > 0:
        growth = max(growth, seconds[-1] / seconds[-2])
    elapsed = time.monotonic() - start
    return elapsed + seconds[-1] * growth + seconds[0] > budget


def _diagnostics(history: Any, seconds: Sequence[float]) -> pd.DataFrame:
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations().set_index("t")
    rows = []
    for t in range(history.max_t + 1):
        _, weights = history.get_distribution(m=0, t=t)
        particles, evaluations = int(pops.particles[t]), int(pops.samples[t])
        rows.append(
            {
                "generation": t,
                "epsilon": float(pops.epsilon[t]),
                "particles": particles,
                "evaluations": evaluations,
                "acceptance_rate": particles / evaluations,
                "ess": float(effective_sample_size(np.asarray(weights, dtype=float))),
                "seconds": float(seconds[t]),
            }
        )
    return pd.DataFrame(rows).astype({"generation": "int64", "particles": "int64"})


def distance_by_generation(history: Any) -> pd.DataFrame:
    """The weighted mean of each part of the distance over each generation's particles (pyabc
    keeps every accepted particle's parts as its summary statistics)."""
    rows = []
    for t in range(history.max_t + 1):
        weights, stats = history.get_weighted_sum_stats_for_model(m=0, t=t)
        frame = pd.DataFrame(list(stats))
        w = np.asarray(weights, dtype=float) / np.sum(weights)
        rows.append({"generation": t, **{c: float(np.sum(w * frame[c])) for c in frame.columns}})
    return pd.DataFrame(rows)


def _posterior(history: Any, problem: Problem) -> pd.DataFrame:
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    weights = np.asarray(weights, dtype=float)
    posterior = pd.DataFrame(
        {"particle": np.arange(len(frame), dtype="int64"), "weight": weights / weights.sum()}
    )
    for address in problem.addresses:
        posterior[address] = frame[address].to_numpy(dtype=float)
    return posterior


def _predict(problem: Problem, item: tuple[int, dict[str, float]]) -> list[dict[str, Any]]:
    particle, values = item
    key = evaluation_key(problem.seed, values, PREDICTIVE_STREAM)
    return [{"particle": particle, **row} for row in evaluate(problem, values, key)]


def _predictive(problem: Problem, posterior: pd.DataFrame, map_: Callable) -> pd.DataFrame:
    """Fresh runs at every final particle (seeds of their own, not the fit's)."""
    items = [
        (int(row.particle), {a: float(row[a]) for a in problem.addresses})
        for _, row in posterior.iterrows()
    ]
    rows = [r for batch in map_(partial(_predict, problem), items) for r in batch]
    frame = pd.DataFrame(rows)
    return frame.astype({"particle": "int64", "replication": "int64"})


# -- writing ---------------------------------------------------------------------------------------


def posterior_metadata(sf: FitSpecFile, problem: Problem, generations: int) -> dict[str, Any]:
    """The posterior's provenance: the spec and code it was fitted with, the priors, and the
    model rules the base scenario held fixed (`scenario.posterior.RULES`: what a scenario drawing
    from it must run, `scenario.posterior.check_rules`)."""
    from transition_sim.scenario.posterior import RULES_KEY, model_rules

    priors = {}
    for prior, mode in zip(problem.priors, problem.modes, strict=True):
        entry = {"distribution": prior.distribution, "low": prior.low, "high": prior.high}
        if not math.isnan(mode):
            entry["mode"] = mode
        priors[prior.path] = entry
    return {
        "kind": "posterior",
        "spec": sf.path.name,
        "spec_sha256": file_sha256(sf.path),
        "code_sha256": code_hash(),
        "priors": priors,
        RULES_KEY: model_rules(problem.base),
        "generations": generations,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _write_parquet(path: Path, frame: pd.DataFrame, meta: dict[str, Any] | None = None) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if meta is not None:
        table = table.replace_schema_metadata({"transition_sim": json.dumps(meta)})
    else:
        table = table.replace_schema_metadata(None)
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _write(
    out: Path,
    sf: FitSpecFile,
    problem: Problem,
    posterior: pd.DataFrame,
    diagnostics: pd.DataFrame,
    predictive: pd.DataFrame,
) -> None:
    meta = posterior_metadata(sf, problem, len(diagnostics))
    _write_parquet(out / DIAGNOSTICS, diagnostics)
    _write_parquet(out / PREDICTIVE, predictive)
    _write_parquet(out / POSTERIOR, posterior, meta)  # last: its presence means a finished fit


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A posterior file's particles and its metadata."""
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"transition_sim", b"{}"))
    return table.to_pandas(), meta
