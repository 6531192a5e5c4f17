"""Calibrate the Kazakhstan baseline's free parameters against the January 2022 record.

A Latin hypercube over the parameters the panel and the facts leave open (ranges below, each a
modelling assumption) is scored against documented facts (seeds/claims.yaml, facts ids in
brackets). The best points are then re-run with more replications, and the winner is printed
as YAML overrides for `scenarios/kazakhstan_2022.yaml`. Nothing here is fitted to the
counterfactuals: they are predictions of the calibrated baseline.

    uv run python experiments/calibration/calibrate_kazakhstan.py [--points 200] [--refine 60]

Two stages: a global Latin hypercube, then one in a box around its best point (`--radius` of
each range); the best `--finalists` of both are re-run with `--final-reps` replications and the
best of them whose median peak crowd is in the sourced range is chosen (the best overall if none
is).

A second refinement around a chosen point (`--centre results/chosen.json`, with
`--reuse-global`): its points are numbered from 1000 and drawn with seed + 2, and the centre
itself is always a finalist, so a new choice must beat it on the same replications.

A confirmation (`--confirm N`): the finalists whose median peak crowd is in range are re-run
with N replications on a fresh seed (`--confirm-seed`), and the best of them is chosen: with
40 replications a finalist's total has a standard deviation of about 0.2, so the best of ten is
mostly luck. `--confirm-only` reads results/finalists.csv instead of running the stages before.

Beside the record's total, the score reports Almaty's ignited tail (`peak_crowd_tail`, and
`total_with_tail`; the reasons at TAIL_QUANTILE); `--choose-on total_with_tail` ranks on it.
`--add PATH=LOW:HIGH` fits a parameter beside the thirteen; `--points 0 --centre C` runs a
refinement round alone (experiments/session25/tail/README.md).

Results (every point, its score parts and the chosen overrides) go to
experiments/calibration/results/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy.stats import qmc

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import describe_error, load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.studies.patterns import log_distance, log_error, relative_error, window_miss

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
RESULTS = Path(__file__).resolve().parent / "results"

# Parameter path -> (low, high). Paths index into the scenario as dumped by pydantic. Paths in
# LOG are drawn uniformly in log10 (rates whose plausible values span orders of magnitude).
SPACE: dict[str, tuple[float, float]] = {
    "crowd.contagion": (0.05, 0.5),
    "crowd.hardship.high": (0.3, 0.8),
    "crowd.social_signal": (0.0, 0.3),
    "triggers.price_rise.hardship": (0.2, 0.8),
    "protesters.violent_share": (0.0, 0.1),
    "regions.3.violent_share": (0.05, 0.3),  # Almaty
    "regions.3.crime_share": (0.01, 0.1),
    "protesters.crime_motivation": (0.3, 0.9),
    "government.lethal_force_armed_share": (0.0001, 0.01),
    "violence.protester_lethality.3": (1e-4, 1e-2),  # per protester and day
    "violence.violent_lethality": (1e-6, 1e-2),
    "violence.detention_share": (0.002, 0.2),
    "expectations.protest_weight": (1.0, 5.0),
}
LOG = {
    "government.lethal_force_armed_share",
    "violence.protester_lethality.3",
    "violence.violent_lethality",
    "violence.detention_share",
}

# Targets from the record [F-toll, F-detained, F-csto-invited, F-csto-withdrawal, F-spread,
# F-almaty-seized, A-peak-crowd]; day 0 is 1 January 2022.
DEATHS = 231  # 225-238 official
DETAINED = 9900
INVITE_DAYS = (2, 6)  # invited 5 Jan (day 4)
DAYS_TO_ORDER = 9  # protests from 2 Jan, order by about 11 Jan (withdrawal announced)
SPREAD_BY_DAY = 4  # protests in most regions by 4-5 Jan
SPREAD_SHARE = 0.005  # a region with protest is one that is not calm (docs/ODD.md §7.12)
SPREAD_REGIONS = 5
PEAK_REGION = "Almaty"
PEAK_CROWD = (5_000, 50_000)  # people on the street at Almaty's peak [A-peak-crowd]
# The ignited tail of Almaty's crowd [A-peak-crowd's top]: the TAIL_QUANTILE of the runs' peaks
# against the sourced range's top, a part reported beside the record's total (`total_with_tail`),
# never in it. An explicit modelling assumption, with its reasons:
# - the record is one draw, so a median inside the sourced range (the `peak_crowd` part) says the
#   model's typical Almaty looks like it; it says nothing of the runs that run away (session 24,
#   experiments/session24/runaway/: at the blocks' point 1015 an ignited 40% of runs reached
#   100,000s, with the median still in range);
# - 50,000 is the top of every source's bound (A-peak-crowd: the state's 20,000 armed "bandits"
#   bound the armed part, "thousands" on the 5th); a model in which more than one run in ten
#   puts more people on Almaty's streets than any source allows makes the quiet record a
#   lucky draw of a city that usually rises far beyond it;
# - the 90th percentile, not the 95th or 99th: the calibration's finalists run 60 replications,
#   so the 90th percentile rests on 6 runs above it (the 99th on none);
# - measured like `peak_crowd`: log10 distance above the top (0 at or below it), at most 2, so a
#   tail one order of magnitude above 50,000 costs 1, as much as a whole missed target.
# It changes no total that earlier numbers were given in (the 2.14 is on `total`).
TAIL_QUANTILE = 0.9
# The parts of the score (the total is their sum); score() also reports the total without the
# crowd's part (comparable with fits made before the crowd was a target) and the median peak,
# and beside them the tail's part (TAIL_PARTS), its quantile and the total with it.
PARTS = {
    "deaths",
    "deaths_hundreds",
    "detained",
    "invite",
    "order",
    "spread",
    "almaty_seized",
    "peak_crowd",
}
TAIL_PARTS = {"peak_crowd_tail"}
# What score() may be asked to choose on (--choose-on).
TOTALS = ("total", "total_with_tail")


def fixed_value(text: str) -> object:
    """A --fix value: JSON (1.5, "exact", true), else the text itself (exact)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def fixed_base(ap: argparse.ArgumentParser, fixes: list[str]) -> tuple[Scenario, dict[str, object]]:
    """The baseline with the --fix values set, and those values; a bad one is a usage error
    (exit 2) naming it, before anything runs."""
    fixed: dict[str, object] = {}
    for fix in fixes:
        path, sep, value = fix.partition("=")
        if not sep or not path:
            ap.error(f"--fix {fix}: expected PATH=VALUE")
        fixed[path] = fixed_value(value)
    baseline = load_scenario(BASELINE)
    for path, value in fixed.items():  # one at a time, to name the path that does not exist
        try:
            with_overrides(baseline, {path: value})
        except ValidationError:
            pass  # an invalid value: said below, with the field
        except (KeyError, IndexError, ValueError, TypeError):
            ap.error(f"--fix {path}: no such parameter in {BASELINE.name}")
    try:
        return with_overrides(baseline, fixed), fixed
    except ValidationError as exc:
        field, message, _ = describe_error(exc.errors()[0])
        ap.error(f"--fix: {field}: {message}")


def with_overrides(scenario: Scenario, overrides: dict[str, object]) -> Scenario:
    data = scenario.model_dump()
    for path, value in overrides.items():
        node, key = _parent(data, path)
        node[key] = value
    return Scenario.model_validate(data)


def value_at(scenario: Scenario, path: str) -> object:
    node, key = _parent(scenario.model_dump(), path)
    return node[key]


def _parent(data: dict, path: str) -> tuple[Any, int | str]:
    """The container holding a dotted path's last step, and that step (list items by index:
    the calibration's `regions.3.…` paths)."""
    node: Any = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, int(last) if isinstance(node, list) else last


def score(scenario: Scenario, reps: int, seed: int, workers: int) -> dict[str, float]:
    """Distance of an ensemble from the record: 0 is a perfect fit, each part is about 0..1."""
    ens = run_ensemble(scenario, reps, seed, workers=workers)
    runs, ts, ev = ens.runs, ens.timeseries, ens.events
    regions = ts[ts.region != "all"]
    size = regions[["active", "quiet", "jailed"]].sum(axis=1).groupby(regions.region).mean()
    early = regions[regions.day <= SPREAD_BY_DAY]
    peak = early.groupby(["replication", "region"]).active.max().unstack()
    reached = (peak.div(size[peak.columns]) >= SPREAD_SHARE).sum(axis=1)
    almaty_seized = ev[(ev.action == "seize_site") & ev.details.str.contains("Almaty|KNB")]
    inv = runs.invitation_day
    people = peak_people(ts, scenario)
    parts = {
        "deaths": log_error(runs.deaths.median(), DEATHS),
        "deaths_hundreds": window_miss(runs.deaths, (100, 999)),
        "detained": log_error(runs.detained.median(), DETAINED),
        "invite": window_miss(inv, INVITE_DAYS),
        "order": relative_error(runs.days_to_order, DAYS_TO_ORDER),
        "spread": float((reached < SPREAD_REGIONS).mean()),
        "almaty_seized": 1 - almaty_seized.replication.nunique() / reps,
        # The crowd's size: log10 distance of the median peak from the sourced range (0 inside).
        "peak_crowd": min(log_distance(float(people.median()), PEAK_CROWD), 2.0),
        # No part for the outcome class: which camp wins is the model's prediction (issue 9).
    }
    parts["total"] = sum(parts.values())
    parts["total_without_crowd"] = parts["total"] - parts["peak_crowd"]
    parts["peak_crowd_median"] = float(people.median())
    parts.update(tail_parts(people))
    parts["total_with_tail"] = parts["total"] + parts["peak_crowd_tail"]
    return parts


def peak_people(ts: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Each run's peak crowd in PEAK_REGION, people on the street (active x people per agent)."""
    city = ts[ts.region == PEAK_REGION]
    return city.groupby("replication").active.max() * scenario.scale.people_per_agent


def tail_parts(people: pd.Series) -> dict[str, float]:
    """The ignited tail of Almaty's peak crowd (people, one value a run): its TAIL_QUANTILE and
    that quantile's log10 distance above the sourced range's top (0 at or below; at most 2)."""
    top = float(np.quantile(people.to_numpy(dtype=float), TAIL_QUANTILE))
    return {
        "peak_crowd_tail": min(log_distance(top, (0.0, PEAK_CROWD[1])), 2.0),
        "peak_crowd_p90": top,
    }


def sample(
    names: list[str],
    n: int,
    seed: int,
    centre: dict[str, float] | None,
    radius: float,
    space: dict[str, tuple[float, float]] | None = None,
) -> np.ndarray:
    """`n` Latin-hypercube points over `space` (default SPACE; LOG paths in log10), or, with a
    `centre`, over the box of half-width `radius` (a share of each range) around it, clipped to
    the space. A path the centre does not give (one added to the space with --add) spans its
    whole range: the centre was not fitted in it, so it has no neighbourhood there."""
    space = SPACE if space is None else space
    logged = np.array([n in LOG for n in names])
    bounds = np.array([space[n] for n in names], dtype=float)
    bounds[logged] = np.log10(bounds[logged])
    if centre is not None:
        given = np.array([n in centre for n in names])
        mid = np.array([centre.get(n, np.nan) for n in names], dtype=float)
        mid[logged] = np.log10(mid[logged])
        half = radius * (bounds[:, 1] - bounds[:, 0])
        boxed = np.stack(
            [np.maximum(mid - half, bounds[:, 0]), np.minimum(mid + half, bounds[:, 1])], axis=1
        )
        bounds = np.where(given[:, None], boxed, bounds)
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    points = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    points[:, logged] = 10 ** points[:, logged]
    return points


def run_points(
    base: Scenario, names: list[str], points: np.ndarray, first: int, args: argparse.Namespace
) -> list[dict]:
    rows = []
    for i, x in enumerate(points, start=first):
        overrides = {n: float(f"{v:.4g}") for n, v in zip(names, x, strict=True)}
        parts = score(with_overrides(base, overrides), args.reps, args.seed + i, args.workers)
        rows.append({"point": i, **overrides, **parts})
        print(
            f"{i:4d} total={parts['total']:.2f} with tail={parts['total_with_tail']:.2f}",
            flush=True,
        )
    return rows


def added_space(ap: argparse.ArgumentParser, adds: list[str], fixed: dict) -> dict:
    """--add PATH=LOW:HIGH: paths fitted beside SPACE (drawn linearly), checked before anything
    runs; a bad one is a usage error (exit 2)."""
    added: dict[str, tuple[float, float]] = {}
    baseline = load_scenario(BASELINE)
    for item in adds:
        path, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        try:
            pair = (float(low), float(high))
        except ValueError:
            pair = None
        if not sep or not colon or pair is None or not pair[0] < pair[1]:
            ap.error(f"--add {item}: expected PATH=LOW:HIGH with LOW < HIGH")
        if path in SPACE or path in fixed:
            ap.error(f"--add {path}: already {'fitted' if path in SPACE else 'fixed (--fix)'}")
        for value in pair:
            try:
                with_overrides(baseline, {path: value})
            except ValidationError as exc:
                field, message, _ = describe_error(exc.errors()[0])
                ap.error(f"--add {path}: {field}: {message}")
            except (KeyError, IndexError, ValueError, TypeError):
                ap.error(f"--add {path}: no such parameter in {BASELINE.name}")
        added[path] = pair
    return added


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--points",
        type=int,
        default=200,
        help="global Latin hypercube points (0: none, a refinement round around --centre)",
    )
    ap.add_argument("--refine", type=int, default=50, help="points around the best global one")
    ap.add_argument("--radius", type=float, default=0.15, help="refinement box, share of range")
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--finalists", type=int, default=10)
    ap.add_argument("--final-reps", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument(
        "--reuse-global",
        action="store_true",
        help="read the global stage from results/global.csv (same --points and --seed)",
    )
    ap.add_argument(
        "--centre",
        type=Path,
        default=None,
        help="refine around these overrides (JSON, e.g. results/chosen.json), not the global best",
    )
    ap.add_argument("--confirm", type=int, default=0, help="replications of the confirmation")
    ap.add_argument("--confirm-seed", type=int, default=11)
    ap.add_argument("--confirm-only", action="store_true", help="read results/finalists.csv")
    ap.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="hold a parameter at a value (JSON, or a bare string) for every point (repeatable;"
        " e.g. a grid over a parameter the Kazakhstan record does not identify,"
        " crowd.hardship_skew=2, or a rule, crowd.arrest_ratio=exact)",
    )
    ap.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="fit a parameter beside the thirteen, over [LOW, HIGH] (repeatable; e.g."
        " violence.site_guard=0:50); a --centre that does not give it spans the whole range",
    )
    ap.add_argument(
        "--choose-on",
        choices=TOTALS,
        default="total",
        help="the total that ranks points, finalists and the confirmation: the record's"
        " (total) or the record's with the tail of Almaty's crowd (total_with_tail)",
    )
    ap.add_argument(
        "--results", type=Path, default=RESULTS, help="write results here (default: results/)"
    )
    args = ap.parse_args()
    if args.points == 0 and args.centre is None and not args.confirm_only:
        ap.error("--points 0 (no global stage) needs a --centre to refine around")

    base, fixed = fixed_base(ap, args.fix)
    space = {**SPACE, **added_space(ap, args.add, fixed)}
    names = list(space)
    key = args.choose_on
    record = args.results / "fixed.json"
    if args.confirm_only or args.reuse_global:  # a stored stage: only under the same fixes
        then = json.loads(record.read_text()) if record.is_file() else {}
        if then != fixed:
            ap.error(f"{record} says the stored stages ran with --fix {then}, not {fixed}")
    else:
        args.results.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(fixed, indent=2) + "\n")
    if args.add:
        (args.results / "added.json").write_text(
            json.dumps({n: list(b) for n, b in space.items() if n not in SPACE}, indent=2) + "\n"
        )
    if args.confirm_only:
        confirm(base, names, pd.read_csv(args.results / "finalists.csv"), args, key)
        return
    if args.reuse_global:
        global_table = pd.read_csv(args.results / "global.csv")
    elif args.points == 0:  # a refinement round alone: no global stage, nothing of it competes
        global_table = pd.DataFrame()
    else:
        points = sample(names, args.points, args.seed, None, args.radius, space)
        global_table = pd.DataFrame(run_points(base, names, points, 0, args)).sort_values(key)
        global_table.to_csv(args.results / "global.csv", index=False)
    if args.centre is None:
        centre = {n: float(global_table.iloc[0][n]) for n in names}
        points = sample(names, args.refine, args.seed + 1, centre, args.radius, space)
        refined = pd.DataFrame(run_points(base, names, points, args.points, args))
    else:
        centre = {n: float(v) for n, v in json.loads(args.centre.read_text()).items()}
        points = sample(names, args.refine, args.seed + 2, centre, args.radius, space)
        refined = pd.DataFrame(run_points(base, names, points, 1000, args))
        # The centre as it runs: a path it does not give keeps the (fixed) baseline's value.
        centre = {n: centre[n] if n in centre else float(value_at(base, n)) for n in names}
    table = pd.concat([global_table, refined]).sort_values(key)
    table.to_csv(args.results / "lhs.csv", index=False)

    candidates = table.head(args.finalists)
    if args.centre is not None:  # the centre competes on the finalists' replications
        centre_row = pd.DataFrame([{"point": -1, **centre}])
        candidates = pd.concat([centre_row, table.head(args.finalists - 1)])
    finals = []
    for _, row in candidates.iterrows():
        overrides = {n: float(row[n]) for n in names}
        parts = score(with_overrides(base, overrides), args.final_reps, args.seed, args.workers)
        finals.append({"point": int(row["point"]), **overrides, **parts})
        print(f"finalist {int(row['point'])}: {parts}", flush=True)
    # The crowd's size is a constraint first: the best finalist whose median peak crowd is in
    # the sourced range, and only if none is, the best overall.
    finals_table = pd.DataFrame(finals)
    finals_table["crowd_in_range"] = finals_table.peak_crowd == 0
    finals_table = finals_table.sort_values(["crowd_in_range", key], ascending=[False, True])
    finals_table.to_csv(args.results / "finalists.csv", index=False)
    if args.confirm:
        confirm(base, names, finals_table, args, key)
        return
    choose(finals_table.iloc[0], names, args.results)


def choose(best: pd.Series, names: list[str], results: Path) -> None:
    chosen = {n: float(best[n]) for n in names}
    (results / "chosen.json").write_text(json.dumps(chosen, indent=2) + "\n")
    print(json.dumps(chosen, indent=2))


def confirm(
    base: Scenario,
    names: list[str],
    finals: pd.DataFrame,
    args: argparse.Namespace,
    key: str = "total",
) -> None:
    """Re-run the finalists whose crowd is in range with `args.confirm` replications on a fresh
    seed; choose the best on `key` (results/confirmed.csv)."""
    rows = []
    for _, row in finals[finals.peak_crowd == 0].iterrows():
        overrides = {n: float(row[n]) for n in names}
        scenario = with_overrides(base, overrides)
        parts = score(scenario, args.confirm, args.confirm_seed, args.workers)
        rows.append({"point": int(row["point"]), **overrides, **parts})
        print(
            f"confirmed {int(row['point'])}: total {parts['total']:.3f}"
            f" with tail {parts['total_with_tail']:.3f}",
            flush=True,
        )
    table = pd.DataFrame(rows)
    table["crowd_in_range"] = table.peak_crowd == 0
    table = table.sort_values(["crowd_in_range", key], ascending=[False, True])
    table.to_csv(args.results / "confirmed.csv", index=False)
    choose(table.iloc[0], names, args.results)


if __name__ == "__main__":
    main()
