"""The library at point values beside the library under the priors (README "The library with
the parameters' uncertainty"), from two `backtest --json` records:

    uv run python experiments/session22/compare_modes.py POINT.json PRIOR.json > TABLE.md

Per case: P(observed) and the modal class in each mode. Then, for each mode, the mean Brier,
the classes right, the first six, and the paired bootstrap 95% intervals over cases
(`transition_sim.backtest.bootstrap_interval`) of the model minus the uniform guess, minus the
base rates, and of the priors minus the point values.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from transition_sim.backtest import bootstrap_interval

FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip


def cases(path: str) -> dict[str, dict]:
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}


def interval(d: list[float]) -> str:
    lo, hi = bootstrap_interval(d)
    return f"{sum(d) / len(d):+.3f} [{lo:+.3f}, {hi:+.3f}]"


def cell(c: dict) -> str:
    modal = c["modal"].replace("_", " ") + ("" if c["hit"] else " (miss)")
    return f"{c['p_observed']:.2f} | {modal}"


def main(point_file: str, prior_file: str) -> None:
    point, prior = cases(point_file), cases(prior_file)
    assert point.keys() == prior.keys(), "the two records score different libraries"
    names = sorted(point)
    print("| case | observed | P(observed), point | modal, point | P(observed), priors |"
          " modal, priors |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for n in names:
        observed = point[n]["observed"].replace("_", " ")
        print(f"| {n} | {observed} | {cell(point[n])} | {cell(prior[n])} |")
    print()
    print("| | point values | priors |")
    print("|---|---|---|")
    rows = {
        "replications per case": lambda r: str(r[names[0]]["replications"]),
        "mean Brier (uniform 0.833, base rates 0.761)": lambda r: (
            f"{sum(r[n]['brier'] for n in names) / len(names):.3f}"
        ),
        "classes right (of 30)": lambda r: str(sum(r[n]["hit"] for n in names)),
        "model minus uniform, mean [95%]": lambda r: interval(
            [r[n]["brier"] - r[n]["brier_uniform"] for n in names]
        ),
        "model minus base rates, mean [95%]": lambda r: interval(
            [r[n]["brier"] - r[n]["brier_base_rate"] for n in names]
        ),
        "the first six: right, mean Brier": lambda r: (
            f"{sum(r[n]['hit'] for n in FIRST_SIX)} of 6,"
            f" {sum(r[n]['brier'] for n in FIRST_SIX) / 6:.3f}"
        ),
    }
    for label, value in rows.items():
        print(f"| {label} | {value(point)} | {value(prior)} |")
    gain = interval([prior[n]["brier"] - point[n]["brier"] for n in names])
    print(f"\npriors minus point values, mean Brier [95%]: {gain}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
