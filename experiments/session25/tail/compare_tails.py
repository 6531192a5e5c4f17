"""Almaty's peak crowd, blocks at point 1025 against the shipped agents, pooled over both seeds
(1,000 runs a crowd; `peaks_*.csv` from run_peaks.sh): quantiles, the share of runs above
50,000 (the sourced top), and bootstrap 95% intervals (4,000 resamples of each crowd's runs,
generator seed 0) of the ratio of the 90th percentiles and of the difference of the shares.

    uv run python experiments/session25/tail/compare_tails.py \
        > experiments/session25/tail/compare_tails.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TOP = 50_000
SEEDS = (20220105, 12)
QUANTILES = (0.5, 0.75, 0.9, 0.95, 0.99)


def peaks(crowd: str) -> np.ndarray:
    files = [HERE / f"peaks_{crowd}_{s}.csv" for s in SEEDS]
    return np.concatenate([pd.read_csv(f).almaty_peak.to_numpy(dtype=float) for f in files])


def interval(values: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in np.quantile(values, [0.025, 0.975])]


def main() -> None:
    rng = np.random.default_rng(0)
    crowds = {"blocks_1025": peaks("p1025"), "agents": peaks("agents")}
    out: dict = {"runs": {k: len(v) for k, v in crowds.items()}}
    for name, x in crowds.items():
        out[name] = {
            "quantiles": {str(q): float(np.quantile(x, q)) for q in QUANTILES},
            "share_above_top": round(float((x > TOP).mean()), 4),
        }
    draws = 4000
    boot = {name: rng.choice(x, (draws, len(x))) for name, x in crowds.items()}  # 4000 x 1000 each
    p90 = {name: np.quantile(b, 0.9, axis=1) for name, b in boot.items()}
    share = {name: (b > TOP).mean(axis=1) for name, b in boot.items()}
    b, a = crowds["blocks_1025"], crowds["agents"]
    out["p90_ratio_blocks_over_agents"] = {
        "estimate": round(float(np.quantile(b, 0.9) / np.quantile(a, 0.9)), 4),
        "interval": interval(p90["blocks_1025"] / p90["agents"]),
    }
    out["share_above_top_difference_blocks_minus_agents"] = {
        "estimate": round(float((b > TOP).mean() - (a > TOP).mean()), 4),
        "interval": interval(share["blocks_1025"] - share["agents"]),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
