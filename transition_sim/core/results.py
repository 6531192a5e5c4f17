"""What one replication produces: `RunResult`, plain values and Arrow tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import pandas as pd
import pyarrow as pa

__all__ = ["RunResult", "as_arrow"]

# A table, or a function that builds it (called once, on first use).
type TableSource = pa.Table | pd.DataFrame | Callable[[], pa.Table]


def as_arrow(table: pa.Table | pd.DataFrame) -> pa.Table:
    """An Arrow table for ``table``, without pandas' schema metadata (the index, dtypes), so
    that tables from pandas and from the model stack and store alike."""
    if not isinstance(table, pa.Table):  # a DataFrame (not pandas' type: it may be unloaded)
        table = pa.Table.from_pandas(table, preserve_index=False)
    return table.replace_schema_metadata(None)


class RunResult:
    """Everything one replication produces, as plain values and tables.

    - ``outcome``: one of `transition_sim.core.outcomes.OUTCOMES`.
    - ``metrics``: final metrics by name (floats; NaN where a metric does not apply,
      e.g. ``invitation_day`` when the patron was never invited).
    - ``timeseries``: one row per (day, region) plus region ``"all"``; see `core.model`.
    - ``events``: the event log, columns ``day, date, actor, action, details``.

    The tables are held as Arrow tables (``timeseries_table``, ``events_table``): columnar,
    cheap to send from a worker process and to append to parquet. ``timeseries`` and
    ``events`` are pandas DataFrames built on first use, for library users; ensembles and
    result folders never build them. Either kind of table is accepted when constructing, or a
    function that builds the Arrow table: it is called on first use, so that an ensemble that
    keeps only summaries never builds a replication's tables.
    """

    def __init__(
        self,
        outcome: str,
        metrics: Mapping[str, float],
        timeseries: TableSource,
        events: TableSource,
    ) -> None:
        self.outcome = outcome
        self.metrics = dict(metrics)
        self._sources = {"timeseries_table": timeseries, "events_table": events}

    @cached_property
    def timeseries_table(self) -> pa.Table:
        return self._table("timeseries_table")

    @cached_property
    def events_table(self) -> pa.Table:
        return self._table("events_table")

    def _table(self, name: str) -> pa.Table:
        source = self._sources.pop(name)
        return as_arrow(source() if callable(source) else source)

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return self.timeseries_table.to_pandas()

    @cached_property
    def events(self) -> pd.DataFrame:
        return self.events_table.to_pandas()

    def __getstate__(self) -> dict[str, Any]:
        # Only the columns travel between processes, never the DataFrames built from them.
        return {
            k: getattr(self, k) for k in ("outcome", "metrics", "timeseries_table", "events_table")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (
            f"RunResult(outcome={self.outcome!r}, {len(self.metrics)} metrics, "
            f"{self.timeseries_table.num_rows} timeseries rows, "
            f"{self.events_table.num_rows} events)"
        )
