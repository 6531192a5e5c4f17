"""Does the baseline depend on its resolution? Outcome shares and per-capita deaths and
detentions at 2,000, 1,000 and 500 people per agent (issue 13, item 5).

    uv run python benchmarks/bench_resolution.py [-n 200] [--days 60] [--workers 2]
        [--city] [--resolutions 2000 1000]
        [--set crowd.vision=null --set crowd.vision_people=78400 ...]

`--city` runs the one-city scenario of tests/test_resolution.py instead of the baseline (its
deaths per capita are then per resident of that city); `--set PATH=VALUE` (JSON, or a bare string
such as crowd.arrest_ratio=exact) changes a value of the scenario (keys between dots, list items
by index) before the resolution is set: an experiment
on the crowd's rules, recorded in the results file.

Every resolution runs the same seeds. Writes benchmarks/results/resolution.json: per resolution
the outcome shares, deaths and detentions per million urban residents (mean and median), the
median peak active share, and the wall time; then the largest difference of an outcome share
between two resolutions (criterion: at most 0.05) and the largest ratio of mean deaths per
capita (criterion: within 15%); and, for every pair of resolutions, the criteria with their
error (`verdicts`: tests/test_resolution.py's `resolution_verdict`, simultaneous 95% intervals;
"within" decides that a criterion is met, "outside" that it is broken, else "undecided": more
replications are needed). A script, not a test (tests/test_resolution.py is the fast one).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
from _common import ROOT, add_common_args, table, write
from pydantic import ValidationError

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import describe_error, load_scenario
from transition_sim.scenario.schema import Scenario

RESOLUTIONS = (2000, 1000, 500)


def at_resolution(scenario: Scenario, people_per_agent: int, days: int) -> Scenario:
    data = scenario.model_dump()
    data["scale"]["people_per_agent"] = people_per_agent
    data["days"] = days
    data["shocks"] = [s for s in data["shocks"] if s["day"] < days]
    return Scenario.model_validate(data)


def set_value(text: str) -> object:
    """A --set value: JSON (null, 1.5, "exact"), else the text itself (exact)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def with_values(scenario: Scenario, settings: list[str]) -> Scenario:
    """The scenario with each ``PATH=VALUE`` of `settings` applied (`set_value`)."""
    data = scenario.model_dump()
    for setting in settings:
        path, _, value = setting.partition("=")
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = set_value(value)
    return Scenario.model_validate(data)


def check_settings(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A bad --set is a usage error (exit 2) naming it, before anything runs."""
    for setting in args.set:
        if "=" not in setting or setting.startswith("="):
            ap.error(f"--set {setting}: expected PATH=VALUE")
    try:
        scenario_at(args, args.resolutions[0])
    except ValidationError as exc:
        field, message, _ = describe_error(exc.errors()[0])
        ap.error(f"--set: {field}: {message}")
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        ap.error(f"--set: no such parameter ({exc})")


def scenario_at(args: argparse.Namespace, people_per_agent: int) -> Scenario:
    """The baseline (or with --city the test's city) at a resolution, with --set applied."""
    if args.city:
        sys.path.insert(0, str(ROOT / "tests"))
        from test_resolution import city

        return with_values(city(people_per_agent), args.set)
    base = with_values(load_scenario(args.scenario), args.set)
    return at_resolution(base, people_per_agent, args.days or base.days)


def measure(scenario: Scenario, reps: int, seed: int, workers: int) -> tuple[dict, object]:
    """A resolution's summary, and its runs (for `verdicts`)."""
    start = time.perf_counter()
    runs = run_ensemble(scenario, reps, seed, workers=workers, keep="summary").runs
    per_million = 1e6 / scenario.urban_population
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "outcomes": runs.outcome.value_counts(normalize=True).round(4).to_dict(),
        "deaths_per_million_mean": float(runs.deaths.mean() * per_million),
        "deaths_per_million_median": float(runs.deaths.median() * per_million),
        "detained_per_million_mean": float(runs.detained.mean() * per_million),
        "peak_active_share_median": float(runs.peak_active_share.median()),
    }, runs


def verdicts(runs: dict[int, object]) -> dict:
    """Each pair's criteria with their error (`resolution_verdict`), JSON-ready."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_resolution import resolution_verdict

    return {
        f"{a}/{b}": {
            "shares": v["shares"],
            "deaths": v["deaths"],
            "deaths_ratio_interval": v["deaths_ratio"],
            "share_difference_intervals": v["share_differences"],
            "level": v["level"],
        }
        for (a, b), v in resolution_verdict(runs).items()
    }


def compare(results: dict[int, dict]) -> dict:
    outcomes = sorted({o for r in results.values() for o in r["outcomes"]})
    share_gap = max(
        abs(a["outcomes"].get(o, 0.0) - b["outcomes"].get(o, 0.0))
        for a, b in itertools.combinations(results.values(), 2)
        for o in outcomes
    )
    deaths = [r["deaths_per_million_mean"] for r in results.values()]
    ratio = max(deaths) / min(deaths) if min(deaths) > 0 else float("inf")
    return {
        "largest_outcome_share_gap": share_gap,
        "shares_within_0.05": share_gap <= 0.05,
        "deaths_per_capita_max_over_min": ratio,
        "deaths_within_15pct": ratio <= 1.15,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="replications per resolution")
    ap.add_argument("--days", type=int, default=None, help="horizon (default: the scenario's)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20220105)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "kazakhstan_2022.yaml"))
    ap.add_argument("--city", action="store_true", help="the city of tests/test_resolution.py")
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    ap.add_argument(
        "--resolutions", type=int, nargs="+", default=list(RESOLUTIONS), metavar="PPA",
        help="people per agent to compare (default: 2000 1000 500)",
    )  # fmt: skip
    add_common_args(ap)
    args = ap.parse_args()
    check_settings(ap, args)
    if args.smoke:
        args.n, args.days, args.workers = 2, 3, 1
    results, runs = {}, {}
    for ppa in args.resolutions:
        scenario = scenario_at(args, ppa)
        days = scenario.days
        results[ppa], runs[ppa] = measure(scenario, args.n, args.seed, args.workers)
        results[ppa]["vision_cells"] = scenario.vision_cells()
        print(ppa, json.dumps(results[ppa], default=float), flush=True)
    summary = compare(results)
    summary["verdicts"] = verdicts(runs) if len(runs) > 1 else {}
    columns = ["people per agent", *next(iter(results.values())).keys()]
    rows = [[ppa, *(f"{v:.4g}" if isinstance(v, float) else v for v in r.values())]
            for ppa, r in results.items()]  # fmt: skip
    name = "the city of tests/test_resolution.py" if args.city else Path(args.scenario).name
    settings = "".join(f", {v}" for v in args.set)
    note = (
        f"{name}{settings}, {args.n} replications per resolution, {days} days, seed"
        f" {args.seed}: largest outcome-share gap {summary['largest_outcome_share_gap']:.3f},"
        f" deaths per capita max/min {summary['deaths_per_capita_max_over_min']:.2f}"
        + "".join(
            f"; {pair}: shares {v['shares']}, deaths {v['deaths']}"
            f" ({v['deaths_ratio_interval'][0]:.2f} [{v['deaths_ratio_interval'][1]:.2f},"
            f" {v['deaths_ratio_interval'][2]:.2f}])"
            for pair, v in summary["verdicts"].items()
        )
    )
    write(
        "resolution",
        args,
        {"resolution": table(columns, rows, note)},
        scenario=name,
        settings=args.set,
        replications=args.n,
        days=days,
        seed=args.seed,
        resolutions={str(k): v for k, v in results.items()},
        **summary,
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
