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
threshold, contagion from other regions, three kinds of protester, armed actives that head for
strategic sites, units whose faction has stopped obeying (they neither deter nor arrest), and a
fast path for days that start with nobody active (`RegionCrowd._quiet_day`).

`Population` keeps every region's citizens in shared flat arrays so that the per-citizen work of
quiet days and the end-of-day counts run once for the whole country.
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
def square_window(cell: int, radius: int, side: int) -> np.ndarray:
    """The distinct cells within Chebyshev `radius` of `cell` on a side x side torus."""
    x, y = divmod(cell, side)
    r = np.arange(-radius, radius + 1)
    rows, cols = np.meshgrid((x + r) % side, (y + r) % side, indexing="ij")
    return np.unique(rows * side + cols)


def grievance_and_threshold(
    hardship: np.ndarray,
    is_crime: np.ndarray,
    experience: np.ndarray,
    hardship_extra: float | np.ndarray,
    contagion_signal: float | np.ndarray,
    rules: CrowdRules,
) -> tuple[np.ndarray, np.ndarray]:
    """Grievance G and threshold T (before the social signal) of the given citizens.

    `hardship_extra` and `contagion_signal` are one region's scalars or, for citizens of
    several regions at once, per-citizen arrays.
    """
    grievance = np.clip(hardship + hardship_extra, 0.0, 1.0) * (1.0 - rules.legitimacy)
    grievance[is_crime] = rules.crime_drive  # organized crime acts for a sponsor
    base = rules.threshold - contagion_signal
    if rules.memory_effect:
        return grievance, base - rules.memory_effect * experience
    return grievance, np.full(len(hardship), base, dtype=float)


def remember(experience: np.ndarray, active: np.ndarray, rules: CrowdRules) -> None:
    """Protest memory: everyone's experience fades, today's actives' grows (in place)."""
    if rules.memory_gain or rules.memory_decay:
        experience *= 1.0 - rules.memory_decay
        experience[active] += rules.memory_gain * (1.0 - experience[active])


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
    quiet_days: bool = False  # fast path for days that start with nobody active (_quiet_day)


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
        self.n = n_citizens
        self.m = len(unit_faction)
        if self.n + self.m > side * side:
            raise ValueError(f"{self.n + self.m} agents do not fit on a {side}x{side} grid")

        cells = rng.permutation(side * side)[: self.n + self.m]
        self.pos = cells.astype(np.int64)  # cell of every agent, citizens then units
        self.occupant = np.full(side * side, -1, dtype=np.int64)
        self.occupant[self.pos] = np.arange(self.n + self.m)

        self.kind = kind
        self.is_crime = kind == CRIME
        self.hardship = hardship
        self.risk_aversion = risk_aversion
        self.state = np.zeros(self.n, dtype=np.int8)
        self.jail = np.zeros(self.n, dtype=np.int64)
        self.experience = np.zeros(self.n)
        self.hardship_extra = 0.0  # scripted shocks and their relief, added to H
        self.unit_faction = unit_faction
        self.unit_deters = np.ones(self.m, dtype=bool)  # set daily from faction stances
        self._moves = 0  # bumped whenever agents move or units come and go (cache key)
        self._cops_key: tuple[int, bytes] | None = None
        self._cops = np.zeros(0, dtype=np.int64)
        self.site_cells = np.zeros(0, dtype=np.int64)  # strategic sites armed actives head for

    # -- geometry -----------------------------------------------------------------------------
    def _in_vision_count(self, cells: np.ndarray) -> np.ndarray:
        """For every cell, how many of `cells` lie in its vision.

        Vision is symmetric (y is in x's vision iff x is in y's), so this counts, for each cell,
        the listed cells that see it: one bincount over their vision tables.
        """
        return np.bincount(self.neighbors[cells].ravel(), minlength=self.side * self.side)

    # -- one day --------------------------------------------------------------------------------
    def step(self, rules: CrowdRules) -> DayStats:
        """One day of this region alone (the model steps all regions through `Population`)."""
        if rules.quiet_days and not (self.state == ACTIVE).any():
            arrests = self._quiet_day(rules, *self._grievance_and_threshold(slice(None), rules))
        else:
            arrests = self._full_day(rules)
        return self._end_of_day(rules, arrests)

    def _full_day(self, rules: CrowdRules) -> np.ndarray:
        """Epstein's rule in `rules.batches` random batches; returns arrests by kind."""
        arrests = np.zeros(3, dtype=np.int64)
        order = self.rng.permutation(self.n + self.m)
        for batch in np.array_split(order, rules.batches):
            citizens = batch[batch < self.n]
            units = batch[batch >= self.n] - self.n
            self._citizens_decide(citizens, rules)
            arrests += self._units_arrest(units, rules)
            if rules.movement:
                self._move(batch)
        return arrests

    def _grievance_and_threshold(
        self, idx: np.ndarray | slice, rules: CrowdRules
    ) -> tuple[np.ndarray, np.ndarray]:
        return grievance_and_threshold(
            self.hardship[idx],
            self.is_crime[idx],
            self.experience[idx],
            self.hardship_extra,
            rules.contagion_signal,
            rules,
        )

    def _quiet_day(
        self,
        rules: CrowdRules,
        grievance: np.ndarray,
        threshold: np.ndarray,
    ) -> np.ndarray:
        """A day that starts with nobody active, updated as one synchronous batch, without moves.

        Everybody sees no actives (so no social signal and A = 1), so only the few citizens whose
        grievance beats their threshold even at P = 0 can turn active; their deterrence count is
        read off their vision cells. Units then arrest, in random order. Nobody moves: with no
        actives, movement is a symmetric random walk on the empty cells, whose stationary
        distribution is the uniform placement the crowd starts from. Opt-in
        (`crowd.quiet_days`), because it is not Epstein's sequential rule. Grievance and
        threshold come from `step` or, for all regions at once, from `Population`. Returns
        arrests by kind.
        """
        in_jail = self.jail > 0
        self.jail -= in_jail
        self.state[:] = np.where(in_jail, np.int8(JAILED), np.int8(QUIET))
        arrests = np.zeros(3, dtype=np.int64)
        cand = np.flatnonzero((grievance > threshold) & ~in_jail)
        if len(cand):
            cops = self._cops_in_vision()[self.pos[cand]]
            p_arrest = 1.0 - np.exp(-rules.arrest_constant * cops)  # round(C / 1) = C
            risk = self.risk_aversion[cand] * p_arrest
            active = grievance[cand] - risk > threshold[cand]
            self.state[cand[active]] = ACTIVE
            if active.any():
                arrests = self._units_arrest(self.rng.permutation(self.m), rules)
        return arrests

    def _citizens_decide(self, idx: np.ndarray, rules: CrowdRules) -> None:
        if len(idx) == 0:
            return
        # Mesa: a jailed citizen serves one day of her sentence and does nothing else.
        in_jail = self.jail[idx] > 0
        self.jail[idx[in_jail]] -= 1
        idx = idx[~in_jail]
        if len(idx) == 0:
            return
        cell = self.pos[idx]
        cops = self._cops_in_vision()[cell]
        seen = self._in_vision_count(self.pos[: self.n][self.state == ACTIVE])[cell]
        actives = seen + 1.0  # the citizen counts herself
        # np.rint rounds half to even, like Python's round() in Mesa's example.
        p_arrest = 1.0 - np.exp(-rules.arrest_constant * np.rint(cops / actives))

        grievance, threshold = self._grievance_and_threshold(idx, rules)
        if rules.social_signal:
            share = (actives - 1.0) / len(self.offsets)
            threshold -= rules.social_signal * share
        active = grievance - self.risk_aversion[idx] * p_arrest > threshold
        self.state[idx] = np.where(active, ACTIVE, QUIET)

    def _units_arrest(self, units: np.ndarray, rules: CrowdRules) -> np.ndarray:
        """Each deterring unit arrests up to `arrests_per_unit` random actives in its vision.

        Units act in `units` order: where two pick the same active, the earlier one gets her
        and the later one picks again among those left (in rounds, not a loop per unit).
        """
        made = np.zeros(3, dtype=np.int64)
        arresting = units[self.unit_deters[units]]
        for _ in range(rules.arrests_per_unit):
            rank, active = self._arrest_pairs(arresting)
            if len(rank) == 0:
                break
            # Each unit's visible actives in a random order of preference; filtering later
            # keeps this order, so one sort serves every round.
            best = np.lexsort((-self.rng.random(len(rank)), rank))
            rank, active = rank[best], active[best]
            caught = []
            taken = np.zeros(self.n, dtype=bool)
            done = np.zeros(len(arresting), dtype=bool)
            while len(rank):
                first = np.ones(len(rank), dtype=bool)
                np.not_equal(rank[1:], rank[:-1], out=first[1:])
                picks, pickers = active[first], rank[first]
                won, earliest = np.unique(picks, return_index=True)  # pickers are ascending
                caught.append(won)
                taken[won] = True
                done[pickers[earliest]] = True
                keep = ~taken[active] & ~done[rank]
                rank, active = rank[keep], active[keep]
            jailed = np.concatenate(caught)
            self.state[jailed] = JAILED
            self.jail[jailed] = self.rng.integers(0, rules.max_jail_term + 1, size=len(jailed))
            made += np.bincount(self.kind[jailed], minlength=3)
        return made

    def _arrest_pairs(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (unit's rank in `units`, active citizen) pair within vision.

        Vision is symmetric, so the pairs are gathered from whichever side is smaller.
        """
        actives = np.flatnonzero(self.state == ACTIVE)
        if len(units) == 0 or len(actives) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(units) <= len(actives):
            seen = self.occupant[self.neighbors[self.pos[self.n + units]]]
            citizen = (seen >= 0) & (seen < self.n)
            rows, cols = np.nonzero(citizen)
            who = seen[rows, cols]
            hit = self.state[who] == ACTIVE
            return rows[hit], who[hit]
        rank_of = np.full(self.m, -1)
        rank_of[units] = np.arange(len(units))
        seen = self.occupant[self.neighbors[self.pos[actives]]] - self.n  # unit index if >= 0
        rows, cols = np.nonzero(seen >= 0)
        rank = rank_of[seen[rows, cols]]
        hit = rank >= 0
        return rank[hit], actives[rows[hit]]

    def _move(self, batch: np.ndarray) -> None:
        """Everyone not in jail moves to a random empty cell in vision (first come first served)."""
        is_citizen = batch < self.n
        free = self.state[np.where(is_citizen, batch, 0)] != JAILED if self.n else is_citizen
        movers = batch[~is_citizen | free]
        if len(movers) == 0:
            return
        here = self.pos[movers]
        k = len(self.offsets)
        pick = self.rng.integers(0, k, size=(len(movers), MOVE_PROPOSALS), dtype=np.int16)
        target = self.neighbors.ravel()[here[:, None] * k + pick]  # flat gather: faster
        empty = self.occupant[target] < 0
        first = empty.argmax(axis=1)
        if len(self.site_cells):
            # Armed actives (violent or organized crime) take the free proposal nearest a site.
            citizen = np.where(movers < self.n, movers, 0)
            armed = (
                (movers < self.n)
                & (self.state[citizen] == ACTIVE)
                & (self.kind[citizen] != PEACEFUL)
            )
            if armed.any():
                dist = self._site_distance(target[armed])
                first[armed] = np.where(empty[armed], dist, np.inf).argmin(axis=1)
        ok = empty[np.arange(len(movers)), first]
        movers, here, target = movers[ok], here[ok], target[ok, first[ok]]
        _, winner = np.unique(target, return_index=True)  # earliest mover in the batch wins
        movers, here, target = movers[winner], here[winner], target[winner]
        self.occupant[here] = -1
        self.occupant[target] = movers
        self.pos[movers] = target
        self._moves += 1

    def _site_distance(self, cells: np.ndarray) -> np.ndarray:
        """Chebyshev torus distance from each cell to the nearest strategic site."""
        s = self.side
        dx = np.abs(cells[..., None] // s - self.site_cells // s)
        dy = np.abs(cells[..., None] % s - self.site_cells % s)
        return np.maximum(np.minimum(dx, s - dx), np.minimum(dy, s - dy)).min(axis=-1)

    def _cops_in_vision(self) -> np.ndarray:
        """Per cell, the number of deterring units in its vision.

        Cached: on quiet days units neither move nor change stance, so consecutive days reuse
        it. The key holds everything it depends on: moves so far, and which units deter.
        """
        key = (self._moves, self.unit_deters.tobytes())
        if self._cops_key != key:
            deterring = self.n + np.flatnonzero(self.unit_deters)
            self._cops = self._in_vision_count(self.pos[deterring])
            self._cops_key = key
        return self._cops

    def _end_of_day(self, rules: CrowdRules, arrests: np.ndarray) -> DayStats:
        """Update protest memory and count the day (`Population` does this for all regions)."""
        active = np.flatnonzero(self.state == ACTIVE)
        remember(self.experience, active, rules)
        return DayStats(
            active=np.bincount(self.kind[active], minlength=3),
            quiet=int((self.state == QUIET).sum()),
            jailed=int((self.state == JAILED).sum()),
            arrests=arrests,
            engaged=self._engaged(active),
        )

    def _engaged(self, active: np.ndarray) -> np.ndarray:
        """Actives (by kind) with a deterring unit in vision."""
        if len(active) == 0 or not self.unit_deters.any():
            return np.zeros(3, dtype=np.int64)
        near = self._cops_in_vision()[self.pos[active]] > 0
        return np.bincount(self.kind[active[near]], minlength=3)

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
        self._moves += 1

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
        self._moves += 1

    # -- queries used by the model ----------------------------------------------------------------
    def count_near(self, cell: int, radius: int) -> tuple[int, np.ndarray]:
        """Violent/criminal actives, and units by index, within Chebyshev `radius` of `cell`."""
        here = self.occupant[square_window(cell, radius, self.side)]
        here = here[here >= 0]
        cit = here[here < self.n]
        rebels = int(((self.state[cit] == ACTIVE) & (self.kind[cit] != PEACEFUL)).sum())
        return rebels, np.sort(here[here >= self.n]) - self.n


class Population:
    """Every region's citizens in flat arrays; each `RegionCrowd` works on views of its slice.

    This lets the per-citizen arithmetic of quiet days (grievance and threshold) run once for
    the whole country instead of once per region; the rest stays with the regions, in region
    order, so the random stream and the results are those of stepping the regions one by one.
    """

    SHARED = ("hardship", "kind", "is_crime", "experience", "jail", "state")

    def __init__(self, crowds: list[RegionCrowd]) -> None:
        self.crowds = crowds
        sizes = [c.n for c in crowds]
        self.bounds = np.cumsum([0, *sizes])
        self.region = np.repeat(np.arange(len(crowds)), sizes)
        for name in self.SHARED:
            flat = np.concatenate([getattr(c, name) for c in crowds])
            setattr(self, name, flat)
            for c, lo, hi in zip(crowds, self.bounds[:-1], self.bounds[1:], strict=True):
                setattr(c, name, flat[lo:hi])  # a view: the region writes into the flat array

    def step(self, rules: list[CrowdRules]) -> list[DayStats]:
        """One day in every region (rules per region), quiet regions sharing one pass."""
        busy = np.bincount(self.region[self.state == ACTIVE], minlength=len(self.crowds)) > 0
        quiet = np.array([r.quiet_days for r in rules]) & ~busy
        if quiet.any():
            grievance, threshold = self._grievance_and_threshold(rules)
        arrests = []
        for r, (crowd, rule) in enumerate(zip(self.crowds, rules, strict=True)):
            if quiet[r]:
                part = slice(self.bounds[r], self.bounds[r + 1])
                arrests.append(crowd._quiet_day(rule, grievance[part], threshold[part]))
            else:
                arrests.append(crowd._full_day(rule))
        return self._end_of_day(rules[0], arrests)

    def _end_of_day(self, rules: CrowdRules, arrests: list[np.ndarray]) -> list[DayStats]:
        """`RegionCrowd._end_of_day` for every region at once (memory is national)."""
        k = len(self.crowds)
        active = np.flatnonzero(self.state == ACTIVE)
        remember(self.experience, active, rules)
        states = np.bincount(self.region * 3 + self.state, minlength=3 * k).reshape(k, 3)
        where = self.region[active] * 3 + self.kind[active]
        kinds = np.bincount(where, minlength=3 * k).reshape(k, 3)
        cuts = np.searchsorted(active, self.bounds)
        return [
            DayStats(
                active=kinds[r],
                quiet=int(states[r, QUIET]),
                jailed=int(states[r, JAILED]),
                arrests=arrests[r],
                engaged=crowd._engaged(active[cuts[r] : cuts[r + 1]] - self.bounds[r]),
            )
            for r, crowd in enumerate(self.crowds)
        ]

    def _grievance_and_threshold(self, rules: list[CrowdRules]) -> tuple[np.ndarray, np.ndarray]:
        """`grievance_and_threshold` for everyone, with each region's extra hardship and
        contagion; the other inputs are national."""
        first = rules[0]
        national = ("legitimacy", "threshold", "memory_effect", "crime_drive")
        if any(getattr(r, f) != getattr(first, f) for r in rules for f in national):
            raise ValueError(f"Population needs the same {', '.join(national)} in every region")
        extra = np.array([c.hardship_extra for c in self.crowds])[self.region]
        contagion = np.array([r.contagion_signal for r in rules])[self.region]
        return grievance_and_threshold(
            self.hardship, self.is_crime, self.experience, extra, contagion, first
        )
