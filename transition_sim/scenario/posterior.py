"""A fitted posterior (the ABC-SMC fit's ``posterior.parquet``), read, checked and drawn from.

The file (written by the fit, read here; the format is agreed and fixed): one row per particle
of the final generation, columns ``particle`` (int64), ``weight`` (float64, summing to 1), then
one float64 column per fitted parameter named by its address in the scenario
(`transition_sim.scenario.address`). The Parquet schema metadata key ``transition_sim`` holds
JSON with ``"kind": "posterior"`` and the fit's provenance (spec, hashes, priors, generations).

A scenario names one with ``from_posterior: PATH`` (a folder holding ``posterior.parquet``, or
the file itself; relative to the scenario file that writes it). A replication's draw takes one
particle by weight from the draw's seed (`draw_particle`), so the draws depend on (base seed,
replication, seeds per draw) only, like the priors' (`transition_sim.ensemble.uncertainty`).
"""

from __future__ import annotations

import hashlib
import json
import math
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FILE_NAME",
    "KIND",
    "METADATA_KEY",
    "POSTERIOR_STREAM",
    "Posterior",
    "PosteriorError",
    "draw_particle",
    "posterior_file",
    "read_posterior",
    "unknown_columns",
    "write_posterior",
]

FILE_NAME = "posterior.parquet"
METADATA_KEY = b"transition_sim"
KIND = "posterior"
RESERVED = ("particle", "weight")
MAX_BYTES = 1 << 28  # 256 MiB: a posterior of 10^6 particles x 30 parameters is about 250 MB
# The stream a draw's particle is chosen from: [draw seed, POSTERIOR_STREAM], unrelated to the
# crowd's (seeded with the replication seed alone) and to the priors' (`claims.PRIOR_STREAM`).
POSTERIOR_STREAM = 0x504F5354  # "POST"


class PosteriorError(ValueError):
    """A posterior file that cannot be used (the caller locates it: file, line, field)."""


@dataclass(frozen=True)
class Posterior:
    """The particles of a posterior as plain data (picklable, sent to workers)."""

    file: str
    columns: tuple[str, ...]  # the addresses, in file order
    particles: tuple[int, ...]
    weights: tuple[float, ...]  # normalised to sum to 1
    values: tuple[tuple[float, ...], ...]  # one row per particle, in `columns` order
    sha256: str = ""  # of the file's bytes: what the draws depend on
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __len__(self) -> int:
        return len(self.particles)

    def particle(self, index: int) -> dict[str, float]:
        """The values of the particle at row ``index``, by address."""
        return dict(zip(self.columns, self.values[index], strict=True))


def posterior_file(path: str | Path) -> Path:
    """The posterior file ``path`` names: the file itself, or a folder's ``posterior.parquet``."""
    path = Path(path)
    return path / FILE_NAME if path.is_dir() else path


def read_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior file (or a folder holding one); `PosteriorError` saying what
    is wrong: missing or unreadable, not a posterior (metadata kind), no particle or weight
    column, a non-numeric column, or weights that are negative, not finite or all zero."""
    import pyarrow as pa  # here: loading a scenario without a posterior stays light
    import pyarrow.parquet as pq

    file = posterior_file(path)
    try:
        mode = file.stat()
        if not stat.S_ISREG(mode.st_mode):  # a device or a pipe could be read forever
            raise PosteriorError(f"the posterior {file} is not a regular file")
        if mode.st_size > MAX_BYTES:
            raise PosteriorError(f"the posterior {file} is over {MAX_BYTES >> 20} MiB")
        raw = file.read_bytes()
    except (OSError, ValueError) as err:
        if isinstance(err, PosteriorError):
            raise
        reason = getattr(err, "strerror", None) or err
        raise PosteriorError(f"cannot read the posterior {file}: {reason}") from None
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError, ValueError) as err:
        raise PosteriorError(f"{file} is not a Parquet file ({err})") from None
    metadata = _metadata(table.schema.metadata or {}, file)
    names = table.column_names
    for name in RESERVED:
        if name not in names:
            raise PosteriorError(f"{file} has no {name!r} column (columns: {', '.join(names)})")
    columns = tuple(n for n in names if n not in RESERVED)
    if not columns:
        raise PosteriorError(f"{file} has no parameter column")
    for name in (*RESERVED, *columns):
        if not (pa.types.is_floating(table[name].type) or pa.types.is_integer(table[name].type)):
            raise PosteriorError(f"{file}: column {name!r} is {table[name].type}, not a number")
    weights = [float(w) for w in table["weight"].to_pylist()]
    if not weights:
        raise PosteriorError(f"{file} has no particle")
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise PosteriorError(f"{file}: weights must be finite, non-negative and not all zero")
    rows = list(zip(*(table[c].to_pylist() for c in columns), strict=True))
    if any(v is None or not math.isfinite(float(v)) for row in rows for v in row):
        raise PosteriorError(f"{file}: a parameter value is missing or not finite")
    total = sum(weights)
    return Posterior(
        file=str(file),
        columns=columns,
        particles=tuple(int(p) for p in table["particle"].to_pylist()),
        weights=tuple(w / total for w in weights),
        values=tuple(tuple(float(v) for v in row) for row in rows),
        sha256=hashlib.sha256(raw).hexdigest(),
        metadata=metadata,
    )


def _metadata(schema_metadata: Mapping[bytes, bytes], file: Path) -> dict[str, Any]:
    text = schema_metadata.get(METADATA_KEY)
    if text is None:
        raise PosteriorError(f"{file} is not a posterior (no {METADATA_KEY.decode()!r} metadata)")
    try:
        metadata = json.loads(text)
    except ValueError:
        raise PosteriorError(
            f"{file}: its {METADATA_KEY.decode()!r} metadata is not JSON"
        ) from None
    kind = metadata.get("kind") if isinstance(metadata, dict) else None
    if kind != KIND:
        raise PosteriorError(f"{file} is not a posterior (its metadata kind is {kind!r})")
    return metadata


def unknown_columns(posterior: Posterior, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The columns that are not the address of a single number of ``data`` (a scenario as plain
    data), each with the reason."""
    from transition_sim.scenario.address import PathError, base_value

    bad = []
    for column in posterior.columns:
        try:
            base_value(data, column)
        except PathError as err:
            bad.append((column, str(err)))
    return bad


def draw_particle(posterior: Posterior, draw_seed: int) -> int:
    """The row of the particle a draw takes: by weight, from ``draw_seed`` alone."""
    import numpy as np

    u = np.random.default_rng([draw_seed, POSTERIOR_STREAM]).random()
    cumulative = np.cumsum(posterior.weights)
    return int(
        min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(posterior) - 1)
    )


def write_posterior(
    folder: str | Path,
    values: Mapping[str, Sequence[float]],
    weights: Sequence[float],
    metadata: Mapping[str, Any],
) -> Path:
    """Write a posterior file in the agreed format (for tests and for posteriors made of prior
    draws; the fit writes its own), atomically. ``metadata`` gets ``"kind": "posterior"``."""
    import os
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    total = float(sum(weights))
    columns: dict[str, pa.Array] = {
        "particle": pa.array(range(len(weights)), pa.int64()),
        "weight": pa.array([float(w) / total for w in weights], pa.float64()),
    }
    columns |= {
        name: pa.array([float(v) for v in column], pa.float64()) for name, column in values.items()
    }
    meta = {**metadata, "kind": KIND}
    table = pa.table(columns).replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
    target = folder / FILE_NAME
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".posterior-", suffix=".parquet")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
