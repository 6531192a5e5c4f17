"""The Kazakhstan counterfactuals as contrasts with intervals, and how each contrast moves when
each hand-set elite parameter moves by ±20% (one at a time).

    uv run python experiments/elites/contrasts.py table -n 400  # results/table.json
    uv run python experiments/elites/contrasts.py table -n 400 --posterior DIR \
        --out results/table_posterior.json   # the same table under a fitted posterior
    uv run python experiments/elites/contrasts.py markdown results/table.json  # README rows

Under ``--posterior`` (issue 16 item 6), replication r of every scenario runs the posterior's
particle of draw r (one particle by weight from replication r's seed, as `run` draws it), so
the scenarios are compared on the same parameter draws and the same crowd seeds; a
counterfactual that sets a fitted parameter itself keeps its own value there. The intervals are
then over seed and parameters together.
    uv run python experiments/elites/contrasts.py sensitivity -n 120  # results/sensitivity_n120.csv

A contrast compares the baseline with one counterfactual on one measure, defined once below
(`CONTRASTS`), with a 95% interval. It *holds* when its estimate has the direction the panel
gives and its interval excludes no effect. The sensitivity run applies each perturbation to the
baseline and to every counterfactual (a counterfactual keeps its own value where it sets the
parameter itself), re-runs all six scenarios with the same seeds, and records every contrast. It
writes one row per (parameter, direction) as it goes, so an interrupted run resumes where it
stopped. Parameters and ranges: `PARAMETERS`; each is a claim's or an assumption's in
seeds/claims.yaml.

The contrasts themselves are now the claims battery's (`transition-sim check-claims`, from the
`expects:` entries of seeds/claims.yaml, paired with common random numbers): this script is kept
for the ±20% sensitivity table, whose contrasts are the six defined here, and for `table`, the
point-value table the README keeps beside the battery's.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transition_sim.claims import load_priors
from transition_sim.core.outcomes import OUTCOMES
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.summary import wilson_interval
from transition_sim.ensemble.uncertainty import Uncertainty, own_values_kept
from transition_sim.scenario.loader import load_scenario, scenario_hash
from transition_sim.scenario.posterior import Posterior, read_posterior
from transition_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = {
    name: ROOT / "scenarios" / f"{name}.yaml"
    for name in (
        "kazakhstan_2022",
        "kz_no_patron",
        "kz_loyal_security",
        "kz_peaceful",
        "kz_united_elite",
        "kz_no_guarantees",
    )
}
Z = 1.959963984540054


# -- contrasts ---------------------------------------------------------------------------------
def share(runs: pd.DataFrame, *outcomes: str) -> float:
    return float(runs["outcome"].isin(outcomes).mean())


def diff_of_shares(p0: float, p1: float, n0: int, n1: int) -> tuple[float, float, float]:
    """p1 - p0 with Newcombe's hybrid-score 95% interval (Wilson intervals combined)."""
    l0, u0 = wilson_interval(round(p0 * n0), n0)
    l1, u1 = wilson_interval(round(p1 * n1), n1)
    d = p1 - p0
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
    )


def diff_of_means(x0: pd.Series, x1: pd.Series) -> tuple[float, float, float]:
    """mean(x1) - mean(x0) with a Welch normal 95% interval."""
    d = float(x1.mean() - x0.mean())
    se = math.sqrt(x0.var() / len(x0) + x1.var() / len(x1))
    return d, d - Z * se, d + Z * se


def ratio_of_medians(x0: pd.Series, x1: pd.Series, seed: int = 7) -> tuple[float, float, float]:
    """median(x1) / median(x0) with a percentile bootstrap 95% interval (1,000 resamples)."""
    rng = np.random.default_rng(seed)
    a, b = x0.to_numpy(), x1.to_numpy()
    ratio = float(np.median(b) / max(np.median(a), 1e-9))
    boots = [
        np.median(rng.choice(b, len(b))) / max(np.median(rng.choice(a, len(a))), 1e-9)
        for _ in range(1000)
    ]
    return ratio, float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


@dataclass(frozen=True)
class Contrast:
    """One counterfactual claim: a measure comparing baseline and counterfactual runs, the
    direction the panel gives, and the value of 'no effect'."""

    key: str
    scenario: str
    statement: str
    measure: Callable[[pd.DataFrame, pd.DataFrame], tuple[float, float, float]]
    sign: int  # +1: the estimate should be above `null`; -1: below
    null: float = 0.0

    def holds(self, estimate: float, lo: float, hi: float) -> bool:
        if self.sign > 0:
            return estimate > self.null and lo > self.null
        return estimate < self.null and hi < self.null


def _holds_shares(b: pd.DataFrame, c: pd.DataFrame, *outcomes: str) -> tuple[float, float, float]:
    return diff_of_shares(share(b, *outcomes), share(c, *outcomes), len(b), len(c))


def _invited(runs: pd.DataFrame) -> float:
    return float(runs["invitation_day"].notna().mean())


CONTRASTS = [
    Contrast(
        "no_patron_holds",
        "kz_no_patron",
        "without the patron, the incumbent holds less often (change in P(incumbent holds))",
        lambda b, c: _holds_shares(b, c, "incumbent_holds"),
        -1,
    ),
    Contrast(
        "loyal_knb_invites",
        "kz_loyal_security",
        "with a loyal KNB, the patron is called less often (change in P(invited))",
        lambda b, c: diff_of_shares(_invited(b), _invited(c), len(b), len(c)),
        -1,
    ),
    Contrast(
        "peaceful_deaths",
        "kz_peaceful",
        "without violent groups, fewer deaths (ratio of median deaths)",
        lambda b, c: ratio_of_medians(b["deaths"], c["deaths"]),
        -1,
        null=1.0,
    ),
    Contrast(
        "united_survives",
        "kz_united_elite",
        "with a united elite, the incumbent survives more often (change in P(holds or shares))",
        lambda b, c: _holds_shares(b, c, "incumbent_holds", "power_sharing"),
        +1,
    ),
    Contrast(
        "no_guarantees_strikes",
        "kz_no_guarantees",
        "without guarantees, the family strikes for the office more often (change in mean strikes)",
        lambda b, c: diff_of_means(b["strikes"], c["strikes"]),
        +1,
    ),
    Contrast(
        "no_guarantees_restoration",
        "kz_no_guarantees",
        "without guarantees, the family is restored more often (change in P(rival restoration))",
        lambda b, c: _holds_shares(b, c, "rival_restoration"),
        +1,
    ),
]


# -- running -------------------------------------------------------------------------------------
_RUNS: dict[tuple[str, int, int], pd.DataFrame] = {}  # a scenario already run, by its hash


def run_all(
    scenarios: dict[str, Scenario],
    n: int,
    seed: int,
    workers: int,
    posterior: Posterior | None = None,
) -> dict[str, pd.DataFrame]:
    """Each scenario's runs (same seeds for all; with ``posterior``, the same particle for
    replication r of every scenario); a scenario identical to one already run (a
    counterfactual that sets the perturbed parameter itself) is not run again."""
    out = {}
    base = scenarios["kazakhstan_2022"]
    drawn_all = None
    if posterior is not None:
        drawn_all = Uncertainty((), load_priors().coupled, 1, posterior.file, posterior)
    for name, sc in scenarios.items():
        key = (scenario_hash(sc), n, seed, posterior.sha256 if posterior else "")
        if key not in _RUNS:
            # a counterfactual keeps its own value of a fitted parameter it sets (the rule of
            # `check-claims --posterior`: `uncertainty.own_values_kept`)
            drawn = None if drawn_all is None else own_values_kept(drawn_all, sc, base)
            _RUNS[key] = run_ensemble(
                sc, n, seed, workers=workers, keep="summary", uncertainty=drawn
            ).runs
        out[name] = _RUNS[key]
    return out


def contrast_rows(runs: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    base = runs["kazakhstan_2022"]
    rows = []
    for c in CONTRASTS:
        est, lo, hi = c.measure(base, runs[c.scenario])
        rows.append(
            {"contrast": c.key, "estimate": est, "lo": lo, "hi": hi, "holds": c.holds(est, lo, hi)}
        )
    return rows


def scenario_row(name: str, runs: pd.DataFrame) -> dict[str, Any]:
    n = len(runs)
    row: dict[str, Any] = {"scenario": name, "n": n}
    for k in OUTCOMES:
        count = int((runs["outcome"] == k).sum())
        lo, hi = wilson_interval(count, n)
        row[k] = [count / n, lo, hi]
    invited = int(runs["invitation_day"].notna().sum())
    row["invited"] = [invited / n, *wilson_interval(invited, n)]
    for metric in ("deaths", "detained", "days_to_order"):
        v = runs[metric].dropna()
        row[metric] = [float(v.median()), float(v.quantile(0.05)), float(v.quantile(0.95))]
    for metric in ("purges", "purges_failed", "coups", "strikes", "strikes_won", "rival_exits"):
        row[metric] = float(runs[metric].mean())
    row["resistance_days"] = float(runs["resistance_days"].mean())
    return row


# -- perturbations -------------------------------------------------------------------------------
# Hand-set elite parameters (not the twelve calibrated ones). A loyalty's change is taken from
# (or given to) the faction's self-interest; a camp's power change from (to) the security
# services' share, so every vector still adds up to 1.
PARAMETERS = [
    "camps.successor.legitimacy",
    "camps.successor.power",
    "camps.successor.punishment",
    "camps.successor.exit_keeps",
    "camps.successor.exit_safety",
    "camps.family.legitimacy",
    "camps.family.power",
    "camps.family.cohesion",
    "camps.family.resistance",
    "camps.family.punishment",
    "camps.family.exit_keeps",
    "camps.family.exit_safety",
    "government.guarantee_credibility",
    "government.purge_transfer",
    "government.purge_legitimacy_gain",
    "government.tandem_hazard",
    "government.removal_power",
    "government.invite_threshold",
    "government.invite_min_severity",
    "government.dismissal_legitimacy_gain",
    "patron.cost",
    "patron.dependence_cost",
    "patron.units_per_1000",
    "patron.withdraw_after_calm_days",
    "expectations.contest_exponent",
    "expectations.bandwagon",
    "expectations.patron_weight",
    "expectations.stance_temperature",
    "expectations.inertia",
    "expectations.power_weight",
    "expectations.decision_temperature",
    "expectations.coup_penalty",
    "factions.KNB.loyalty.family",
    "factions.police.loyalty.family",
    "factions.army.loyalty.family",
    "factions.KNB.cohesion",
    "factions.police.cohesion",
    "factions.police.repression_aversion",
    "factions.army.repression_aversion",
]
INTEGER = {"patron.withdraw_after_calm_days"}
FRACTION_CAP = {"camps.successor.punishment": 10.0, "camps.family.punishment": 10.0}


def _node(data: Any, part: str) -> Any:
    if isinstance(data, list):
        return next(item for item in data if item.get("name") == part)
    return data[part]


def get_path(data: dict, path: str) -> Any:
    node = data
    for part in path.split("."):
        node = _node(node, part)
    return node


def set_path(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = _node(node, part)
    node[last] = value


def perturbed(data: dict, path: str, factor: float) -> dict:
    """A copy of a dumped scenario with the parameter at `path` times `factor`, kept valid."""
    data = json.loads(json.dumps(data, default=str))
    old = get_path(data, path)
    new = old * factor
    if path in INTEGER:
        new = max(1, round(new))
    elif path not in FRACTION_CAP and not path.startswith("expectations."):
        new = min(new, 1.0)
    elif path in FRACTION_CAP:
        new = min(new, FRACTION_CAP[path])
    set_path(data, path, new)
    delta = new - old
    if ".loyalty." in path:
        loyalty = get_path(data, path.rsplit(".", 1)[0])
        loyalty["self_interest"] = loyalty.get("self_interest", 0.0) - delta
        if loyalty["self_interest"] < 0:
            raise ValueError(f"{path}: no self-interest left to take {delta:+.3f} from")
    elif path.startswith("camps.") and path.endswith(".power"):
        data["power"]["security"] -= delta
    return data


def perturbed_scenarios(path: str, factor: float) -> dict[str, Scenario]:
    base = load_scenario(SCENARIOS["kazakhstan_2022"]).model_dump(mode="json")
    out = {}
    for name, file in SCENARIOS.items():
        data = load_scenario(file).model_dump(mode="json")
        own = get_path(data, path) != get_path(base, path)  # the counterfactual sets it itself
        out[name] = Scenario.model_validate(data if own else perturbed(data, path, factor))
    return out


# -- commands ------------------------------------------------------------------------------------
def table(
    n: int, seed: int, workers: int, posterior: Path | None = None, out: Path | None = None
) -> None:
    drawn = None if posterior is None else read_posterior(posterior)
    scenarios = {k: load_scenario(v) for k, v in SCENARIOS.items()}
    runs = run_all(scenarios, n, seed, workers, drawn)
    result: dict[str, Any] = {"n": n, "seed": seed}
    if drawn is not None:
        result["posterior"] = {
            "file": drawn.file,
            "sha256": drawn.sha256,
            "particles": len(drawn),
            "columns": list(drawn.columns),
            "metadata": drawn.metadata,
        }
    result |= {
        "scenarios": [scenario_row(k, v) for k, v in runs.items()],
        "contrasts": contrast_rows(runs),
    }
    target = out or RESULTS / ("table.json" if drawn is None else "table_posterior.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["contrasts"], indent=2))


def markdown(file: Path) -> None:
    """The README's two tables (scenarios, contrasts) from a `table` result."""
    result = json.loads(Path(file).read_text())
    where = "point values"
    if "posterior" in result:
        p = result["posterior"]
        where = f"posterior {p['file']} ({p['particles']} particles, sha256 {p['sha256'][:12]})"
    print(f"N = {result['n']} per scenario, seed {result['seed']}, {where}\n")
    columns = [*OUTCOMES, "invited"]  # every class: none is assumed negligible
    heads = [c.replace("_", " ") for c in columns[:-1]] + ["patron invited"]
    print("| scenario | " + " | ".join(heads) + " | deaths, median [p05, p95] |")
    print("|---" * (len(columns) + 2) + "|")
    for row in result["scenarios"]:
        cells = [f"`{row['scenario']}`"]
        for k in columns:
            share, lo, hi = row[k]
            cells.append(f"{share:.2f} [{lo:.2f}, {hi:.2f}]")
        median, p05, p95 = row["deaths"]
        cells.append(f"{median:.0f} [{p05:.0f}, {p95:.0f}]")
        print("| " + " | ".join(cells) + " |")
    print("\n| contrast | estimate [95% CI] | holds |\n|---|---|---|")
    for c in result["contrasts"]:
        est = f"{c['estimate']:+.2f} [{c['lo']:+.2f}, {c['hi']:+.2f}]"
        print(f"| {c['contrast']} | {est} | {'yes' if c['holds'] else 'no'} |")


def sensitivity(n: int, seed: int, workers: int, only: list[str] | None) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sensitivity_n{n}.csv"
    done: set[tuple[str, str]] = set()
    if out.exists():
        with out.open() as fh:
            done = {(r["parameter"], r["factor"]) for r in csv.DictReader(fh)}
    fields = ["parameter", "factor", "value", "n", "seed"]
    fields += [f"{c.key}_{k}" for c in CONTRASTS for k in ("estimate", "lo", "hi", "holds")]
    todo = [("baseline", 1.0)] + [(p, f) for p in (only or PARAMETERS) for f in (0.8, 1.2)]
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if not done:
            writer.writeheader()
        for path, factor in todo:
            if (path, str(factor)) in done:
                continue
            if path == "baseline":
                scenarios, value = {k: load_scenario(v) for k, v in SCENARIOS.items()}, ""
            else:
                scenarios = perturbed_scenarios(path, factor)
                value = get_path(scenarios["kazakhstan_2022"].model_dump(mode="json"), path)
            rows = contrast_rows(run_all(scenarios, n, seed, workers))
            record = {"parameter": path, "factor": factor, "value": value, "n": n, "seed": seed}
            for c, r in zip(CONTRASTS, rows, strict=True):
                record |= {f"{c.key}_{k}": r[k] for k in ("estimate", "lo", "hi", "holds")}
            writer.writerow(record)
            fh.flush()
            print(f"{path} x{factor}: " + " ".join(f"{r['holds']:d}" for r in rows), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["table", "sensitivity", "markdown"])
    ap.add_argument("file", nargs="?", type=Path, help="markdown: a table result (JSON)")
    ap.add_argument("-n", "--replications", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("-w", "--workers", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="sensitivity: only these parameters")
    ap.add_argument("--posterior", type=Path, help="table: draw from this posterior")
    ap.add_argument("--out", type=Path, help="table: write here instead of results/")
    args = ap.parse_args()
    if args.command == "markdown":
        markdown(args.file)
    elif args.command == "table":
        table(args.replications, args.seed, args.workers, args.posterior, args.out)
    else:
        sensitivity(args.replications, args.seed, args.workers, args.only)


if __name__ == "__main__":
    main()
