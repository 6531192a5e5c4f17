"""The per-day tables a caller keeps for a region (`kernel.day_tables`, refilled by the kernel
when their inputs change) give the same days as tables made afresh in every call."""

from __future__ import annotations

import numpy as np

from transition_sim.core import kernel
from transition_sim.core.crowd import CrowdRules, RegionCrowd


def region(seed: int) -> RegionCrowd:
    rng = np.random.default_rng(seed)
    n, m = 160, 10  # fewer units than cells in vision: the ratios tabled grow as units join
    c = RegionCrowd(
        rng, 16, n, np.zeros(m, dtype=np.int64), (np.arange(n) % 3).astype(np.int8),
        rng.uniform(0.0, 1.0, n), rng.random(n), 3, "von_neumann",
    )  # fmt: skip
    c.site_cells = np.array([0, 100])
    return c


def rules(arrest_constant: float) -> CrowdRules:
    return CrowdRules(
        legitimacy=0.8, threshold=0.1, arrest_constant=arrest_constant, max_jail_term=5,
        movement=True, batches=0, social_signal=0.0, contagion_signal=0.0, memory_effect=0.0,
        memory_gain=0.2, memory_decay=0.05, crime_drive=0.05, arrests_per_unit=1,
    )  # fmt: skip


def args(c: RegionCrowd, r: CrowdRules) -> tuple:
    return (
        c.neighbors, c.offsets, c.occupant, c.pos, c.kind, c.hardship, c.risk_aversion, c.state,
        c.jail, c.experience, c.unit_deters, c._counted, c.cops_seen, c.actives_seen,
        c.site_cells, c.side, r.floats(c.hardship_extra), r.ints(), c.stream,
    )  # fmt: skip


def test_kept_tables_follow_the_arrest_constant_and_the_units() -> None:
    kept, fresh = region(4), region(4)
    tables = kernel.day_tables(kept.neighbors.shape[1])
    rows = kernel.vision_rows(np.ascontiguousarray(kept.offsets, dtype=np.int64), kept.side)
    arrests = 0
    for day in range(12):
        r = rules(2.3 if day < 4 else 0.2)  # the constant changes on day 4
        if day == 7:  # units join: more ratios to table
            for c in (kept, fresh):
                c.add_units(40, faction=-1)
        a = kernel.crowd_day_rows(rows, tables, *args(kept, r))
        b = kernel.crowd_day(*args(fresh, r))
        np.testing.assert_array_equal(a, b)
        for name in ("pos", "state", "jail", "experience", "stream", "cops_seen"):
            np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name), name)
        arrests += int(a[kernel.STAT_ARRESTS : kernel.STAT_ARRESTS + 3].sum())
    assert arrests > 0  # P(arrest) was read
    assert tables[1] == 0.2 and tables[2] == min(kept.neighbors.shape[1], kept.m) + 1
