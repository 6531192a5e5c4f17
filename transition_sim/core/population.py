"""Every region's crowd in one set of flat arrays, stepped by one compiled call a day.

Each `RegionCrowd` keeps its arrays as attributes, as before; once packed here they are views
into the population's flat arrays (citizens, agents, units, cells, sites of every region one
after the other), so that a day of all regions is one call of `population_day` that hands
each region's slices to `kernel.crowd_day`: the same kernel, the same per-region streams and
order, so the same results, without a Python round trip (and ~20 array conversions) per region.

When a crowd replaces its arrays (`recount`, units joining or leaving) it leaves the views:
the population notices before its next day and packs again from the crowds' current arrays.
(Arrays written in place need nothing; replacing any other array by hand is not noticed.)
"""

from __future__ import annotations

from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from transition_sim.core import kernel
from transition_sim.core.blocks import BlockCrowd, BlockPopulation
from transition_sim.core.crowd import CrowdRules, RegionCrowd, neighborhood_offsets
from transition_sim.core.kernel import numba  # numba, with the cache folder kernel chose

if TYPE_CHECKING:
    from transition_sim.scenario.schema import Region, Scenario

__all__ = ["Population", "block_crowd", "make_population", "population_day", "warm_up"]

# A crowd's arrays by what indexes them; packed region after region.
CITIZEN = ("kind", "hardship", "risk_aversion", "state", "jail", "experience")
AGENT = ("pos",)
UNIT = ("unit_deters", "_counted", "unit_faction")
CELL = ("occupant", "cops_seen", "actives_seen")
SITE = ("site_cells",)
# What tells that `RegionCrowd` replaced its arrays: `add_units`/`remove_units` replace the
# agents' positions (and the units' arrays), `recount` both tallies. (Arrays written in place
# stay packed.)
REPLACED = ("pos", "cops_seen")


@lru_cache(maxsize=4)
def _tables(key: tuple[tuple[int, str, int], ...]) -> tuple[np.ndarray, ...]:
    """The regions' neighbour tables, vision offsets and vision rows (`kernel.vision_rows`), flat
    and concatenated, with where each region's starts, and their sides (shared, read-only:
    every replication of a scenario has the same).
    Several regions' tables are copied (memory: the tables once more, for the last few
    scenarios run); one region's is used as it is."""
    from transition_sim.core.crowd import neighbor_table, neighborhood_offsets

    tables = [neighbor_table(v, shape, side).ravel() for v, shape, side in key]
    offsets = [neighborhood_offsets(v, shape, side) for v, shape, side in key]
    rows = [
        kernel.vision_rows(np.ascontiguousarray(o, dtype=np.int64), side)
        for o, (_, _, side) in zip(offsets, key, strict=True)
    ]
    out = (
        np.concatenate(tables) if len(tables) > 1 else tables[0],
        _starts([len(t) for t in tables]),
        np.ascontiguousarray(np.concatenate(offsets), dtype=np.int64),
        _starts([len(o) for o in offsets]),
        np.concatenate(rows),
        _starts([len(r) for r in rows]),
        np.array([side for _, _, side in key], dtype=np.int64),
    )
    for a in out:
        a.flags.writeable = False
    return out


def _starts(sizes: list[int]) -> np.ndarray:
    """Where each of consecutive blocks of `sizes` starts, and the end: len(sizes) + 1."""
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)


@numba.njit(cache=True)
def population_day(
    nbr: np.ndarray,
    nbr_at: np.ndarray,
    offsets: np.ndarray,
    offsets_at: np.ndarray,
    rows: np.ndarray,
    rows_at: np.ndarray,
    tables: np.ndarray,
    tables_at: np.ndarray,
    sides: np.ndarray,
    occupant: np.ndarray,
    cops_seen: np.ndarray,
    actives_seen: np.ndarray,
    cell_at: np.ndarray,
    pos: np.ndarray,
    agent_at: np.ndarray,
    kind: np.ndarray,
    hardship: np.ndarray,
    risk: np.ndarray,
    state: np.ndarray,
    jail: np.ndarray,
    experience: np.ndarray,
    citizen_at: np.ndarray,
    deters: np.ndarray,
    counted: np.ndarray,
    unit_at: np.ndarray,
    sites: np.ndarray,
    site_at: np.ndarray,
    floats: np.ndarray,
    ints: np.ndarray,
    streams: np.ndarray,
) -> np.ndarray:
    """One day of every region, in region order (each region its own slices, its own row of
    `floats` and its own stream): a regions x `kernel.N_STATS` array of the day's counts."""
    regions = sides.shape[0]
    out = np.empty((regions, kernel.N_STATS), dtype=np.int64)
    for r in range(regions):
        side = sides[r]
        k = offsets_at[r + 1] - offsets_at[r]
        c0, c1 = citizen_at[r], citizen_at[r + 1]
        g0, g1 = cell_at[r], cell_at[r + 1]
        u0, u1 = unit_at[r], unit_at[r + 1]
        out[r] = kernel.crowd_day_rows(
            rows[rows_at[r] : rows_at[r + 1]],
            tables[tables_at[r] : tables_at[r + 1]],
            nbr[nbr_at[r] : nbr_at[r + 1]].reshape((side * side, k)),
            offsets[offsets_at[r] : offsets_at[r + 1]],
            occupant[g0:g1],
            pos[agent_at[r] : agent_at[r + 1]],
            kind[c0:c1],
            hardship[c0:c1],
            risk[c0:c1],
            state[c0:c1],
            jail[c0:c1],
            experience[c0:c1],
            deters[u0:u1],
            counted[u0:u1],
            cops_seen[g0:g1],
            actives_seen[g0:g1],
            sites[site_at[r] : site_at[r + 1]],
            side,
            floats[r],
            ints,
            streams[r],
        )
    return out


class Population:
    """Every region's crowd, stepped in scenario order (each region has its own stream)."""

    def __init__(self, crowds: list[RegionCrowd]) -> None:
        self.crowds = crowds
        self.layout = 0  # counts packings: unit indices into the flat arrays change with it
        self._get = attrgetter(*REPLACED)
        self._pack()
        # A day's parameters for the kernel (`step`), kept from day to day.
        self._floats = np.empty((len(crowds), kernel.N_FLOAT))
        self._ints_of: tuple | None = None
        self._ints = np.empty(0, dtype=np.int64)

    def _pack(self) -> None:
        """Copy every crowd's arrays into flat arrays and leave the crowds views of them."""
        cs = self.crowds
        flat: dict[str, np.ndarray] = {}
        for names, size in (
            (CITIZEN, lambda c: c.n),
            (AGENT, lambda c: c.n + c.m),
            (UNIT, lambda c: c.m),
            (CELL, lambda c: c.side * c.side),
            (SITE, lambda c: len(c.site_cells)),
        ):
            at = _starts([size(c) for c in cs])
            for name in names:
                whole = np.concatenate([getattr(c, name) for c in cs])
                flat[name] = whole
                for r, c in enumerate(cs):
                    setattr(c, name, whole[at[r] : at[r + 1]])
            flat[f"{names[0]}@"] = at
        self.streams = np.stack([c.stream for c in cs])
        for r, c in enumerate(cs):
            c.stream = self.streams[r]
        self.flat = flat
        self.citizen_at, self.agent_at = flat["kind@"], flat["pos@"]
        self.unit_at, self.cell_at = flat["unit_deters@"], flat["occupant@"]
        (self.nbr, self.nbr_at, self.offsets, self.offsets_at, self.rows, self.rows_at,
         self.sides) = _tables(tuple((c.vision, c.shape, c.side) for c in cs))  # fmt: skip
        # Each region's per-day tables (`kernel.day_tables`), kept from day to day: filled by
        # the kernel on the first day, and again whenever their inputs change.
        room = [kernel.day_tables(k).shape[0] for k in np.diff(self.offsets_at)]
        self.day_tables, self.day_tables_at = np.zeros(sum(room)), _starts(room)
        self._views = [self._get(c) for c in cs]
        self.layout += 1
        # `population_day`'s arguments that only a packing changes, in its order (`step`).
        f = flat
        self._packed_args = (
            self.nbr, self.nbr_at, self.offsets, self.offsets_at, self.rows, self.rows_at,
            self.day_tables, self.day_tables_at, self.sides,
            f["occupant"], f["cops_seen"], f["actives_seen"], self.cell_at,
            f["pos"], self.agent_at,
            f["kind"], f["hardship"], f["risk_aversion"], f["state"], f["jail"],
            f["experience"], self.citizen_at,
            f["unit_deters"], f["_counted"], self.unit_at,
            f["site_cells"], f["site_cells@"],
        )  # fmt: skip

    def packed(self) -> bool:
        """Whether every crowd's arrays are still the views of the flat arrays."""
        # `REPLACED` written out: checked daily, two attribute reads a region are cheaper than
        # a getter's tuple and an inner loop (a sixth of the time)
        for c, (pos, cops_seen) in zip(self.crowds, self._views, strict=True):
            if c.pos is not pos or c.cops_seen is not cops_seen:
                return False
        return True

    def refresh(self) -> None:
        """Pack again if a crowd replaced its arrays: call before using the flat arrays."""
        if not self.packed():
            self._pack()

    def step(self, rules: CrowdRules, contagion: np.ndarray) -> np.ndarray:
        """One day in every region: `rules` with each region's `contagion` signal (the rules'
        own is ignored) and hardship. Returns the regions x `kernel.N_STATS` day's counts."""
        self.refresh()
        floats = self._floats  # written whole each day: the kernel only reads it
        floats[:] = rules.floats(0.0)
        floats[:, kernel.CONTAGION_SIGNAL] = contagion
        floats[:, kernel.HARDSHIP_EXTRA] = [c.hardship_extra for c in self.crowds]
        ints = (
            rules.max_jail_term, rules.movement, rules.batches, rules.arrests_per_unit,
            rules.exact_ratio,
        )  # fmt: skip
        if ints != self._ints_of:  # the same all run long, as a rule
            self._ints_of, self._ints = ints, rules.ints()
        return population_day(*self._packed_args, floats, self._ints, self.streams)


def make_population(crowds: list) -> Population | BlockPopulation:
    """The population of `crowds`: agents (`RegionCrowd`) or blocks (`blocks.BlockCrowd`)."""
    return BlockPopulation(crowds) if isinstance(crowds[0], BlockCrowd) else Population(crowds)


def block_crowd(
    sc: Scenario, region: Region, rng: np.random.Generator, side: int, n: int, units: np.ndarray
) -> BlockCrowd:
    """`n` blocks of `region`'s people (``crowd.representation: blocks``): each holds the
    region's urban population over `n` (the grid's rounded side makes n agents of
    people_per_agent miss it by up to ~5%, by a different share at each resolution)."""
    c, ppa = sc.crowd, sc.scale.people_per_agent
    violent, crime = sc.protester_shares(region)
    h, ra, shift = c.hardship, c.risk_aversion, region.hardship_shift
    people = region.urban_population / n
    cells = (
        c.vision_people * side * side / region.urban_population  # the cells of that many
        if c.vision_people is not None
        else len(neighborhood_offsets(sc.vision_cells(), c.neighborhood, side))
    )
    return BlockCrowd.build(
        rng, side, n, units, (1.0 - violent - crime, violent, crime),
        (h.low + shift, h.high + shift), (ra.low, ra.high), cells,
        sc.crowd.neighborhood, people, sc.crowd.unit_people,
        min(sc.crowd.max_jail_term, sc.days + 1), people / ppa,
    )  # fmt: skip


def warm_up() -> None:
    """Compile the kernels (or load them from numba's cache) on a tiny region: call it before
    forking workers so that they do not each compile."""
    from transition_sim.core import crowd

    crowd.warm_up()
    rng = np.random.default_rng(0)
    region = RegionCrowd(
        rng, 5, 10, np.zeros(2, dtype=np.int64), np.arange(10, dtype=np.int8) % 3,
        rng.random(10), rng.random(10), 1, "von_neumann",
    )  # fmt: skip
    region.site_cells = np.array([0])
    rules = CrowdRules(0.5, 0.1, 2.3, 3, True, 0, 0.1, 0.0, 0.1, 0.1, 0.1, 0.5, 1)
    Population([region]).step(rules, np.zeros(1))
