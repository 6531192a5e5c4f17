"""Watching one replication: the grids are those of the very run the ensemble holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario import load_scenario
from transition_sim.viz import watch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("watch")
    path = folder / "short.yaml"
    path.write_text(
        # the agents' baseline (blocks' watch view: tests/test_priors_blocks24.py)
        f"extends: {ROOT / 'tests' / 'agents_baseline.yaml'}\n"
        "name: short\ndays: 15\nreplications: 3\nseed: 11\n",
        encoding="utf-8",
    )
    return load_scenario(path)


def test_rerun_reproduces_each_stored_replication(short) -> None:
    ensemble = run_ensemble(short, workers=1)
    for row in ensemble.runs.itertuples():
        snaps = watch.watch_replication(ensemble.scenario, int(row.replication))
        assert snaps.seed == row.seed
        assert snaps.outcome == row.outcome
        for name, value in snaps.metrics.items():
            stored = getattr(row, name)
            assert (np.isnan(value) and np.isnan(stored)) or value == stored, name
        events = ensemble.events[ensemble.events["replication"] == row.replication]
        assert [(d, a, k) for d, a, k, _ in snaps.events] == list(
            zip(events["day"], events["actor"], events["action"], strict=True)
        )


def test_grids_count_what_the_timeseries_counts(short) -> None:
    ensemble = run_ensemble(short.model_copy(update={"replications": 1}), workers=1)
    snaps = watch.watch_replication(ensemble.scenario, 0)
    ts = ensemble.timeseries
    for r, region in enumerate(snaps.regions):
        rows = ts[ts["region"] == region].sort_values("day")
        for k, day in enumerate(snaps.days):
            grid = snaps.grids[r][k]
            row = rows[rows["day"] == day].iloc[0]
            assert (grid == watch.QUIET_CODE).sum() == row["quiet"]
            assert (grid == watch.JAILED_CODE).sum() == row["jailed"]
            for i, kind in enumerate(("peaceful", "violent", "crime")):
                assert (grid == watch.FIRST_ACTIVE + i).sum() == row[f"active_{kind}"]


def test_memory_bound_keeps_every_kth_day(short) -> None:
    cells = 8_473  # the baseline's seven grids
    snaps = watch.watch_replication(short, 0, max_bytes=5 * cells)
    assert snaps.nbytes <= 6 * cells  # every third day of 15, and the last
    assert snaps.days[-1] == short.days - 1 and snaps.stride == 3
    assert snaps.index(4) == snaps.days.index(3)


def test_epstein_grid_uses_mesa_colours() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "epstein_model1.yaml")
    snaps = watch.watch_replication(scenario, 0, days=30)
    fig = watch.grid_figure(snaps, 29)
    legend = {t.name: t.marker.color for t in fig.data if t.type == "scatter"}
    assert legend["quiet"] == "#648FFF" and legend["police unit, obeying"] == "#000000"
    assert legend.get("active (peaceful)", "#FE6100") == "#FE6100"
    heat = fig.data[0]
    assert heat.z.shape == (40, 40)
    assert (np.asarray(heat.z) >= watch.FIRST_UNIT).sum() == 118
