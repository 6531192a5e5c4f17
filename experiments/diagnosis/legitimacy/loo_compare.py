"""Leave-one-out scores under the shipped posterior, rule 14 against the control, as Markdown.

    L=experiments/diagnosis/legitimacy; uv run python $L/loo_compare.py > $L/loo_tables.md

Reads `loo_control/loo.json` (main's case files at ece0b27) and `loo/loo.json` (this branch's),
each written by `transition-sim backtest ... --loo --posterior experiments/fit/results/library
-n 10 -w 2 --out DIR`: Brier in sample and left out on the 30 and on the 29 without Kazakhstan,
the left-out Brier minus the uniform guess's and the base rates' (bootstrap 95% interval), the
modal class right (in sample, left out) on the 30 and on the first six, the first six's Brier,
the cases flagged by Pareto k > 0.7; then each case's P(observed) left out, before and after.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("kazakhstan_2022", "belarus_2020", "kyrgyzstan_2010", "armenia_2018",
             "uzbekistan_2016", "zimbabwe_2017")  # fmt: skip


def modal(forecast: dict[str, float]) -> str:
    return max(forecast, key=forecast.get)


def row(label: str, record: dict) -> str:
    a, w = record["all"]["brier"], record["without"]["brier"]
    cases = record["cases"]
    six = [c for c in cases if Path(c["file"]).stem in FIRST_SIX]
    right_in = sum(modal(c["forecast_in_sample"]) == c["observed"] for c in cases)
    right_loo = sum(modal(c["forecast_loo"]) == c["observed"] for c in cases)
    six_loo = sum(modal(c["forecast_loo"]) == c["observed"] for c in six)
    six_brier = sum(c["brier"]["loo"] for c in six) / len(six)
    ci_u, ci_b = a["loo_minus_uniform"]["ci95"], a["loo_minus_base_rates"]["ci95"]
    cells = [
        label,
        f"{a['in_sample']:.3f}",
        f"{a['loo']:.3f}",
        f"{w['in_sample']:.3f} / {w['loo']:.3f}",
        f"{a['loo_minus_uniform']['mean']:+.3f} [{ci_u[0]:+.3f}, {ci_u[1]:+.3f}]",
        f"{a['loo_minus_base_rates']['mean']:+.3f} [{ci_b[0]:+.3f}, {ci_b[1]:+.3f}]",
        f"{right_in} / {right_loo}",
        f"{six_loo}, {six_brier:.3f}",
        ", ".join(k.removeprefix("Case: ") for k in record["all"]["k_flagged"]) or "none",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    control = json.loads((HERE / "loo_control" / "loo.json").read_text())
    rule = json.loads((HERE / "loo" / "loo.json").read_text())
    audited_path = HERE / "loo_audited" / "loo.json"
    audited = json.loads(audited_path.read_text()) if audited_path.exists() else None
    runs = [("control (main, ece0b27)", control), ("rule 14", rule)]
    if audited is not None:  # after the audit re-encoded four files; the cases below compare it
        runs.append(("rule 14, audited", audited))
        rule = audited
    print_runs(runs)
    print_cases(control, rule)


def print_runs(runs: list[tuple[str, dict]]) -> None:
    """One row per (label, loo.json record), then the uniform guess's and base rates' Brier."""
    head = ["run", "Brier in sample", "Brier left out", "29 without Kazakhstan (in / out)",
            "left out - uniform [95%]", "left out - base rates [95%]",
            "modal right (in / out, of 30)", "first six: right, Brier (out)",
            "Pareto k > 0.7"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, record in runs:
        print(row(label, record))
    a = runs[0][1]["all"]["brier"]
    print(f"\n(uniform {a['uniform']:.3f}, base rates {a['base_rates']:.3f})\n")


def print_cases(before: dict, after: dict) -> None:
    """Each case's P(observed) and modal class left out, ``before`` -> ``after``."""
    print("| case | observed | P(observed) left out | modal left out |")
    print("|---|---|---|---|")
    later = {c["case"]: c for c in after["cases"]}
    for c in before["cases"]:
        d = later[c["case"]]
        o, x, y = c["observed"], c["forecast_loo"], d["forecast_loo"]
        print(
            f"| {c['case'].removeprefix('Case: ')} | {o} | {x[o]:.2f} -> {y[o]:.2f} "
            f"| {modal(x)} -> {modal(y)} |"
        )


if __name__ == "__main__":
    main()
