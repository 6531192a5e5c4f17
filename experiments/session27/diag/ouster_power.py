"""How many seeds would decide tests/test_ouster.py's "more than twice": from ouster.py's 200
seeds per crowd, the chance that the test passes on one seed, and the bootstrap distribution of
the ratio of mean street loyalty (on / high) over k seeds.

    uv run python experiments/session27/diag/ouster_power.py ouster_as_shipped_200.csv
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
from common import OUT


def main() -> None:
    df = pd.read_csv(OUT / sys.argv[1])
    rng = np.random.default_rng(27)
    out = {}
    for crowd, g in df.groupby("crowd"):
        on, high = g["on"].to_numpy(), g["high"].to_numpy()
        res = {
            "one_seed_pass": float(g["passes"].mean()),
            "ratio_of_means_all": float(on.mean() / high.mean()),
        }
        # paired bootstrap over seeds of the 200 (on and high share a seed)
        idx = rng.integers(0, len(g), size=(4000, len(g)))
        boot = on[idx].mean(axis=1) / high[idx].mean(axis=1)
        res["ratio_of_means_95"] = np.quantile(boot, [0.025, 0.975]).tolist()
        for k in (5, 10, 20, 40):
            idx = rng.integers(0, len(g), size=(4000, k))
            r = on[idx].mean(axis=1) / high[idx].mean(axis=1)
            res[f"P(ratio_of_means>2 | {k} seeds)"] = float((r > 2).mean())
        out[crowd] = res
    print(json.dumps(out, indent=1))
    (OUT / sys.argv[1].replace(".csv", "_power.json")).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
