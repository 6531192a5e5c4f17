"""The coup trap's effect size across its prior (and beyond), on the whole library at point
values: the cases with a coup history (rule 15) are re-run with `expectations.coup_trap` (and
optionally `coup_memory`) set; the cases without any are taken from a reference backtest record,
since without a history the mechanism adds nothing (bit-identical: tests/test_coup_trap.py; and
`check` below compares a full run's no-history cases with the reference).

    uv run python experiments/diagnosis/coup_trap/sweep.py REFERENCE.json OUT.json \\
        --trap 2.3 [--memory 10] [-n 100]
    uv run python experiments/diagnosis/coup_trap/sweep.py --check BEFORE.json AFTER.json

OUT.json has the format of `transition-sim backtest --json` (experiments/session21/table.py
reads it). Replication r of a case runs with the case's own seed, as the backtest does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from transition_sim.backtest import Backtest, CaseResult, CrowdCheck, evaluate
from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "scenarios" / "cases"


def _case(d: dict) -> CaseResult:
    d = {k: v for k, v in d.items() if k != "hit"}
    d["p_observed_ci95"] = tuple(d["p_observed_ci95"])
    if d.get("peak_crowd") is not None:
        d["peak_crowd"] = CrowdCheck(**d["peak_crowd"])
    return CaseResult(**d)


def sweep(reference: Path, trap: float, memory: float | None, n: int) -> Backtest:
    ref = {Path(c["file"]).name: c for c in json.loads(reference.read_text())["cases"]}
    cases = []
    for f in sorted(CASES.glob("*.yaml")):
        s = load_scenario(f)
        if not s.regime.coups:
            cases.append(_case(ref[f.name]))
            continue
        update = {"coup_trap": trap} | ({} if memory is None else {"coup_memory": memory})
        s = s.model_copy(update={"expectations": s.expectations.model_copy(update=update)})
        print(f"{f.stem}: trap {trap}, memory {s.expectations.coup_memory}", file=sys.stderr)
        cases.append(evaluate(s, f, n, None, 1))
    return Backtest(cases)


def check(before: Path, after: Path) -> int:
    """Cases without a coup history must have identical shares in both records."""
    b = {Path(c["file"]).name: c for c in json.loads(before.read_text())["cases"]}
    a = {Path(c["file"]).name: c for c in json.loads(after.read_text())["cases"]}
    bad = 0
    for f in sorted(CASES.glob("*.yaml")):
        if load_scenario(f).regime.coups:
            continue
        same = (
            a[f.name]["shares"] == b[f.name]["shares"] and a[f.name]["moves"] == b[f.name]["moves"]
        )
        bad += not same
        print(f"{f.stem}: {'identical' if same else 'DIFFERENT'}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("reference", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--trap", type=float)
    ap.add_argument("--memory", type=float)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.check:
        sys.exit(1 if check(args.reference, args.out) else 0)
    result = sweep(args.reference, args.trap, args.memory, args.n)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
