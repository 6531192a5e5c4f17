"""The crowd of one region: citizens and security units on a torus grid.

The rule is Epstein's (2002) Model 1 exactly as Mesa's example implements it
(`mesa.examples.advanced.epstein_civil_violence`): grievance G = H(1 - L); estimated arrest
probability P = 1 - exp(-k round(C/A)) over the citizen's vision, A counting the citizen herself;
active when G - R P > T; each unit arrests one random active in its vision for a jail term drawn
from {0..max}; jailed citizens stay on their cell; everyone else moves to a random empty cell in
vision. Agents are activated one at a time in a random order, as in Mesa, or (``batches``) in
random batches whose citizens decide on the state at the start of their batch.

On top of Epstein (all off by default): a social signal and protest memory that lower the
threshold, contagion from other regions, three kinds of protester, armed actives that head for
strategic sites, units whose faction has stopped obeying (they neither deter nor arrest), and
C/A unrounded in P (``CrowdRules.exact_ratio``, crowd.arrest_ratio: exact).

A day of a region is one call of the compiled kernel (`transition_sim.core.kernel.crowd_day`);
this module holds the region's arrays and what the model asks of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from transition_sim.core import daily, kernel
from transition_sim.core.kernel import ACTIVE, CRIME, JAILED, PEACEFUL, QUIET, VIOLENT

__all__ = [
    "ACTIVE",
    "CRIME",
    "JAILED",
    "KINDS",
    "PEACEFUL",
    "QUIET",
    "VIOLENT",
    "CrowdRules",
    "DayStats",
    "RegionCrowd",
    "hardship_draw",
    "neighbor_table",
    "warm_up",
]

KINDS = ("peaceful", "violent", "crime")


@cache
def neighborhood_offsets(radius: int, shape: str, side: int) -> np.ndarray:
    """Distinct (dx, dy) offsets of the cells in vision on a side x side torus, centre excluded.

    Offsets that wrap onto the same cell on a small torus are kept once, as Mesa does.
    """
    r = np.arange(-radius, radius + 1)
    dx, dy = (a.ravel() for a in np.meshgrid(r, r, indexing="ij"))
    keep = (np.abs(dx) + np.abs(dy) <= radius) if shape == "von_neumann" else np.ones_like(dx, bool)
    cells = np.unique(np.stack([dx[keep] % side, dy[keep] % side], axis=1), axis=0)
    cells = cells[(cells[:, 0] != 0) | (cells[:, 1] != 0)]
    cells.flags.writeable = False  # shared by every region of this size
    return cells


@cache
def neighbor_table(radius: int, shape: str, side: int) -> np.ndarray:
    """For every cell, the cells in its vision: an (side*side, n_offsets) index table."""
    off = neighborhood_offsets(radius, shape, side)
    x, y = np.divmod(np.arange(side * side), side)
    table = ((x[:, None] + off[:, 0]) % side) * side + (y[:, None] + off[:, 1]) % side
    # int32 halves the table, which the tallies read ~100 entries at a time: big grids' tables
    # stay in cache longer (cells are counted in int32 anyway, see scenario/feasibility.py)
    table = table.astype(np.int32)
    table.flags.writeable = False  # shared by every region of this size
    return table


@cache
def square_window(cell: int, radius: int, side: int) -> np.ndarray:
    """The distinct cells within Chebyshev `radius` of `cell` on a side x side torus."""
    x, y = divmod(cell, side)
    r = np.arange(-radius, radius + 1)
    rows, cols = np.meshgrid((x + r) % side, (y + r) % side, indexing="ij")
    return np.unique(rows * side + cols)


@dataclass
class CrowdRules:
    """The per-day inputs the model hands to every region's crowd."""

    legitimacy: float
    threshold: float
    arrest_constant: float
    max_jail_term: int
    movement: bool
    batches: int  # 0: random sequential activation (Mesa); else that many batches (docs/ODD.md §3)
    social_signal: float
    contagion_signal: float  # already weighted: threshold reduction from other regions
    memory_effect: float
    memory_gain: float
    memory_decay: float
    crime_drive: float  # grievance substitute of organized crime today (0 unless sponsored)
    arrests_per_unit: int
    exact_ratio: bool = False  # P(arrest) from C / A unrounded (crowd.arrest_ratio: exact)
    gathering: float = 0.0  # chance a peaceful active's move heads for a site (crowd.gathering)
    guarding: float = 0.0  # chance a deterring unit's move heads for a site (crowd.guarding)

    def floats(self, hardship_extra: float) -> np.ndarray:
        """The kernel's float parameters (layout in `kernel`)."""
        return np.array(
            [
                self.legitimacy,
                self.threshold,
                self.arrest_constant,
                self.social_signal,
                self.contagion_signal,
                self.memory_effect,
                self.memory_gain,
                self.memory_decay,
                self.crime_drive,
                hardship_extra,
                self.gathering,
                self.guarding,
            ]
        )

    def ints(self) -> np.ndarray:
        """The kernel's integer parameters (layout in `kernel`)."""
        return np.array(
            [
                self.max_jail_term,
                int(self.movement),
                self.batches,
                self.arrests_per_unit,
                int(self.exact_ratio),
            ],
            dtype=np.int64,
        )


@dataclass
class DayStats:
    """What one region's crowd did on one day (agent counts)."""

    active: np.ndarray  # by kind
    quiet: int
    jailed: int
    arrests: np.ndarray  # by kind
    engaged: np.ndarray  # actives with an obeying unit in vision, by kind

    @classmethod
    def from_kernel(cls, stats: np.ndarray) -> DayStats:
        k = kernel
        return cls(
            active=stats[k.STAT_ACTIVE : k.STAT_ACTIVE + 3],
            quiet=int(stats[k.STAT_QUIET]),
            jailed=int(stats[k.STAT_JAILED]),
            arrests=stats[k.STAT_ARRESTS : k.STAT_ARRESTS + 3],
            engaged=stats[k.STAT_ENGAGED : k.STAT_ENGAGED + 3],
        )


class RegionCrowd:
    """Citizens and units of one region. Citizens are agents 0..n-1, units n..n+m-1.

    Besides the agents' arrays it keeps two running tallies per cell: `cops_seen`, the
    deterring units in the cell's vision, and `actives_seen`, the active citizens in it. The
    kernel updates them as agents change; whoever writes `state` or `pos` directly must call
    `recount()`. `unit_deters` may be written in place: the tallies follow it at the next step.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        side: int,
        n_citizens: int,
        unit_faction: np.ndarray,
        kind: np.ndarray,
        hardship: np.ndarray,
        risk_aversion: np.ndarray,
        vision: int,
        shape: str,
    ) -> None:
        self.rng = rng
        self.side = side
        self.vision = vision
        self.shape = shape
        self.neighbors = neighbor_table(vision, shape, side)
        self.offsets = neighborhood_offsets(vision, shape, side)
        self.n = n_citizens
        self.m = len(unit_faction)
        if self.n + self.m > side * side:
            raise ValueError(f"{self.n + self.m} agents do not fit on a {side}x{side} grid")

        cells = rng.permutation(side * side)[: self.n + self.m]
        self.pos = cells.astype(np.int64)  # cell of every agent, citizens then units
        self.occupant = np.full(side * side, -1, dtype=np.int64)
        self.occupant[self.pos] = np.arange(self.n + self.m)
        # The kernel's own random stream, drawn from the replication's generator.
        self.stream = kernel.seed_stream(int(rng.integers(2**63)))

        self.kind = np.ascontiguousarray(kind, dtype=np.int8)
        self.hardship = np.ascontiguousarray(hardship, dtype=np.float64)
        self.risk_aversion = np.ascontiguousarray(risk_aversion, dtype=np.float64)
        self.state = np.zeros(self.n, dtype=np.int8)
        self.jail = np.zeros(self.n, dtype=np.int64)
        self.experience = np.zeros(self.n)
        self.hardship_extra = 0.0  # scripted shocks and their relief, added to H
        self.unit_faction = np.asarray(unit_faction, dtype=np.int64)
        self.unit_deters = np.ones(self.m, dtype=bool)  # set daily from faction stances
        self.site_cells = np.zeros(0, dtype=np.int64)  # strategic sites armed actives head for
        self.recount()

    # -- tallies --------------------------------------------------------------------------------
    def recount(self) -> None:
        """Count both tallies from scratch (after `state`, `pos` or units were set by hand)."""
        size = self.side * self.side
        units = self.pos[self.n :]
        self._counted = self.unit_deters.copy()
        self.cops_seen = kernel.fresh_tally(self.neighbors, units[self._counted], size)
        actives = self.pos[: self.n][self.state == ACTIVE]
        self.actives_seen = kernel.fresh_tally(self.neighbors, actives, size)

    def cops_in_vision(self) -> np.ndarray:
        """Per cell, the number of deterring units in its vision (the tally, brought up to date
        with `unit_deters`)."""
        kernel.sync_deterrence(
            self.neighbors, self.pos, self.n, self.unit_deters, self._counted, self.cops_seen
        )
        return self.cops_seen

    # -- one day --------------------------------------------------------------------------------
    def step(self, rules: CrowdRules) -> DayStats:
        """One day of this region: the kernel, then the day's counts."""
        stats = kernel.crowd_day(
            self.neighbors,
            self.offsets,
            self.occupant,
            self.pos,
            self.kind,
            self.hardship,
            self.risk_aversion,
            self.state,
            self.jail,
            self.experience,
            self.unit_deters,
            self._counted,
            self.cops_seen,
            self.actives_seen,
            self.site_cells,
            self.side,
            rules.floats(self.hardship_extra),
            rules.ints(),
            self.stream,
        )
        return DayStats.from_kernel(stats)

    # -- units joining and leaving (the patron's) ------------------------------------------------
    def add_units(self, k: int, faction: int) -> None:
        """Place `k` new (deterring) units of `faction` on random empty cells."""
        empty = np.flatnonzero(self.occupant < 0)
        k = min(k, len(empty))
        cells = self.rng.choice(empty, size=k, replace=False)
        self.occupant[cells] = self.n + self.m + np.arange(k)
        self.pos = np.concatenate([self.pos, cells])
        self.unit_faction = np.concatenate([self.unit_faction, np.full(k, faction)])
        self.unit_deters = np.concatenate([self.unit_deters, np.ones(k, dtype=bool)])
        self._counted = np.concatenate([self._counted, np.ones(k, dtype=bool)])
        self.cops_seen += kernel.fresh_tally(self.neighbors, cells, len(self.occupant))
        self.m += k

    def remove_units(self, faction: int) -> None:
        """Remove every unit of `faction` (they were appended last, so the rest keep indices)."""
        keep = self.unit_faction != faction
        k = int((~keep).sum())
        if k == 0:
            return
        gone = self.pos[self.n + np.flatnonzero(~keep)]
        self.occupant[gone] = -1
        self.cops_seen -= kernel.fresh_tally(
            self.neighbors, gone[self._counted[~keep]], len(self.occupant)
        )
        self.pos = self.pos[: self.n + self.m - k]
        self.unit_faction = self.unit_faction[keep]
        self.unit_deters = self.unit_deters[keep]
        self._counted = self._counted[keep]
        self.m -= k

    # -- queries used by the model ----------------------------------------------------------------
    def site_forces(self, cell: int, radius: int, turned_faction: np.ndarray) -> tuple[int, ...]:
        """Within Chebyshev `radius` of `cell`: armed actives, units that do not deter and whose
        faction has turned (by faction index, the patron's last), and deterring units."""
        return daily.site_forces(
            square_window(cell, radius, self.side), self.occupant, self.n, self.kind, self.state,
            self.unit_deters, self.unit_faction, turned_faction,
        )  # fmt: skip

    def peaceful_near(self, cell: int, radius: int) -> int:
        """Peaceful actives within Chebyshev `radius` of `cell`."""
        occupant = self.occupant[square_window(cell, radius, self.side)]
        citizens = occupant[(occupant >= 0) & (occupant < self.n)]
        return int(((self.state[citizens] == ACTIVE) & (self.kind[citizens] == PEACEFUL)).sum())

    # The site contest's reading (`BlockCrowd.site_people`): an agent is whole people already.
    site_people = site_forces
    peaceful_people = peaceful_near


def warm_up() -> None:
    """Compile the kernel (or load it from numba's cache) on a tiny region: call it before
    forking workers so that they do not each compile."""
    rng = np.random.default_rng(0)
    crowd = RegionCrowd(
        rng, 5, 10, np.zeros(2, dtype=np.int64), np.arange(10, dtype=np.int8) % 3,
        rng.random(10), rng.random(10), 1, "von_neumann",
    )  # fmt: skip
    crowd.site_cells = np.array([0])
    rules = CrowdRules(0.5, 0.1, 2.3, 3, True, 0, 0.1, 0.0, 0.1, 0.1, 0.1, 0.5, 1)
    crowd.step(rules)
    crowd.site_forces(0, 1, np.zeros(1, dtype=np.bool_))


def hardship_draw(
    rng: np.random.Generator, low: float, high: float, skew: float, n: int
) -> np.ndarray:
    """Citizens' hardship on [low, high]: low + (high - low) * U**skew with U uniform. Skew 1 is
    Epstein's uniform H (the same numbers as ``rng.uniform(low, high, n)``); above 1 few
    citizens have much hardship, so a shock tips a graded share of them [A-hardship-skew]."""
    if skew == 1.0:
        return rng.uniform(low, high, n)
    return low + (high - low) * rng.random(n) ** skew
