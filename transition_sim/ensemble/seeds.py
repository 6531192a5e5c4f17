"""Replication seeds: the one function that says which random stream a replication runs with,
shared by the runner and the checks that replay its draws (`uncertainty.refused_draw`)."""

from __future__ import annotations

import numpy as np

__all__ = ["replication_seed"]


def replication_seed(base_seed: int, replication: int) -> int:
    """The seed of replication ``replication`` of an ensemble seeded with ``base_seed``.

    ``SeedSequence`` hashes the pair, so neighbouring replications (and neighbouring base seeds)
    get unrelated streams. The result is 63 bits rather than 32 so that seeds of large ensembles
    practically never collide (32 bits would give a birthday collision about once per 10^5
    replications), while still fitting a signed int64 column in parquet and an exact JSON number.
    """
    if base_seed < 0 or replication < 0:
        raise ValueError("base_seed and replication must be non-negative")
    state = np.random.SeedSequence([base_seed, replication]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))
