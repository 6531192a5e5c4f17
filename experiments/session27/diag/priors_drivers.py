"""kz_aftermath under the priors (the default of `transition-sim run`): which drawn values go
with a popular transition. Rebuilds each replication's draw exactly as `run` does
(`drawn_values` with the replication's seed, one seed per draw) for a results folder made by

    nice -n 5 uv run transition-sim run scenarios/kz_aftermath.yaml -n 400 --seed 2022 -w 1 \
        --out /tmp/diag27_aftermath_priors --force

and ranks the drawn parameters by the rank correlation of their value with a popular ending.

    uv run python experiments/session27/diag/priors_drivers.py /tmp/diag27_aftermath_priors
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from common import OUT, ROOT

from transition_sim.cli.scenarios import prior_uncertainty
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.uncertainty import drawn_values
from transition_sim.scenario.loader import load_scenario


def main() -> None:
    folder = Path(sys.argv[1])
    runs = pd.read_parquet(folder / "runs.parquet")
    file = ROOT / "scenarios" / "kz_aftermath.yaml"
    scenario = load_scenario(file)
    unc = prior_uncertainty(1, None, file, scenario)
    rows = []
    for rep, seed in zip(runs["replication"], runs["seed"], strict=True):
        assert seed == replication_seed(2022, int(rep))
        _, values = drawn_values(scenario, int(seed), unc)
        rows.append(values)
    drawn = pd.DataFrame(rows)
    popular = (runs["outcome"] == "popular_transition").astype(float).to_numpy()
    corr = {
        c: float(drawn[c].rank().corr(pd.Series(popular).rank()))
        for c in drawn.columns
        if drawn[c].nunique() > 1
    }
    top = sorted(corr.items(), key=lambda kv: -abs(kv[1]))[:20]
    out = {"runs": len(runs), "popular": float(popular.mean()), "spearman_top20": dict(top)}
    for c, _ in top[:6]:
        q = pd.qcut(drawn[c], 4, duplicates="drop")
        out[f"popular_by_quartile::{c}"] = {
            str(k): float(v) for k, v in pd.Series(popular).groupby(q, observed=True).mean().items()
        }
    print(json.dumps(out, indent=1))
    (OUT / "aftermath_priors_drivers.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    keep = ["replication", "seed", "outcome", "protest_waves", "reforms_delivered", "deaths"]
    runs[keep].to_csv(OUT / "aftermath_priors_400_runs.csv", index=False)


if __name__ == "__main__":
    main()
