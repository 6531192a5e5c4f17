"""Watch one replication on its grids: the replication is run again from its seed, and each
region's grid is kept day by day as a compact snapshot.

A result folder keeps counts, not grids. But a replication is a pure function of (scenario,
seed), and replication ``i`` of an ensemble seeded with ``s`` has the seed
``replication_seed(s, i)`` (the runner's own derivation), so running it again gives back the
very run the folder holds, grids included (`watch_replication` checks the outcome against the
folder's when one is given).

A snapshot is one ``int8`` array per region and day, one cell per grid cell, holding a `CODES`
code: empty, quiet, active (by kind), jailed, or a security unit (by faction, and whether it
obeys that day). A block of residents (a crowd of blocks, docs/ODD.md §7.13) is drawn as the
largest group of its people (`block_codes`); a unit, which stands at a point, in the cell of
that point. Memory: the grids cost ``days x sum(side²)`` bytes (the Kazakhstan baseline:
60 x 8,473 cells, about 0.5 MB; Epstein's 40 x 40 grid over 500 days: 0.8 MB). Longer or larger
runs keep every k-th day so that a replication stays under `MAX_BYTES`; the dashboard keeps the
snapshots of a few replications at a time (`transition_sim.dashboard.why_callbacks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from transition_sim.core.blocks import BlockCrowd
from transition_sim.core.crowd import ACTIVE, KINDS, QUIET
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, first_of_draw
from transition_sim.scenario.schema import Scenario
from transition_sim.viz.figures import style

MAX_BYTES = 32_000_000  # grid bytes kept per replication (beyond it: every k-th day)
EMPTY, QUIET_CODE, JAILED_CODE = 0, 1, 2
FIRST_ACTIVE = 3  # 3, 4, 5: active peaceful, violent, crime (KINDS order)
FIRST_UNIT = FIRST_ACTIVE + len(KINDS)  # then per faction slot: obeying, not obeying
# Mesa's Epstein example (mesa.examples.advanced.epstein_civil_violence.app): actives
# #FE6100, quiet #648FFF, jailed #808080, cops black, on white. Other kinds of active and
# factions take further colours of the same colour-blind-safe (IBM) palette and dark shades.
BASE_COLORS = ["#ffffff", "#648FFF", "#808080", "#FE6100", "#DC267F", "#785EF0"]
OBEY_COLORS = ["#000000", "#4d3319", "#1b4d3e", "#2f2f6b", "#5a5a5a", "#6b2f2f"]
TURNED_COLORS = ["#FFB000", "#e6d200", "#b5e61d", "#f08c00", "#ffd966", "#c9a227"]
COLUMNS = 3  # regions per row of the figure
MAX_HOVER_CELLS = 40_000  # cells of all grids beyond which hover shows the code, not its name

__all__ = [
    "MAX_BYTES",
    "Snapshots",
    "code_names",
    "color_of",
    "grid_figure",
    "run_uncertainty",
    "snapshot",
    "watch_replication",
]


@dataclass
class Snapshots:
    """One replication's grids day by day, and what it needs to be drawn and checked."""

    replication: int
    seed: int
    regions: list[str]
    sides: list[int]
    days: list[int]  # the days kept (every `stride`-th day of the run, and the last)
    grids: list[np.ndarray]  # per region: (len(days), side, side) int8 codes
    factions: list[str]  # faction slots of the unit codes (the patron last, if any)
    stances: list[list[str]]  # per day kept: each faction's stance at the end of the day
    outcome: str
    metrics: dict[str, float]
    events: list[tuple[int, str, str, str]] = field(default_factory=list)
    stride: int = 1

    @property
    def nbytes(self) -> int:
        return sum(g.nbytes for g in self.grids)

    def index(self, day: int) -> int:
        """The position of the kept day closest to ``day`` (at or before it)."""
        return max(0, int(np.searchsorted(self.days, day, side="right")) - 1)


def code_names(factions: list[str]) -> list[str]:
    """A name per code (the legend's)."""
    names = ["empty", "quiet", "jailed"] + [f"active ({k})" for k in KINDS]
    for faction in factions:
        names += [f"{faction} unit, obeying", f"{faction} unit, not obeying"]
    return names


def color_of(code: int) -> str:
    if code < FIRST_UNIT:
        return BASE_COLORS[code]
    slot, turned = divmod(code - FIRST_UNIT, 2)
    palette = TURNED_COLORS if turned else OBEY_COLORS
    return palette[slot % len(palette)]


def snapshot(model: TransitionModel, region: int) -> np.ndarray:
    """The codes of one region's grid now: a (side, side) int8 array, row = x, column = y."""
    crowd = model.crowds[region]
    side, n = crowd.side, crowd.n
    cells = np.full(side * side, EMPTY, dtype=np.int8)
    citizens = crowd.pos[:n]
    if isinstance(crowd, BlockCrowd):
        cells[citizens] = block_codes(crowd)
    else:
        state = np.asarray(crowd.state)
        kind = np.asarray(crowd.kind)
        codes = np.where(state == QUIET, QUIET_CODE, JAILED_CODE).astype(np.int8)
        active = state == ACTIVE
        codes[active] = FIRST_ACTIVE + kind[active]
        cells[citizens] = codes
    units = crowd.pos[n:]
    slot = np.asarray(crowd.unit_faction).copy()
    slot[slot < 0] = len(model.factions)  # the patron's units (faction index -1)
    deters = np.asarray(crowd.unit_deters, dtype=bool)
    cells[units] = (FIRST_UNIT + 2 * slot + (~deters)).astype(np.int8)
    return cells.reshape(side, side)


def block_codes(crowd: BlockCrowd) -> np.ndarray:
    """A block of residents (``crowd.representation: blocks``) holds shares of its people, not
    one state: it is drawn as its largest group, quiet, jailed or active of a kind (ties: the
    first of them in that order). One code per block, in block order."""
    active = np.asarray(crowd.active)[: crowd.n]  # share of the block's people, by kind
    jailed = np.asarray(crowd.jailed)[: crowd.n].sum(axis=1)
    quiet = 1.0 - active.sum(axis=1) - jailed
    groups = np.column_stack([quiet, jailed, active])  # QUIET_CODE, JAILED_CODE, FIRST_ACTIVE..
    return (QUIET_CODE + groups.argmax(axis=1)).astype(np.int8)


def run_uncertainty(manifest: dict[str, Any]) -> tuple[Uncertainty | None, str]:
    """What a results folder's replications drew (its manifest's ``uncertainty``, as
    `ensemble.uncertainty.describe` wrote it), rebuilt so that a watched replication is the
    stored run: (the draws, "") or (None, why not): point values, or a registry or posterior
    that is no longer the one the run drew from."""
    from transition_sim.claims import ROOT, load_priors
    from transition_sim.ensemble.uncertainty import describe
    from transition_sim.scenario.posterior import read_posterior

    said = manifest.get("uncertainty") or {"mode": "point"}
    mode = said.get("mode", "point")
    if mode == "point":
        return None, ""
    try:
        source = Path(said["source"])
        registry = load_priors(ROOT / source if mode == "prior" else None)
        spd = int(said["seeds_per_draw"])
        if mode == "prior":
            drawn = Uncertainty(registry.priors, registry.coupled, spd, said["source"])
        else:
            posterior = read_posterior(source)
            drawn = Uncertainty((), registry.coupled, spd, posterior.file, posterior)
    except Exception as err:  # a registry or posterior gone or broken since the run
        return None, f"its {mode} draws cannot be read again ({type(err).__name__}: {err})"
    now = describe(drawn)
    for key in ("priors_hash", "posterior_sha256", "coupled_hash"):
        if key in said and said[key] != now.get(key):
            return None, f"its {mode} draws changed since the run ({key})"
    return drawn, ""


def watch_replication(
    scenario: Scenario,
    replication: int,
    base_seed: int | None = None,
    days: int | None = None,
    max_bytes: int = MAX_BYTES,
    uncertainty: Uncertainty | None = None,
) -> Snapshots:
    """Run replication ``replication`` of ``scenario`` (seeded as the ensemble runner seeds it
    from ``base_seed``, default the scenario's seed; with ``uncertainty``, at the parameters of
    its draw, as `ensemble.runner.run_one` runs it) and keep its grids after every day."""
    base = scenario.seed if base_seed is None else base_seed
    seed = replication_seed(base, replication)
    if uncertainty is not None:
        first = first_of_draw(replication, uncertainty.seeds_per_draw)
        scenario = drawn_scenario(scenario, replication_seed(base, first), uncertainty)
    model = TransitionModel(scenario, seed=seed)
    total = scenario.days if days is None else min(days, scenario.days)
    sides = [c.side for c in model.crowds]
    cells = sum(s * s for s in sides)
    stride = max(1, math.ceil(total * cells / max_bytes))
    kept = sorted({*range(0, total, stride), total - 1}) if total > 0 else []
    grids = [np.zeros((len(kept), s, s), dtype=np.int8) for s in sides]
    stances: list[list[str]] = []
    k = 0
    for day in range(total):
        model.run_for(1)  # the days as `TransitionModel.run` runs them, one at a time
        if k < len(kept) and day == kept[k]:
            for r in range(len(sides)):
                grids[r][k] = snapshot(model, r)
            stances.append([f.stance for f in model.factions])
            k += 1
    result = model.result()
    factions = [f.name for f in model.factions]
    if scenario.patron.enabled:
        factions.append(scenario.patron.name)
    return Snapshots(
        replication=replication,
        seed=seed,
        regions=[r.name for r in scenario.regions],
        sides=sides,
        days=kept,
        grids=grids,
        factions=factions,
        stances=stances,
        outcome=result.outcome,
        metrics=dict(result.metrics),
        events=list(model.events),
        stride=stride,
    )


def _colorscale(n: int) -> list[list[float | str]]:
    """A discrete colour scale: code c (z from -0.5 to n - 0.5) gets colour_of(c)."""
    scale: list[list[float | str]] = []
    for c in range(n):
        scale += [[c / n, color_of(c)], [(c + 1) / n, color_of(c)]]
    return scale


def _hover(names: list[str], grid: np.ndarray, stances: list[str], factions: list[str]) -> list:
    labels = list(names)
    for i, stance in enumerate(stances):
        for turned in (0, 1):
            labels[FIRST_UNIT + 2 * i + turned] += f" (faction: {stance.replace('_', ' ')})"
    lookup = np.array(labels, dtype=object)
    return lookup[grid].tolist()


def grid_figure(snaps: Snapshots, day: int, title: str = "") -> go.Figure:
    """Every region's grid on ``day`` (the kept day at or before it), one heat map each, with
    a legend of the codes present in the run."""
    k = snaps.index(day)
    shown = snaps.days[k] if snaps.days else day
    names = code_names(snaps.factions)
    n = len(names)
    regions = len(snaps.regions)
    cols = min(COLUMNS, regions)
    rows = math.ceil(regions / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[
            f"{name} ({s}×{s})" for name, s in zip(snaps.regions, snaps.sides, strict=True)
        ],
        horizontal_spacing=0.04,
        vertical_spacing=0.08 / max(1, rows - 1) if rows > 1 else 0.0,
    )
    stances = snaps.stances[k] if snaps.stances else []
    present: set[int] = set()
    for r, grid in enumerate(snaps.grids):
        frame = grid[k]
        present.update(int(c) for c in np.unique(frame))
        row, col = divmod(r, cols)
        fig.add_heatmap(
            z=frame,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=_colorscale(n),
            showscale=False,
            # a label per cell costs ~20 bytes each sent on every step: large grids go without
            text=_hover(names, frame, stances[: len(snaps.factions)], snaps.factions)
            if sum(s * s for s in snaps.sides) <= MAX_HOVER_CELLS
            else None,
            hovertemplate=f"{snaps.regions[r]}, cell (%{{y}}, %{{x}}): "
            + ("%{text}" if sum(s * s for s in snaps.sides) <= MAX_HOVER_CELLS else "code %{z}")
            + "<extra></extra>",
            xgap=0,
            ygap=0,
            name=snaps.regions[r],
            row=row + 1,
            col=col + 1,
        )
        axis = "" if r == 0 else str(r + 1)
        fig.update_xaxes(visible=False, constrain="domain", row=row + 1, col=col + 1)
        fig.update_yaxes(
            visible=False,
            scaleanchor=f"x{axis}",
            autorange="reversed",
            constrain="domain",
            row=row + 1,
            col=col + 1,
        )
    for code in sorted(present - {EMPTY}):
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"symbol": "square", "size": 12, "color": color_of(code)},
            name=names[code],
            showlegend=True,
        )
    stride = f"; every {snaps.stride}th day is kept" if snaps.stride > 1 else ""
    faction_text = ", ".join(
        f"{f} {s.replace('_', ' ')}" for f, s in zip(snaps.factions, stances, strict=False)
    )
    style(
        fig,
        title or f"Replication {snaps.replication} on day {shown}",
        f"Outcome: {snaps.outcome.replace('_', ' ')}; seed {snaps.seed}. One cell per grid"
        f" cell at the end of the day. Factions: {faction_text}{stride}",
        height=120 + 330 * rows,
    )
    top = fig.layout.margin.t or 80
    fig.update_layout(
        meta={"day": shown, "replication": snaps.replication},
        margin={"t": top + 30},  # room for the first row's region names under the subtitle
        height=fig.layout.height + 30,
    )
    return fig
