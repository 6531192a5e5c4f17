"""A model change's statistical comparison: the runs of scenarios, an older commit's model
against this tree's, with the same seeds.

    uv run python benchmarks/bench_model_change.py [--against 2195969 | --old-tree DIR] [-n 1000]
        [--cases armenia_2018,belarus_2020,zimbabwe_2017] [--case-n 200] [-w 2]
    uv run python benchmarks/bench_model_change.py --smoke

For a change that alters the random stream but should not alter the model's distributions
(issue 15's cheaper move draws): each scenario runs n replications in each tree (the old one
checked out in a temporary worktree with its own environment, as bench_kernel.py does), from
the scenario's own base seed, so that replication i has the same seed in both. The streams then
differ, so old and new are compared as two independent samples:

- outcome shares: a chi-square test of homogeneity (2 x outcomes), and per outcome the
  difference of shares with its standard error;
- every numeric column of the runs table (deaths, detentions, peak crowd, invitation day, ...):
  the share of missing values (e.g. no invitation) by the same two-proportion test, and the
  values present by a two-sample Kolmogorov-Smirnov test (conservative on discrete columns),
  with quantiles 10/50/90;
- and the p-values of the Mesa-agreement test (tests/test_mesa_agreement.py) in each tree.

A scenario's verdict: the smallest p-value against 5% Bonferroni-corrected over its tests.
Results go to benchmarks/results/model_change.json; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import ROOT, add_common_args, commit, old_tree, table, write
from scipy import stats

AGAINST = "2195969"  # main before issue 15's move-draw change
BASELINE = "kazakhstan_2022.yaml"
CASES = "armenia_2018,belarus_2020,zimbabwe_2017"
NOT_COMPARED = ("replication", "seed")
ALPHA = 0.05


def run_here(scenario: Path, n: int, workers: int, out: Path, days: int | None) -> None:
    """n replications of `scenario` with this interpreter's model: the runs table to `out`."""
    from transition_sim.core.results import as_arrow
    from transition_sim.ensemble.runner import run_ensemble
    from transition_sim.scenario.loader import load_scenario

    loaded = load_scenario(scenario)
    if days is not None:
        loaded = loaded.model_copy(update={"days": min(days, loaded.days)})
    ensemble = run_ensemble(loaded, n, None, workers=workers, keep="summary")
    pq.write_table(as_arrow(ensemble.runs), out)


def runs_in(tree: Path, scenario: str, n: int, workers: int, days: int | None) -> pa.Table:
    """The runs table of `tree`'s model for `scenario` (a path under scenarios/), run by this
    script in a fresh subprocess with the tree's environment."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "runs.parquet"
        subprocess.run(
            [str(tree / ".venv" / "bin" / "python"), __file__, "--runs-only",
             str(tree / "scenarios" / scenario), "-n", str(n), "-w", str(workers),
             "--runs-out", str(out), *(["--days", str(days)] if days else [])],
            check=True,
        )  # fmt: skip
        return pq.read_table(out)


MESA_P = """
import json, sys
sys.path.insert(0, "tests")
import test_mesa_agreement as t
print(json.dumps({name: t.p_values(t.mesa_metrics(name), t.our_metrics(name))
                  for name in t.ref.SETTINGS}))
"""


def mesa_in(tree: Path) -> dict[str, dict[str, float]]:
    """The p-values of tests/test_mesa_agreement.py (our Epstein runs against Mesa's stored
    ones, per setting and metric) with `tree`'s model and test."""
    done = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-c", MESA_P],
        cwd=tree, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def mesa_table(old: dict[str, Any], new: dict[str, Any], alpha: float) -> dict[str, Any]:
    rows = [
        [name, metric, f"{old[name][metric]:.3f}", f"{new[name][metric]:.3f}"]
        for name in new
        for metric in new[name]
    ]
    note = (
        "tests/test_mesa_agreement.py's Wilcoxon p-values (Mesa's stored runs against ours, the"
        f" same seeds in both trees); the test requires p > {alpha:.4f} (5% over 12)."
    )
    return table(["setting", "metric", "p, old", "p, new"], rows, note)


def two_shares(a: int, b: int, n_a: int, n_b: int) -> dict[str, float]:
    """Shares a/n_a and b/n_b, the difference new - old, its standard error and the two-sided
    p-value of a two-proportion z-test (pooled), 1 if both shares are equal."""
    p, q = a / n_a, b / n_b
    se = math.sqrt(p * (1 - p) / n_a + q * (1 - q) / n_b)
    pooled = (a + b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    pvalue = 1.0 if se0 == 0 else float(2 * stats.norm.sf(abs(q - p) / se0))
    return {"old": p, "new": q, "diff": q - p, "se": se, "p": pvalue}


def outcome_test(old: list[str], new: list[str]) -> dict[str, Any]:
    names = sorted(set(old) | set(new))
    counts = np.array([[old.count(o) for o in names], [new.count(o) for o in names]])
    chi2 = stats.chi2_contingency(counts) if len(names) > 1 else None  # one: nothing to test
    return {
        "chi2": None if chi2 is None else float(chi2.statistic),
        "dof": None if chi2 is None else int(chi2.dof),
        "p": 1.0 if chi2 is None else float(chi2.pvalue),
        "shares": {
            o: two_shares(int(counts[0, i]), int(counts[1, i]), len(old), len(new))
            for i, o in enumerate(names)
        },
    }


def metric_test(old: np.ndarray, new: np.ndarray) -> dict[str, Any]:
    """Missing shares (two-proportion test) and the present values (KS), quantiles 10/50/90."""
    missing = two_shares(int(np.isnan(old).sum()), int(np.isnan(new).sum()), len(old), len(new))
    a, b = old[~np.isnan(old)], new[~np.isnan(new)]
    result: dict[str, Any] = {"missing": missing, "ks": None, "p": missing["p"]}
    if len(a) and len(b):
        ks = stats.ks_2samp(a, b)
        result["ks"] = {"statistic": float(ks.statistic), "p": float(ks.pvalue)}
        result["p"] = min(result["p"], float(ks.pvalue))
        result["quantiles"] = {
            "old": [float(x) for x in np.quantile(a, [0.1, 0.5, 0.9])],
            "new": [float(x) for x in np.quantile(b, [0.1, 0.5, 0.9])],
            "mean": [float(a.mean()), float(b.mean())],
        }
    return result


def compare(old: pa.Table, new: pa.Table) -> dict[str, Any]:
    """Old and new runs of one scenario (the same seeds), every test and the verdict."""
    if old.column("seed").to_pylist() != new.column("seed").to_pylist():
        raise SystemExit("old and new runs do not have the same seeds")
    result: dict[str, Any] = {
        "n": old.num_rows,
        "outcome": outcome_test(
            old.column("outcome").to_pylist(), new.column("outcome").to_pylist()
        ),
        "metrics": {},
    }
    for name in old.column_names:
        if name in (*NOT_COMPARED, "outcome"):
            continue
        a = old.column(name).to_numpy(zero_copy_only=False).astype(float)
        b = new.column(name).to_numpy(zero_copy_only=False).astype(float)
        if np.array_equal(a, b, equal_nan=True) and np.unique(a[~np.isnan(a)]).size <= 1:
            continue  # constant in both: nothing to compare
        result["metrics"][name] = metric_test(a, b)
    # tests: the outcome chi-square, and per metric the missing share and (if any) the KS test
    tests = 1 + sum(1 + (m["ks"] is not None) for m in result["metrics"].values())
    smallest = min([result["outcome"]["p"], *(m["p"] for m in result["metrics"].values())])
    result["tests"] = tests
    result["min_p"] = smallest
    result["bonferroni_alpha"] = ALPHA / tests
    result["differs"] = smallest < ALPHA / tests
    return result


def summary_table(results: dict[str, dict[str, Any]], label: str) -> dict[str, Any]:
    rows = []
    for name, r in results.items():
        worst = min(r["metrics"].items(), key=lambda kv: kv[1]["p"], default=("", {"p": 1.0}))
        rows.append(
            [
                name,
                f"{r['n']:,}",
                f"{r['outcome']['p']:.2f}",
                f"{worst[1]['p']:.3f} ({worst[0]})",
                str(r["tests"]),
                "differs" if r["differs"] else "no difference",
            ]
        )
    columns = ["scenario", "replications (each)", "outcome shares: chi-square p",
               "smallest metric p", "tests", "at 5% over the tests"]  # fmt: skip
    note = (
        f"Old: {label}; new: this tree; the same seeds (each scenario's own base seed). Outcome"
        " shares by a chi-square test of homogeneity; each numeric column of runs.parquet by a"
        " two-proportion test of its missing share and a two-sample KS test of its values;"
        " verdict: the smallest p-value against 5% Bonferroni-corrected over the scenario's tests."
    )
    return table(columns, rows, note)


def detail_table(r: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for outcome, s in r["outcome"]["shares"].items():
        rows.append(
            [
                f"share {outcome}",
                f"{s['old']:.3f}",
                f"{s['new']:.3f}",
                f"{s['diff']:+.3f} ± {s['se']:.3f}",
                f"{s['p']:.2f}",
            ]
        )
    for name, m in r["metrics"].items():
        if m["ks"] is None:
            continue
        q = m["quantiles"]
        rows.append(
            [
                f"{name} (10/50/90%)",
                "/".join(f"{x:.4g}" for x in q["old"]),
                "/".join(f"{x:.4g}" for x in q["new"]),
                f"KS D {m['ks']['statistic']:.3f}",
                f"{m['ks']['p']:.2f}",
            ]
        )
    columns = ["", "old", "new", "new - old (± s.e.)", "p"]
    return table(columns, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="replications of the baseline")
    ap.add_argument("--cases", default=CASES, help="scenarios/cases/ names, comma-separated")
    ap.add_argument("--case-n", type=int, default=200, help="replications of each case")
    ap.add_argument("-w", "--workers", type=int, default=2)
    ap.add_argument("--against", default=AGAINST, help="the older commit to compare with")
    ap.add_argument("--old-tree", type=Path, default=None, help="a checkout to use as the old")
    ap.add_argument("--days", type=int, default=None, help="run at most this many days")
    ap.add_argument("--runs-only", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--runs-out", type=Path, default=None, help=argparse.SUPPRESS)
    add_common_args(ap)
    args = ap.parse_args()
    if args.runs_only is not None:
        run_here(args.runs_only, args.n, args.workers, args.runs_out, args.days)
        return
    if args.smoke:
        args.n, args.case_n, args.cases, args.days, args.old_tree = 4, 2, "armenia_2018", 6, ROOT
    scenarios = {BASELINE.removesuffix(".yaml"): (BASELINE, args.n)}
    for case in filter(None, args.cases.split(",")):
        scenarios[case] = (f"cases/{case}.yaml", args.case_n)
    label = commit(args.old_tree) if args.old_tree else args.against
    results = {}
    with old_tree(args.against, args.old_tree) as old:
        for name, (path, n) in scenarios.items():
            print(f"{name}: {n} replications, old then new", file=sys.stderr)
            results[name] = compare(
                runs_in(old, path, n, args.workers, args.days),
                runs_in(ROOT, path, n, args.workers, args.days),
            )
        mesa = {"old": {}, "new": {}} if args.smoke else {"old": mesa_in(old), "new": mesa_in(ROOT)}
    baseline = BASELINE.removesuffix(".yaml")
    tables = {"summary": summary_table(results, label), "baseline": detail_table(results[baseline])}
    if not args.smoke:  # the smoke run skips the Mesa comparison (a minute)
        tables["mesa"] = mesa_table(mesa["old"], mesa["new"], 0.05 / 12)
    for t in tables.values():
        for row in t["rows"]:
            print(" | ".join(row))
    write("model_change", args, tables, against=label, results=results, mesa=mesa)


if __name__ == "__main__":
    main()
