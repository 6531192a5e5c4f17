"""The priors of the calibrated numbers (seeds/claims.yaml, A-calibration): the span of the
calibration's finalists (results/finalists.csv), triangular with its mode at the chosen point,
log-uniform where the span is a factor of 3 or more. Prints the `priors:` lines; re-run after
every calibration and paste them into the registry (tests/test_claims.py checks that the
baseline's values lie inside their priors).

    uv run python experiments/calibration/finalist_priors.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
# The calibration addresses Almaty by its index in the baseline's regions; the registry by name.
NAMED = {"regions.3.": "regions.Almaty."}


def named(path: str) -> str:
    for index, name in NAMED.items():
        path = path.replace(index, name)
    return path


def prior_lines() -> list[str]:
    chosen = json.loads((RESULTS / "chosen.json").read_text())
    finalists = pd.read_csv(RESULTS / "finalists.csv")
    lines = []
    for path, value in chosen.items():
        low = min(float(finalists[path].min()), value)
        high = max(float(finalists[path].max()), value)
        kind = "log-uniform" if low > 0 and high / low >= 3 else "triangular"
        lines.append(f"      {named(path)}: [{kind}, {low:.4g}, {high:.4g}]")
    return lines


if __name__ == "__main__":
    print("\n".join(prior_lines()))
