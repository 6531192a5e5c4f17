"""The crowd of one region: citizens and security units on a torus grid, vectorized with numpy.

The rule is Epstein's (2002) Model 1 exactly as Mesa's example implements it
(`mesa.examples.advanced.epstein_civil_violence`): grievance G = H(1 - L); estimated arrest
probability P = 1 - exp(-k round(C/A)) over the citizen's vision, A counting the citizen herself;
active when G - R P > T; each unit arrests one random active in its vision for a jail term drawn
from {0..max}; jailed citizens stay on their cell; everyone moves to a random empty cell in vision.

Mesa activates agents one at a time in random order. Here a day is split into
``activation_batches`` random batches of agents: within a batch everybody sees the state at the
start of the batch, between batches they see each other's choices. One batch is synchronous
updating; one batch per agent is Mesa's random sequential activation.

On top of Epstein (all off by default): a social signal and protest memory that lower the
threshold, contagion from other regions, three kinds of protester, and units whose faction has
stopped obeying (they neither deter nor arrest).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

QUIET, ACTIVE, JAILED = 0, 1, 2
PEACEFUL, VIOLENT, CRIME = 0, 1, 2
KINDS = ("peaceful", "violent", "crime")
MOVE_PROPOSALS = 8  # random cells tried per move; Mesa picks among all empty cells in vision


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
    return cells


@cache
def neighbor_table(radius: int, shape: str, side: int) -> np.ndarray:
    """For every cell, the cells in its vision: an (side*side, n_offsets) index table."""
    off = neighborhood_offsets(radius, shape, side)
    x, y = np.divmod(np.arange(side * side), side)
    table = ((x[:, None] + off[:, 0]) % side) * side + (y[:, None] + off[:, 1]) % side
    return table.astype(np.int32)


@cache
def _kernel_fft(radius: int, shape: str, side: int) -> np.ndarray:
    kernel = np.zeros((side, side))
    off = neighborhood_offsets(radius, shape, side)
    kernel[off[:, 0], off[:, 1]] = 1.0
    return np.fft.rfft2(kernel)


@dataclass
class CrowdRules:
    """The per-day inputs the model hands to every region's crowd."""

    legitimacy: float
    threshold: float
    arrest_constant: float
    max_jail_term: int
    movement: bool
    batches: int
    social_signal: float
    contagion_signal: float  # already weighted: threshold reduction from other regions
    memory_effect: float
    memory_gain: float
    memory_decay: float
    crime_drive: float  # grievance substitute of organized crime today (0 unless sponsored)
    arrests_per_unit: int


@dataclass
class DayStats:
    """What one region's crowd did on one day (agent counts)."""

    active: np.ndarray  # by kind
    quiet: int
    jailed: int
    arrests: np.ndarray  # by kind
    engaged: np.ndarray  # actives with an obeying unit in vision, by kind


class RegionCrowd:
    """Citizens and units of one region. Citizens are indices 0..n-1, units n..n+m-1."""

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
        self.offsets = neighborhood_offsets(vision, shape, side)
        self.neighbors = neighbor_table(vision, shape, side)
        self.kernel_fft = _kernel_fft(vision, shape, side)
        self.n = n_citizens
        self.m = len(unit_faction)
        if self.n + self.m > side * side:
            raise ValueError(f"{self.n + self.m} agents do not fit on a {side}x{side} grid")

        cells = rng.permutation(side * side)[: self.n + self.m]
        self.pos = cells.astype(np.int64)  # cell of every agent, citizens then units
        self.occupant = np.full(side * side, -1, dtype=np.int64)
        self.occupant[self.pos] = np.arange(self.n + self.m)

        self.kind = kind
        self.hardship = hardship
        self.risk_aversion = risk_aversion
        self.state = np.zeros(self.n, dtype=np.int8)
        self.jail = np.zeros(self.n, dtype=np.int64)
        self.experience = np.zeros(self.n)
        self.hardship_extra = 0.0  # scripted shocks and their relief, added to H
        self.unit_faction = unit_faction
        self.unit_deters = np.ones(self.m, dtype=bool)  # set daily from faction stances
        self.visible_active = np.zeros(self.n)  # share of actives in each citizen's vision

    # -- geometry -----------------------------------------------------------------------------
    def _in_vision_counts(self, grids: np.ndarray) -> np.ndarray:
        """Number of marked cells in vision of every cell, for a stack of 0/1 grids."""
        f = np.fft.rfft2(grids.reshape(-1, self.side, self.side))
        out = np.fft.irfft2(f * self.kernel_fft, s=(self.side, self.side))
        return np.rint(out).reshape(len(grids), -1)

    def _torus_distance_ok(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Matrix: is cell b[j] within vision of cell a[i]?"""
        s = self.side
        dx = np.abs(a[:, None] // s - b[None, :] // s)
        dy = np.abs(a[:, None] % s - b[None, :] % s)
        dx = np.minimum(dx, s - dx)
        dy = np.minimum(dy, s - dy)
        if self.shape == "von_neumann":
            return (dx + dy <= self.vision) & ((dx + dy) > 0)
        return (np.maximum(dx, dy) <= self.vision) & ((dx + dy) > 0)

    # -- one day --------------------------------------------------------------------------------
    def step(self, rules: CrowdRules) -> DayStats:
        arrests = np.zeros(3, dtype=np.int64)
        order = self.rng.permutation(self.n + self.m)
        for batch in np.array_split(order, rules.batches):
            citizens = batch[batch < self.n]
            units = batch[batch >= self.n] - self.n
            self._citizens_decide(citizens, rules)
            arrests += self._units_arrest(units, rules)
            if rules.movement:
                self._move(batch)
        self._remember(rules)
        return self._stats(arrests)

    def _citizens_decide(self, idx: np.ndarray, rules: CrowdRules) -> None:
        if len(idx) == 0:
            return
        # Mesa: a jailed citizen serves one day of her sentence and does nothing else.
        in_jail = self.jail[idx] > 0
        self.jail[idx[in_jail]] -= 1
        idx = idx[~in_jail]
        if len(idx) == 0:
            return
        grids = np.zeros((2, self.side * self.side))
        deterring = self.n + np.flatnonzero(self.unit_deters)
        grids[0, self.pos[deterring]] = 1.0
        grids[1, self.pos[: self.n][self.state == ACTIVE]] = 1.0
        counts = self._in_vision_counts(grids)
        cell = self.pos[idx]
        cops = counts[0, cell]
        actives = counts[1, cell] + 1.0  # the citizen counts herself
        # np.rint rounds half to even, like Python's round() in Mesa's example.
        p_arrest = 1.0 - np.exp(-rules.arrest_constant * np.rint(cops / actives))

        hardship = np.clip(self.hardship[idx] + self.hardship_extra, 0.0, 1.0)
        grievance = hardship * (1.0 - rules.legitimacy)
        crime = self.kind[idx] == CRIME
        grievance[crime] = rules.crime_drive  # acts for a sponsor, not from grievance

        threshold = np.full(len(idx), rules.threshold)
        if rules.social_signal:
            share = (actives - 1.0) / len(self.offsets)
            self.visible_active[idx] = share
            threshold -= rules.social_signal * share
        if rules.memory_effect:
            threshold -= rules.memory_effect * self.experience[idx]
        threshold -= rules.contagion_signal
        active = grievance - self.risk_aversion[idx] * p_arrest > threshold
        self.state[idx] = np.where(active, ACTIVE, QUIET)

    def _units_arrest(self, units: np.ndarray, rules: CrowdRules) -> np.ndarray:
        """Each deterring unit arrests up to `arrests_per_unit` random actives in its vision."""
        made = np.zeros(3, dtype=np.int64)
        arresting = units[self.unit_deters[units]]
        if len(arresting) == 0:
            return made
        for _ in range(rules.arrests_per_unit):
            actives = np.flatnonzero(self.state == ACTIVE)
            if len(actives) == 0:
                break
            in_view = self._torus_distance_ok(self.pos[self.n + arresting], self.pos[actives])
            has = in_view.any(axis=1)
            if not has.any():
                break
            # Units act in batch order: where two pick the same active, the earlier one gets
            # her and the later one picks again among those left (rounds, not a loop per unit).
            score = np.where(in_view[has], self.rng.random(in_view[has].shape), -1.0)
            taken = np.zeros(len(actives), dtype=bool)
            while len(score):
                pick = score.argmax(axis=1)
                valid = score[np.arange(len(score)), pick] >= 0.0
                score, pick = score[valid], pick[valid]
                chosen, first = np.unique(pick, return_index=True)
                taken[chosen] = True
                losers = np.ones(len(pick), dtype=bool)
                losers[first] = False
                score = score[losers]
                score[:, taken] = -1.0
            caught = actives[taken]
            self.state[caught] = JAILED
            self.jail[caught] = self.rng.integers(0, rules.max_jail_term + 1, size=len(caught))
            made += np.bincount(self.kind[caught], minlength=3)
        return made

    def _move(self, batch: np.ndarray) -> None:
        """Everyone not in jail moves to a random empty cell in vision (first come first served)."""
        is_citizen = batch < self.n
        free = self.state[np.where(is_citizen, batch, 0)] != JAILED if self.n else is_citizen
        movers = batch[~is_citizen | free]
        if len(movers) == 0:
            return
        here = self.pos[movers]
        pick = self.rng.integers(0, len(self.offsets), size=(len(movers), MOVE_PROPOSALS))
        target = self.neighbors[here[:, None], pick]
        empty = self.occupant[target] < 0
        first = empty.argmax(axis=1)
        ok = empty[np.arange(len(movers)), first]
        movers, here, target = movers[ok], here[ok], target[ok, first[ok]]
        _, winner = np.unique(target, return_index=True)  # earliest mover in the batch wins
        movers, here, target = movers[winner], here[winner], target[winner]
        self.occupant[here] = -1
        self.occupant[target] = movers
        self.pos[movers] = target

    def _remember(self, rules: CrowdRules) -> None:
        if rules.memory_gain or rules.memory_decay:
            self.experience *= 1.0 - rules.memory_decay
            active = self.state == ACTIVE
            self.experience[active] += rules.memory_gain * (1.0 - self.experience[active])

    def _stats(self, arrests: np.ndarray) -> DayStats:
        active = self.state == ACTIVE
        engaged = np.zeros(3, dtype=np.int64)
        if active.any() and self.unit_deters.any():
            near = self._torus_distance_ok(
                self.pos[: self.n][active], self.pos[self.n + np.flatnonzero(self.unit_deters)]
            ).any(axis=1)
            engaged = np.bincount(self.kind[active][near], minlength=3)
        return DayStats(
            active=np.bincount(self.kind[active], minlength=3),
            quiet=int((self.state == QUIET).sum()),
            jailed=int((self.state == JAILED).sum()),
            arrests=arrests,
            engaged=engaged,
        )

    # -- units joining and leaving (the patron's) ------------------------------------------------
    def add_units(self, k: int, faction: int) -> None:
        """Place `k` new units of `faction` on random empty cells."""
        empty = np.flatnonzero(self.occupant < 0)
        k = min(k, len(empty))
        cells = self.rng.choice(empty, size=k, replace=False)
        self.occupant[cells] = self.n + self.m + np.arange(k)
        self.pos = np.concatenate([self.pos, cells])
        self.unit_faction = np.concatenate([self.unit_faction, np.full(k, faction)])
        self.unit_deters = np.concatenate([self.unit_deters, np.ones(k, dtype=bool)])
        self.m += k

    def remove_units(self, faction: int) -> None:
        """Remove every unit of `faction` (they were appended last, so the rest keep indices)."""
        keep = self.unit_faction != faction
        k = int((~keep).sum())
        if k == 0:
            return
        self.occupant[self.pos[self.n + np.flatnonzero(~keep)]] = -1
        self.pos = self.pos[: self.n + self.m - k]
        self.unit_faction = self.unit_faction[keep]
        self.unit_deters = self.unit_deters[keep]
        self.m -= k

    # -- queries used by the model ----------------------------------------------------------------
    def count_near(self, cell: int, radius: int) -> tuple[int, np.ndarray]:
        """Violent/criminal actives, and units by index, within Chebyshev `radius` of `cell`."""
        s = self.side
        x, y = divmod(cell, s)
        px, py = self.pos // s, self.pos % s
        dx = np.abs(px - x)
        dy = np.abs(py - y)
        near = (np.minimum(dx, s - dx) <= radius) & (np.minimum(dy, s - dy) <= radius)
        cit = near[: self.n] & (self.state == ACTIVE) & (self.kind != PEACEFUL)
        return int(cit.sum()), np.flatnonzero(near[self.n :])
