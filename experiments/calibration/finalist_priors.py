"""The priors of the calibrated numbers (seeds/claims.yaml, A-calibration): the span of the
calibration's finalists (FOLDER/finalists.csv), triangular with its mode at the chosen point
(FOLDER/chosen.json), log-uniform where the span is a factor of 3 or more. Prints the `priors:`
lines; re-run after every calibration and paste them into the registry (tests/test_claims.py
checks that the baseline's values lie inside their priors).

    uv run python experiments/calibration/finalist_priors.py [FOLDER]

FOLDER is a calibration's results folder (`calibrate_kazakhstan.py --results FOLDER`); the
default is the shipped baseline's, experiments/calibration/results. Every number of the
folder's chosen point gets a line, the numbers a calibration added to its space (`--add`, e.g.
crowd.guarding and violence.site_guard in results/blocks25_tail) included.
"""

from __future__ import annotations

import argparse
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


def finalist_priors(folder: Path = RESULTS) -> dict[str, tuple[str, float, float]]:
    """Each number of `folder`'s chosen point (by its registry name) -> (distribution, low,
    high): the span of the finalists and the chosen value, rounded to 4 significant digits as
    the registry writes them."""
    chosen = json.loads((folder / "chosen.json").read_text())
    finalists = pd.read_csv(folder / "finalists.csv")
    out = {}
    for path, value in chosen.items():
        low = float(f"{min(float(finalists[path].min()), value):.4g}")
        high = float(f"{max(float(finalists[path].max()), value):.4g}")
        kind = "log-uniform" if low > 0 and high / low >= 3 else "triangular"
        out[named(path)] = (kind, low, high)
    return out


def prior_lines(folder: Path = RESULTS) -> list[str]:
    return [
        f"      {path}: [{kind}, {low:.4g}, {high:.4g}]"
        for path, (kind, low, high) in finalist_priors(folder).items()
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", default=RESULTS, help="a results folder")
    print("\n".join(prior_lines(ap.parse_args().folder)))
