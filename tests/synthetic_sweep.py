"""SYNTHETIC FIXTURES: output folders in the agreed layout of the experiment engine's sweeps and
sensitivity studies, with made-up numbers. The engine does not exist yet; these folders let the
views be tested against the layout (not against any model result).

Layout: ``spec.yaml``; ``runs/`` (parquet dataset partitioned by point); ``points.parquet`` (per
point: parameters by dotted path, n, n_failed, share_<outcome> with _lo/_hi, <metric>_median/
_p05/_p95); ``sensitivity.json`` for Morris or Sobol; ``manifest.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

X = "factions.KNB.loyalty.successor"
Y = "patron.cost"
XS = (0.0, 0.5, 1.0)
YS = (0.0, 0.45, 0.9)
OUTCOMES = ("holds", "falls")
N = 20  # replications per point


def share_holds(x: float, y: float) -> float:
    """The made-up share of "holds" at a point (distinct at every point, so a transposed or
    misplaced heat map cell shows)."""
    return round(0.1 + 0.5 * x + 0.3 * y + 0.01 * XS.index(x), 4)


def write_sweep(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows, runs = [], []
    for point, (x, y) in enumerate((x, y) for x in XS for y in YS):
        holds = share_holds(x, y)
        row = {"point": point, X: x, Y: y, "n": N, "n_failed": 0}
        for outcome, share in zip(OUTCOMES, (holds, 1 - holds), strict=True):
            row[f"share_{outcome}"] = share
            row[f"share_{outcome}_lo"] = max(0.0, share - 0.1)
            row[f"share_{outcome}_hi"] = min(1.0, share + 0.1)
        row |= {"deaths_median": 100 * (1 - holds), "deaths_p05": 1.0, "deaths_p95": 900.0}
        rows.append(row)
        for r in range(N):
            runs.append(
                {
                    "point": point,
                    "replication": r,
                    "seed": 1000 * point + r,
                    X: x,
                    Y: y,
                    "outcome": OUTCOMES[r >= holds * N],
                    "error": None,
                    "deaths": float(r),
                }
            )
    pd.DataFrame(rows).to_parquet(folder / "points.parquet", index=False)
    pq.write_to_dataset(
        pa.Table.from_pandas(pd.DataFrame(runs)), folder / "runs", partition_cols=["point"]
    )
    spec = {
        "scenario": "kazakhstan_2022.yaml",
        "method": "grid",
        "parameters": {X: list(XS), Y: list(YS)},
        "replications": N,
    }
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    return folder


NAMES = [X, Y, "crowd.contagion"]
MORRIS = {
    "mu_star": [0.30, 0.12, 0.05],
    "mu_star_conf": [0.04, 0.03, 0.02],
    "sigma": [0.10, 0.20, 0.01],
}
SOBOL = {
    "S1": [0.50, 0.20, 0.02],
    "S1_conf": [0.05, 0.04, 0.02],
    "ST": [0.60, 0.35, 0.03],
    "ST_conf": [0.06, 0.05, 0.02],
}


def write_sensitivity(folder: Path, method: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    indices = MORRIS if method == "morris" else SOBOL
    outputs = {
        "share_holds": {"names": NAMES, **indices},
        "deaths_median": {
            "names": NAMES,
            **{k: list(np.round(np.array(v) / 2, 3)) for k, v in indices.items()},
        },
    }
    (folder / "sensitivity.json").write_text(
        json.dumps({"method": method, "outputs": outputs}), encoding="utf-8"
    )
    spec = {"scenario": "kazakhstan_2022.yaml", "method": method, "parameters": NAMES}
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    return folder
