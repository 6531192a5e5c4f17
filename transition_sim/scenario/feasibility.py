"""Can a validated scenario run? Grids that hold their agents, and memory a replication needs.

The schema checks each value on its own; this module checks what `run` would otherwise find out
only once it has started: that every region's citizens and security units fit on its grid, and
that one replication fits in memory. `load_scenario` calls `check_feasible`, so `validate` and
`run` refuse the same files, before anything is simulated.

Grids are computed as the model builds them (`scenario.geometry.grid_side` and `split_units`: each
faction's units split by its deployment or by urban population, the patron's by the weight of
each region's sites). Memory is an estimate (`estimate_memory`), checked against measured peaks
in tests/test_feasibility.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import psutil

from transition_sim.scenario.geometry import grid_side, split_units
from transition_sim.scenario.schema import Crowd, Scenario

GiB = 2**30
# One replication may need at most this much memory, whatever the machine (README "Limits").
MAX_REPLICATION_BYTES = 32 * GiB
# Cells of one grid: the crowd indexes cells with int32 (`core.crowd.neighbor_table`).
MAX_CELLS = 2**31 - 1
# Largest magnitude of a parameter with a fraction (a float). No parameter means anything
# larger, and 1e308 in a rate or weight overflows the model's arithmetic.
MAX_FLOAT = 1e9

# (dotted field, message): a problem for the loader to locate in the file.
Problem = tuple[str, str]


@dataclass(frozen=True)
class Grid:
    """One region as the model builds it: a side x side torus and the agents on it."""

    side: int
    citizens: int
    units: dict[str, int]  # security units of each faction deployed here
    patron_units: int  # the patron's units here, once deployed
    offsets: int  # cells in a citizen's vision: the columns of the neighbour table

    @property
    def cells(self) -> int:
        return self.side * self.side

    @property
    def agents(self) -> int:
        return self.citizens + sum(self.units.values()) + self.patron_units


def vision_offsets(radius: int, shape: str, side: int) -> int:
    """Cells in vision on a side x side torus, the centre excluded; offsets that wrap onto one
    cell count once (as in `core.crowd.neighborhood_offsets`)."""
    if side > 2 * radius:
        return 2 * radius * (radius + 1) if shape == "von_neumann" else (2 * radius + 1) ** 2 - 1
    r = range(-radius, radius + 1)
    seen = {
        (dx % side, dy % side)
        for dx in r
        for dy in r
        if shape == "moore" or abs(dx) + abs(dy) <= radius
    }
    return len(seen - {(0, 0)})


def grids(scenario: Scenario) -> list[Grid]:
    """Every region's grid and agents, as `TransitionModel._build_regions` and
    `deploy_patron_units` make them. Needs grids of finite size (see `check_feasible`)."""
    sc = scenario
    names = [r.name for r in sc.regions]
    pops = np.array([r.urban_population for r in sc.regions], dtype=float)
    units = {
        name: split_units(
            sc.faction_units(name),
            pops
            if spec.deployment is None
            else np.array([spec.deployment.get(n, 0.0) for n in names]),
        )
        for name, spec in sc.factions.items()
    }
    weights = np.array([sum(s.weight for s in r.sites) for r in sc.regions], dtype=float)
    if weights.sum() == 0:
        weights[:] = 1.0
    patron = split_units(sc.patron_units(), weights) if sc.patron.enabled else [0] * len(names)
    out = []
    for i, region in enumerate(sc.regions):
        side = grid_side(
            region.urban_population, sc.scale.people_per_agent, sc.crowd.citizen_density
        )
        out.append(
            Grid(
                side=side,
                citizens=round(sc.crowd.citizen_density * side * side),
                units={name: int(split[i]) for name, split in units.items()},
                patron_units=int(patron[i]),
                offsets=vision_offsets(sc.vision_cells(), sc.crowd.neighborhood, side),
            )
        )
    return out


# Bytes per item in `estimate_memory`, read off the numpy arrays of core/crowd.py and
# core/model.py, and checked against measured peaks (tests/test_feasibility.py).
TABLE_BYTES = 4  # per cell and offset: the int32 neighbour table, cached per grid size
TABLE_BUILD_BYTES = 20  # per cell and offset while a table is built: int64 temporaries that
#                         exist beside it before it is cast (measured peak: 24 bytes in all)
CELL_BYTES = 16  # per cell: who occupies it; the two running tallies (deterring units, actives)
CELL_WORK_BYTES = 8  # per cell, transient: a permutation of the cells; the kernel's day buffers
CITIZEN_BYTES = 56  # per citizen: kind, hardship, risk aversion, state, jail, memory, position
CITIZEN_BUILD_BYTES = 48  # per citizen, transient: the draws before they are clipped and cast
UNIT_BYTES = 24  # per unit: position, faction, whether it deters and follows its faction
# A crowd of blocks (core/blocks.py, `crowd.representation: blocks`) holds per block, as float64:
# its kinds' shares (3), traits (6), active (3) and jailed (3) shares, experience (1) and its
# jail, a ring of release days by kind (3 x (max_jail_term + 2)); counted beside the agents'
# terms (the baseline's blocks: measured 15.2 MB against 11.7 MB estimated without them).
BLOCK_FLOATS = 16
ROW_BYTES = 400  # per row of the time series (day x region, and "all"), while it is built
CHAR_BYTES = 4  # per character of a text column's row (office, each faction's stance): numpy's
#                fixed-width strings (measured: 2.8 bytes a character, 3,650 days, names of 64)
DAY_BYTES = 520  # per day: its records (the day's counts by region, deaths, the national values)
NETWORK_BYTES = 16  # per pair of regions: the adjacency matrix and its row-normalized copy
FIXED_BYTES = 2 * 2**20  # the model, its actors and the fixed costs of the result tables
MARGIN = 1.1  # for allocator overhead and what the terms leave out


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak bytes of one replication, the part of each component, and the costliest region."""

    total: int
    parts: dict[str, int]
    region: int  # index of the region whose grid costs most


def estimate_memory(scenario: Scenario, regions: list[Grid] | None = None) -> MemoryEstimate:
    """The peak memory one replication of `scenario` allocates, in bytes.

    The model builds its regions one after another, then steps them one after another each day.
    For a region with C cells, K cells in vision, n citizens and m units (security and patron):

        table      = 4 C K           the int32 neighbour table, kept (one per grid size)
        held       = 16 C + 56 n + 24 m   the region's arrays (agents, occupancy, tallies), kept
        building   = 24 C K + 8 C + 48 n  while its table is built (int64 temporaries, before
                                          the table exists) and its citizens drawn
        day        = 8 C             the compiled kernel's buffers for a region's day

    With R regions and D days, the peak is the larger of
    - building region r: the tables and arrays of the regions before it + building(r);
    - running: every table and array, + with more than one region a copy of every region's
      table (4 C K each: the population's flat table, core/population.py), + the largest day
      + the time series, 370 D (R + 1) +
      500 D, + its text columns (the office and each of F factions' stance, as wide as the
      longest camp name L), 4 (L + 10) (F + 1) D (R + 1), + the region network, 16 R^2;
    and the estimate is 1.1 (peak + 2 MiB), for the model's fixed costs and allocator overhead.

    Beyond small scenarios the neighbour tables dominate (24 C K while one is built). This is
    the one place that knows the crowd's memory layout: keep it in step with core/crowd.py.
    """
    sc = scenario
    regions = grids(sc) if regions is None else regions
    tables: set[tuple[int, int]] = set()
    held = {"neighbour tables": 0, "grids and agents": 0}
    peak = {"building": 0}
    costliest, days = 0, []
    for i, g in enumerate(regions):
        n, m, k = g.citizens, g.agents - g.citizens, g.offsets
        new_table = (g.side, k) not in tables
        build = CELL_WORK_BYTES * g.cells + CITIZEN_BUILD_BYTES * n
        build += (TABLE_BYTES + TABLE_BUILD_BYTES) * g.cells * k if new_table else 0
        if sum(held.values()) + build > sum(peak.values()):
            peak, costliest = {**held, "building": build}, i
        tables.add((g.side, k))
        held["neighbour tables"] += TABLE_BYTES * g.cells * k if new_table else 0
        held["grids and agents"] += CELL_BYTES * g.cells + CITIZEN_BYTES * n + UNIT_BYTES * m
        held["grids and agents"] += block_bytes(sc) * n
        days.append(CELL_WORK_BYTES * g.cells)
    running = {
        **held,
        "flat tables": TABLE_BYTES * sum(g.cells * g.offsets for g in regions)
        if len(regions) > 1
        else 0,
        "a day": max(days),
        "time series": sc.days * (ROW_BYTES * (len(regions) + 1) + DAY_BYTES)
        + sc.days * (len(regions) + 1) * text_row_bytes(sc),
        "region network": NETWORK_BYTES * len(regions) ** 2,
    }
    if sum(running.values()) > sum(peak.values()):
        peak, costliest = running, int(np.argmax(days))
    parts = {**peak, "fixed": FIXED_BYTES}
    return MemoryEstimate(round(MARGIN * sum(parts.values())), parts, costliest)


def block_bytes(scenario: Scenario) -> int:
    """Bytes per citizen agent that a crowd of blocks holds beyond the agents' terms (0 for
    agents): `BLOCK_FLOATS` float64 and the jail ring's 3 x (max_jail_term + 2)."""
    if scenario.crowd.representation != "blocks":
        return 0
    return 8 * (BLOCK_FLOATS + 3 * (scenario.crowd.max_jail_term + 2))


def text_row_bytes(scenario: Scenario) -> int:
    """Bytes per time-series row of its text columns: the office holder and each faction's
    stance (``side_with_<camp>`` at the longest), fixed-width arrays as wide as the longest."""
    longest = max(len(c.name) for c in scenario.camps) + len("side_with_")
    return CHAR_BYTES * longest * (len(scenario.factions) + 1)


def check_feasible(
    scenario: Scenario, *, available: int | None = None, workers: int = 1
) -> list[Problem]:
    """What stops `scenario` from running, as (field, message) pairs; empty if it can run.

    Checked in order, stopping at the first kind that fails: floats of at most `MAX_FLOAT`;
    grids of at most `MAX_CELLS` cells; agents that fit on their grids; `workers` replications
    at once that fit in memory, one needing at most `MAX_REPLICATION_BYTES` and all together at
    most `available` bytes (default: what the machine has available now).
    """
    problems = _huge_floats(scenario.model_dump())
    if problems:
        return problems
    problems = _grid_sizes(scenario)
    if problems:
        return problems
    regions = grids(scenario)
    problems = _no_citizens(scenario, regions) or _crowding(scenario, regions)
    if problems:
        return problems
    if available is None:
        available = psutil.virtual_memory().available
    return _memory(scenario, regions, available, workers)


def _huge_floats(value: object, path: str = "") -> list[Problem]:
    """Float parameters beyond `MAX_FLOAT` in magnitude (integers are bounded by the loader)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _huge_floats(v, f"{path}.{k}".lstrip("."))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _huge_floats(v, f"{path}.{i}")]
    if isinstance(value, float) and abs(value) > MAX_FLOAT:
        return [(path, f"{value:g} is too large: no parameter means more than {MAX_FLOAT:g}")]
    return []


def _blame_density(scenario: Scenario, fits: Callable[[Scenario], bool]) -> bool:
    """Whether the crowd density, not the population, is to blame: whether `fits(scenario)`
    holds at the default density."""
    default = Crowd.model_fields["citizen_density"].default
    if scenario.crowd.citizen_density >= default:
        return False
    crowd = scenario.crowd.model_copy(update={"citizen_density": default})
    return fits(scenario.model_copy(update={"crowd": crowd}))


def _grid_sizes(scenario: Scenario) -> list[Problem]:
    """Regions whose grid would have more than `MAX_CELLS` cells (or more than floats hold)."""
    sc = scenario
    problems = []
    for i, region in enumerate(sc.regions):
        if _side(sc, i) ** 2 <= MAX_CELLS:
            continue
        field = (
            "crowd.citizen_density"
            if _blame_density(sc, lambda s, i=i: _side(s, i) ** 2 <= MAX_CELLS)
            else f"regions.{i}.urban_population"
        )
        density = sc.crowd.citizen_density
        citizens = region.urban_population / sc.scale.people_per_agent
        problems.append(
            (
                field,
                f"region {region.name!r} needs a grid of {_number(citizens / density)} cells"
                f" ({_number(citizens)} citizens at a density of {density:g});"
                f" a grid holds at most {MAX_CELLS:,}: raise scale.people_per_agent or"
                " crowd.citizen_density",
            )
        )
    return problems


def _side(scenario: Scenario, i: int) -> float:
    """The side of region `i`'s grid, or inf where it exceeds what floats hold."""
    region, sc = scenario.regions[i], scenario
    try:
        cells = region.urban_population / sc.scale.people_per_agent / sc.crowd.citizen_density
    except OverflowError:
        return math.inf
    if not math.isfinite(cells) or cells > 2**62:
        return math.inf
    return grid_side(region.urban_population, sc.scale.people_per_agent, sc.crowd.citizen_density)


def _number(x: float) -> str:
    if not math.isfinite(x):
        return "more than 10^308"
    return f"{x:,.0f}" if x < 1e12 else f"{x:.3g}"


def _no_citizens(scenario: Scenario, regions: list[Grid]) -> list[Problem]:
    """Regions whose grid holds no citizen: their active share is 0/0 (NaN in every region's
    contagion signal) and blocks cannot share out their residents."""
    sc = scenario
    return [
        (
            f"regions.{i}.urban_population",
            f"region {sc.regions[i].name!r} has no citizen: its {g.side}x{g.side} grid at"
            f" crowd.citizen_density {sc.crowd.citizen_density:g} holds none of its"
            f" {sc.regions[i].urban_population:,} residents at {sc.scale.people_per_agent:,}"
            " people per agent; raise its urban_population or lower scale.people_per_agent",
        )
        for i, g in enumerate(regions)
        if g.citizens < 1
    ]


def _crowding(scenario: Scenario, regions: list[Grid]) -> list[Problem]:
    """Regions whose citizens and units (the patron's too, once deployed) outnumber cells.
    None with a crowd of blocks: its units stand at points, not on cells (core/blocks.py), and
    its blocks, as many as the citizens, fit at any density of at most 1."""
    if scenario.crowd.representation == "blocks":
        return []
    problems = []
    for i, g in enumerate(regions):
        if g.agents <= g.cells:
            continue
        name = scenario.regions[i].name
        sources = {_size_field(scenario, f): (f, k) for f, k in g.units.items()}
        per_capita = scenario.patron.units_per_1000 is not None
        sources["patron.units_per_1000" if per_capita else "patron.units"] = (
            "patron",
            g.patron_units,
        )
        field = max(sources, key=lambda s: sources[s][1])  # the largest contingent here
        units = ", ".join(f"{k:,} {label}" for label, k in sources.values() if k)
        problems.append(
            (
                field,
                f"{g.agents:,} agents do not fit on the {g.side}x{g.side} grid ({g.cells:,}"
                f" cells) of region {name!r}: {g.citizens:,} citizens and {units} units;"
                " deploy fewer units there or raise its urban_population",
            )
        )
    return problems


def _size_field(scenario: Scenario, faction: str) -> str:
    """The field that sets a faction's number of units."""
    per_capita = scenario.factions[faction].units_per_1000 is not None
    return f"factions.{faction}.{'units_per_1000' if per_capita else 'units'}"


def _memory(scenario: Scenario, regions: list[Grid], available: int, workers: int) -> list[Problem]:
    """A replication that needs more than `MAX_REPLICATION_BYTES`, or `workers` of them more
    than `available` bytes."""
    need = estimate_memory(scenario, regions)
    if need.total <= MAX_REPLICATION_BYTES and workers * need.total <= available:
        return []
    if need.total > MAX_REPLICATION_BYTES:
        limit = f"the limit of {_bytes(MAX_REPLICATION_BYTES)} per replication"
    elif workers == 1:
        limit = f"the {_bytes(available)} this machine has available"
    else:
        limit = f"the {_bytes(available)} this machine has available for {workers} workers"
    g, i = regions[need.region], need.region
    part = max(need.parts, key=need.parts.__getitem__)
    where = (
        f"mostly for the {part}"
        if part in ("time series", "region network")
        else f"mostly for region {scenario.regions[i].name!r}: a {g.side}x{g.side} grid with"
        f" {g.offsets} cells in each citizen's vision"
    )
    field = {"time series": "days", "region network": "regions"}.get(part)
    if field is None:
        field = (
            "crowd.citizen_density"
            if _blame_density(scenario, lambda s: estimate_memory(s).total <= MAX_REPLICATION_BYTES)
            else f"regions.{i}.urban_population"
        )
    return [
        (
            field,
            f"one replication needs about {_bytes(need.total)} of memory, more than {limit}"
            f" ({where}); raise scale.people_per_agent, lower crowd.vision (or"
            " vision_people), or simulate fewer people",
        )
    ]


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 2**10:.1f} KiB"
