"""The tables of experiments/session25/library/README.md from the records run.py wrote:

    cd experiments/session25/library && uv run python table.py [-n 50] > tables.md

Columns: main's agents baseline and the blocks at point 1025, at point values and under the
priors (the registry's; for blocks also the blocks finalists' span, if that record exists).
Intervals are paired bootstrap 95% intervals over the 30 cases
(`transition_sim.backtest.bootstrap_interval`, cases resampled): of the mean Brier itself, of the
model minus the uniform guess and minus the base rates, and of blocks minus agents (same cases,
same seeds, same replications; under the priors the shared parameters' draws are the same too,
since a draw's stream is keyed by the replication's seed and the parameter's path).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from transition_sim.backtest import bootstrap_interval

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip
COLUMNS = {
    "agents_point": "agents, point",
    "blocks_point": "blocks 1025, point",
    "agents_prior": "agents, priors",
    "blocks_prior": "blocks 1025, registry priors",
    "blocks_prior_finalists": "blocks 1025, blocks-finalist priors",
}
DIAGNOSTIC = {  # priors with crowd.guarding pinned at 0 (run.py --pin), beside the unpinned
    "agents_prior": "agents, priors",
    "agents_prior_pin_guarding0": "agents, priors, guarding 0",
    "blocks_prior": "blocks 1025, registry priors",
    "blocks_prior_pin_guarding0": "blocks 1025, registry priors, guarding 0",
    "blocks_prior_finalists": "blocks 1025, blocks-finalist priors",
    "blocks_prior_finalists_pin_guarding0": "blocks 1025, blocks-finalist priors, guarding 0",
}
COLUMNS |= DIAGNOSTIC


def cases(record: dict) -> dict[str, dict]:
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}


def mean_ci(values: list[float]) -> str:
    lo, hi = bootstrap_interval(values)
    return f"{np.mean(values):.3f} [{lo:.3f}, {hi:.3f}]"


def diff_ci(d: list[float]) -> str:
    lo, hi = bootstrap_interval(d)
    return f"{np.mean(d):+.3f} [{lo:+.3f}, {hi:+.3f}]"


def almaty(c: dict) -> str:
    p = c["peak_crowd"]
    return f"{p['model_median']:,.0f} ({p['verdict']})"


def summary(records: dict[str, dict]) -> list[str]:
    keys = list(records)
    per = {k: cases(records[k]) for k in keys}
    names = sorted(per[keys[0]])
    for k in keys:
        assert sorted(per[k]) == names, f"{k} scores another library"
    out = ["| | " + " | ".join(COLUMNS[k] for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]

    def row(label: str, f) -> None:
        out.append(f"| {label} | " + " | ".join(f(per[k], records[k]) for k in keys) + " |")

    row("replications per case", lambda c, r: str(r["meta"]["replications_per_case"]))
    row("mean Brier [95% over cases] (uniform 0.833, base rates 0.761)",
        lambda c, r: mean_ci([c[n]["brier"] for n in names]))  # fmt: skip
    row("minus the uniform guess, mean [95%]",
        lambda c, r: diff_ci([c[n]["brier"] - c[n]["brier_uniform"] for n in names]))  # fmt: skip
    row("minus the base rates, mean [95%]",
        lambda c, r: diff_ci([c[n]["brier"] - c[n]["brier_base_rate"] for n in names]))  # fmt: skip
    row("modal class right (of 30)", lambda c, r: str(sum(c[n]["hit"] for n in names)))
    row("the first six: right, mean Brier", lambda c, r: (
        f"{sum(c[n]['hit'] for n in FIRST_SIX)} of 6,"
        f" {np.mean([c[n]['brier'] for n in FIRST_SIX]):.3f}"))  # fmt: skip
    others = [n for n in names if n != "Kazakhstan 2022"]
    row("without Kazakhstan (29 cases), mean Brier",
        lambda c, r: f"{np.mean([c[n]['brier'] for n in others]):.3f}")  # fmt: skip
    row("sourced peak crowds in range / below / above (of 8)", lambda c, r: " / ".join(
        str(r["peak_crowd"][v]) for v in ("in range", "below", "above")))  # fmt: skip
    row("Almaty's median peak (sourced 5,000-50,000)", lambda c, r: almaty(c["Kazakhstan 2022"]))

    def popular(c: dict, observed: str) -> str:
        shares = [c[n]["shares"]["popular_transition"] for n in names
                  if c[n]["observed"] == observed]  # fmt: skip
        return f"{np.mean(shares):.2f} ({len(shares)})"

    row("mean P(popular transition): observed popular transitions / holds", lambda c, r: (
        f"{popular(c, 'popular_transition')} / {popular(c, 'incumbent_holds')}"))  # fmt: skip
    row("unresolved share, mean over cases",
        lambda c, r: f"{np.mean([c[n]['shares']['unresolved'] for n in names]):.3f}")  # fmt: skip
    row("A-calibration priors drawn (of 13; the others stay at the point)", lambda c, r: (
        str(sum(v["drawn"] for v in r["meta"]["calibration_priors"].values()))
        if r["meta"]["mode"] == "prior" else "-"))  # fmt: skip
    row("CPU seconds of the backtest (nice 10, 1 worker, under load)",
        lambda c, r: f"{r['meta']['cpu_seconds']:.0f}")  # fmt: skip
    return out


def pairs(records: dict[str, dict]) -> list[str]:
    per = {k: cases(r) for k, r in records.items()}
    names = sorted(next(iter(per.values())))
    wanted = [("blocks_point", "agents_point"), ("blocks_prior", "agents_prior"),
              ("blocks_prior_finalists", "agents_prior"), ("agents_prior", "agents_point"),
              ("blocks_prior", "blocks_point"), ("blocks_prior_finalists", "blocks_point"),
              ("blocks_prior_finalists", "blocks_prior"),
              ("blocks_prior_finalists_pin_guarding0", "agents_prior_pin_guarding0"),
              ("blocks_prior_pin_guarding0", "blocks_prior"),
              ("blocks_prior_finalists_pin_guarding0", "blocks_prior_finalists"),
              ("agents_prior_pin_guarding0", "agents_prior")]  # fmt: skip
    out = ["| paired over the 30 cases | mean Brier difference [95%] | first six, difference |"
           " cases where the modal class differs |", "|---|---|---|---|"]  # fmt: skip
    for a, b in wanted:
        if a in per and b in per:
            d = [per[a][n]["brier"] - per[b][n]["brier"] for n in names]
            d6 = np.mean([per[a][n]["brier"] - per[b][n]["brier"] for n in FIRST_SIX])
            moved = sum(per[a][n]["modal"] != per[b][n]["modal"] for n in names)
            out.append(f"| {COLUMNS[a]} minus {COLUMNS[b]} | {diff_ci(d)} | {d6:+.3f} | {moved} |")
    return out


def per_case(records: dict[str, dict]) -> list[str]:
    keys = list(records)
    per = {k: cases(records[k]) for k in keys}
    names = sorted(per[keys[0]])
    out = ["P(observed), the modal class (a miss marked *) and the Brier, per case.", "",
           "| case | observed | " + " | ".join(COLUMNS[k] for k in keys) + " |",
           "|---" * (len(keys) + 2) + "|"]  # fmt: skip
    for n in names:
        cells = []
        for k in keys:
            c = per[k][n]
            miss = "" if c["hit"] else "*"
            modal = c["modal"].replace("_", " ")
            cells.append(f"{c['p_observed']:.2f}, {modal}{miss}, {c['brier']:.2f}")
        first = " (first six)" if n in FIRST_SIX else ""
        out.append(f"| {n}{first} | {per[keys[0]][n]['observed'].replace('_', ' ')} | "
                   + " | ".join(cells) + " |")  # fmt: skip
    return out


def priors_drawn(records: dict[str, dict]) -> list[str]:
    out = ["| A-calibration prior | " + " | ".join(
        COLUMNS[k] for k, r in records.items() if r["meta"]["mode"] == "prior") + " |"]  # fmt: skip
    keys = [k for k, r in records.items() if r["meta"]["mode"] == "prior"]
    out.append("|---" * (len(keys) + 1) + "|")
    if not keys:
        return []
    for path in records[keys[0]]["meta"]["calibration_priors"]:
        cells = []
        for k in keys:
            v = records[k]["meta"]["calibration_priors"][path]
            kind, lo, hi = v["prior"]
            cells.append(f"{v['value']:.4g} in {kind} [{lo:.4g}, {hi:.4g}]: "
                         + ("drawn" if v["drawn"] else "**outside, kept**"))  # fmt: skip
        out.append(f"| {path} | " + " | ".join(cells) + " |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50)
    args = ap.parse_args()
    records = {}
    for key in COLUMNS:
        path = HERE / f"{key}_n{args.n}.json"
        if path.exists():
            records[key] = json.loads(path.read_text())
    main_ = {k: r for k, r in records.items() if k in list(COLUMNS)[:5]}
    diagnostic = {k: records[k] for k in DIAGNOSTIC if k in records}
    print(f"## {args.n} replications per case\n\n### The library, like for like\n")
    print("\n".join(summary(main_)), end="\n\n")
    print("### Paired differences\n")
    print("\n".join(pairs(records)), end="\n\n")
    if any("pin" in k for k in diagnostic):
        print("### Diagnostic: the priors with crowd.guarding pinned at 0\n")
        print("\n".join(summary(diagnostic)), end="\n\n")
    print("### Per case\n")
    print("\n".join(per_case(main_)), end="\n\n")
    if any("pin" in k for k in diagnostic):
        print("\n".join(per_case(diagnostic)), end="\n\n")
    print("### The calibration priors: drawn, or kept at the point\n")
    print("\n".join(priors_drawn(records)), end="\n\n")


if __name__ == "__main__":
    main()
