"""Per case and setting, the means (and medians where said) of diagnose.py's runs.

uv run python experiments/diagnosis/ouster/summarize.py FILE.csv [FILE.csv ...]
"""

from __future__ import annotations

import sys

import pandas as pd


def summary(t: pd.DataFrame) -> pd.DataFrame:
    loyal = [c for c in t.columns if c.startswith("min_loyal:")]
    start = [c for c in t.columns if c.startswith("start_loyal:")]
    asleep = [c for c in t.columns if c.startswith("days_not_obey:")]
    t = t.copy()
    t = t.assign(
        # the least loyal faction's minimum over the run, and its drop from the start
        min_loyal=t[loyal].min(axis=1),
        loyal_drop=pd.DataFrame(t[start].to_numpy() - t[loyal].to_numpy()).max(axis=1).to_numpy(),
        faction_days_not_obey=t[asleep].sum(axis=1),
        popular=t.outcome == "popular_transition",
    )
    g = t.groupby(["setting", "case"], sort=False)
    out = g.agg(
        runs=("r", "size"),
        p_popular=("popular", "mean"),
        peak_capital_med=("peak_capital_share", "median"),
        peak_capital_mean=("peak_capital_share", "mean"),
        exposure_max_med=("max_exposure", "median"),
        min_loyal_med=("min_loyal", "median"),
        loyal_drop_med=("loyal_drop", "median"),
        asides=("stand_asides", "mean"),
        defects=("defections", "mean"),
        side_with=("side_with", "mean"),
        not_obey_days=("faction_days_not_obey", "mean"),
        seat_held_days=("seat_seized_days", "mean"),
        occupy=("occupy_seat", "mean"),
        street_odds_max_med=("max_street_odds", "median"),
        p_leave_sum=("sum_p_leave", "mean"),
        leave=("leave_office", "mean"),
    )
    return out.round(3)


if __name__ == "__main__":
    t = pd.concat([pd.read_csv(f) for f in sys.argv[1:]])
    pd.set_option("display.width", 250)
    print(summary(t).to_string())
