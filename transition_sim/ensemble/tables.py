"""Arrow tables as runs produce them: stacking tables whose columns differ, tagging rows.

Runs may disagree on which columns exist (a metric that applies to some runs only); stacking
takes the union of columns in first-seen order, and a run lacking a column has nulls there
(NaN once in pandas). Types are unified permissively (an all-empty column takes its type from
the others; ints widen to floats where runs disagree).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa

__all__ = [
    "conform",
    "numbers",
    "replication_column",
    "runs_table",
    "stack",
    "strings",
    "unified_schema",
]


def unified_schema(schemas: Iterable[pa.Schema]) -> pa.Schema:
    return pa.unify_schemas(list(schemas), promote_options="permissive")


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly the columns of ``schema``, in its order and types (nulls where
    ``table`` lacks a column)."""
    if table.schema.equals(schema):
        return table
    columns = [
        table[field.name].cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def stack(tables: Sequence[pa.Table]) -> pa.Table:
    """The rows of ``tables`` one after the other, with the union of their columns."""
    if not tables:
        return pa.table({})
    schema = unified_schema(t.schema for t in tables)
    return pa.concat_tables([conform(t, schema) for t in tables])


def replication_column(table: pa.Table, replication: int) -> pa.Table:
    """``table`` with a leading ``replication`` column (int64) holding ``replication``."""
    column = pa.array(np.full(table.num_rows, replication, dtype=np.int64))
    return table.add_column(0, "replication", column)


def runs_table(
    replications: Sequence[int],
    seeds: Sequence[int],
    outcomes: Sequence[str],
    metrics: Sequence[dict[str, float]],
) -> pa.Table:
    """One row per run: ``replication, seed, outcome``, then one float column per metric in
    first-seen order (NaN where a run lacks a metric)."""
    names: dict[str, None] = {}
    for m in metrics:
        names.update(dict.fromkeys(m))
    columns: dict[str, pa.Array] = {
        "replication": numbers(np.array(replications, dtype=np.int64)),
        "seed": numbers(np.array(seeds, dtype=np.int64)),
        "outcome": strings(outcomes),
    }
    for name in names:
        columns[name] = numbers(np.array([m.get(name, np.nan) for m in metrics], np.float64))
    return pa.table(columns)


# `pa.array` imports pandas (when installed) to ask whether its argument is a pandas object, a
# sixth of a short `run`'s CPU; these two build the same arrays from buffers, which it does not.


def numbers(values: np.ndarray) -> pa.Array:
    """A one-dimensional numpy array of numbers as an Arrow array without nulls (NaN stays NaN,
    as `pa.array` leaves it), sharing its memory."""
    values = np.ascontiguousarray(values)
    if values.ndim != 1 or values.dtype.kind not in "iuf":  # e.g. bools: Arrow packs bits
        raise TypeError(f"numbers: need a 1-d array of numbers, got {values.dtype} {values.shape}")
    dtype = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(dtype, len(values), [None, pa.py_buffer(values)])


def strings(values: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow ``string`` array without nulls."""
    encoded = [value.encode() for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])
