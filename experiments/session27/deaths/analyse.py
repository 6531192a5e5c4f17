"""Session 24's resolution test at point 1025 with the replications of sessions 25 and 27: the
rows of `../../session24/deaths/runs.csv`, `../../session25/deaths/runs_main.csv` and this
folder's `runs_A.csv.gz`/`runs_B.csv.gz` (the same model, scenario, seeds and row builder:
`run.sh`), merged and analysed by session 25's `analyse.py` (session 24's `one_set`,
bootstrap 2,000, seed 20241206), written to this folder's `analysis.json`.

    uv run python experiments/session27/deaths/analyse.py --resolutions 2000 1000 500 \
        --resolutions 2000 1000 > experiments/session27/deaths/analysis_report.md
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
# loaded from its path: this script's own name is `analyse` too
_spec = importlib.util.spec_from_file_location(
    "analyse25", HERE.parents[1] / "session25" / "deaths" / "analyse.py"
)
a25 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(a25)

a25.SOURCES = [*a25.SOURCES, HERE / "runs_A.csv.gz", HERE / "runs_B.csv.gz"]
a25.HERE = HERE  # the default --out: this folder's analysis.json

if __name__ == "__main__":
    a25.main()
