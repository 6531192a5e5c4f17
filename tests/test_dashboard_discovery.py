"""Scenario discovery in the dashboard and the report: the engine's PRIM and forest, drawn."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from synthetic_sweep import X, write_sweep

from transition_sim.dashboard.discovery import report_sections
from transition_sim.viz.results import load_sweep


def test_report_sections_carry_the_trajectory_and_the_chosen_box(tmp_path: Path) -> None:
    # SYNTHETIC FIXTURE: "holds" grows with X (and Y), "falls" is its complement
    sections = report_sections(load_sweep(write_sweep(tmp_path / "sweep")))
    assert [s.title.split(" (")[0] for s in sections] == [
        "Scenario discovery: holds",
        "Scenario discovery: falls",
    ]
    holds = sections[0]
    trajectory = next(p for p in holds.parts if isinstance(p, go.Figure))
    assert len(trajectory.data[0].x) >= 2  # boxes peeled
    box = next(p for p in holds.parts if isinstance(p, str))
    assert X in box  # the box restricts the KNB's loyalty, the parameter "holds" rises with
