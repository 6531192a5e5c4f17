"""The reductions the figures plot: quantile fans over days, stance shares, share differences.

Plain functions over the ensemble tables (see `transition_sim.ensemble.runner.Ensemble`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

# Percentiles of a fan: the 90% band, the 50% band and the median.
FAN = {"p05": 5, "p25": 25, "p50": 50, "p75": 75, "p95": 95}
NATIONAL = "all"  # the timeseries' region holding the sum over regions

__all__ = [
    "FAN",
    "NATIONAL",
    "columns_with_prefix",
    "cumulative",
    "fan",
    "humanize",
    "national",
    "outcome_names",
    "region_intensity",
    "reused_views",
    "share_difference",
    "stance_shares",
]


def humanize(name: str) -> str:
    """``power_successor`` -> ``power successor``: column and outcome names for readers."""
    return name.replace("_", " ")


def outcome_names(summaries: Iterable[dict]) -> list[str]:
    """Outcome names across summaries, in first-seen order (each summary lists every known
    outcome, in the classifier's order, then any unexpected one)."""
    names: dict[str, None] = {}
    for summary in summaries:
        names.update(dict.fromkeys(summary.get("outcomes", {})))
    return list(names)


def columns_with_prefix(frame: pd.DataFrame, prefix: str) -> list[str]:
    """Columns named ``<prefix><something>``, in table order."""
    return [c for c in frame.columns if c.startswith(prefix) and len(c) > len(prefix)]


_reused = threading.local()  # this thread's views made once, inside `reused_views`


@contextmanager
def reused_views() -> Iterator[None]:
    """Inside the block, in this thread, `national` and `region_intensity` make their table of
    a given frame once and give a copy of it each later time (a report reads the national rows
    a dozen times). The frames read must not change inside the block."""
    outer = getattr(_reused, "views", None)
    _reused.views = {} if outer is None else outer
    try:
        yield
    finally:
        _reused.views = outer


def _once(
    kind: str, frame: pd.DataFrame, make: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    views = getattr(_reused, "views", None)
    if views is None:
        return make(frame)
    found = views.get((kind, id(frame)))
    if found is None or found[0] is not frame:  # the frame is held, so its id stays its own
        found = views[(kind, id(frame))] = (frame, make(frame))
    return found[1].copy()


def national(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The national rows (region "all"), ordered by replication and day."""
    return _once("national", timeseries, _national)


def _national(timeseries: pd.DataFrame) -> pd.DataFrame:
    rows = timeseries[timeseries["region"] == NATIONAL]
    return rows.sort_values(["replication", "day"]).reset_index(drop=True)


def cumulative(frame: pd.DataFrame, column: str) -> pd.Series:
    """Running total of ``column`` within each replication (rows ordered by day)."""
    return frame.groupby("replication", sort=False)[column].cumsum()


def _dates(frame: pd.DataFrame) -> pd.Series:
    if "date" not in frame:
        return pd.Series(dtype="object")
    return frame.drop_duplicates("day").set_index("day")["date"].map(pd.Timestamp)


def fan(frame: pd.DataFrame, values: pd.Series | str) -> pd.DataFrame:
    """Percentiles (`FAN`) over replications of ``values`` on each day.

    ``frame`` has ``replication`` and ``day`` columns (and ``date``, carried over); ``values``
    is one of its columns or a series aligned with it. Returns one row per day.
    """
    series = frame[values] if isinstance(values, str) else values
    wide = pd.DataFrame(
        {"replication": frame["replication"], "day": frame["day"], "v": series.to_numpy()}
    ).pivot_table(index="day", columns="replication", values="v", aggfunc="first")
    matrix = wide.to_numpy(dtype="float64")
    out = pd.DataFrame(index=wide.index)
    for name, q in FAN.items():
        with np.errstate(all="ignore"):
            out[name] = np.nanpercentile(matrix, q, axis=1) if matrix.size else np.nan
    out["date"] = _dates(frame).reindex(out.index)
    return out.reset_index()


def stance_shares(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Share of replications in each stance (columns) on each day (rows)."""
    counts = pd.crosstab(frame["day"], frame[column])
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.insert(0, "date", _dates(frame).reindex(shares.index))
    return shares.reset_index()


def region_intensity(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per region and day: percentiles over replications of the share of the region's citizens
    who are active (active / (active + quiet + jailed)), and median cumulative deaths."""
    return _once("region_intensity", timeseries, _region_intensity)


def _region_intensity(timeseries: pd.DataFrame) -> pd.DataFrame:
    rows = timeseries[timeseries["region"] != NATIONAL].sort_values(["replication", "day"])
    citizens = rows["active"] + rows["quiet"] + rows["jailed"]
    share = rows["active"] / citizens.where(citizens > 0)
    rows = rows.assign(
        share=share.to_numpy(),
        deaths_to_date=rows.groupby(["replication", "region"], sort=False)["deaths"].cumsum(),
    )
    grouped = rows.groupby(["region", "day"], sort=False)
    out = grouped["share"].quantile([0.05, 0.5, 0.95]).unstack()
    out.columns = ["p05", "p50", "p95"]
    out["deaths_p50"] = grouped["deaths_to_date"].median()
    out = out.reset_index()
    dates = _dates(rows)
    out["date"] = out["day"].map(dates) if len(dates) else pd.NaT
    return out


def share_difference(
    a: dict[str, float | list[float]], b: dict[str, float | list[float]]
) -> tuple[float, float, float]:
    """B's share minus A's, with Newcombe's (1998) hybrid score 95% interval built from the
    two Wilson intervals in the summaries (entries ``{"share": p, "ci95": [lo, hi]}``)."""
    pa, (la, ua) = float(a["share"]), a["ci95"]  # type: ignore[arg-type,misc]
    pb, (lb, ub) = float(b["share"]), b["ci95"]  # type: ignore[arg-type,misc]
    d = pb - pa
    lo = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    hi = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return d, lo, hi
