"""Leave-one-out scores before and after session 21, as Markdown (README "Leave-one-out scores").

    uv run python experiments/session21/loo_compare.py > experiments/session21/loo_tables.md

Rows: session 19's audited record (`../diagnosis/legitimacy/loo_audited/loo.json`: the fit
shipped before change C, main's model then); change C under that same posterior
(`../diagnosis/insider/loo_fixC/loo.json`); and change C under the fit re-run on it
(`loo/loo.json`, `transition-sim backtest scenarios/cases --loo --posterior
experiments/fit/results/library -n 10 -w 2 --out experiments/session21/loo`). Then each case's
P(observed) left out, session 19 -> the re-fit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "diagnosis" / "legitimacy"))
from loo_compare import print_cases, print_runs  # noqa: E402  (the same columns as session 19's table)

DIAGNOSIS = HERE.parent / "diagnosis"
RUNS = (
    ("session 19, audited (the old fit, no change C)", DIAGNOSIS / "legitimacy" / "loo_audited"),
    ("change C, the old fit", DIAGNOSIS / "insider" / "loo_fixC"),
    ("change C, re-fitted (session 21)", HERE / "loo"),
)  # fmt: skip


def main() -> None:
    records = [(label, json.loads((d / "loo.json").read_text())) for label, d in RUNS]
    print_runs(records)
    print_cases(records[0][1], records[-1][1])


if __name__ == "__main__":
    main()
