"""Scenario discovery for the dashboard: PRIM and a random forest (the study engine's
`transition_sim.studies.discover`, not rewritten here) on an ensemble and on a sweep.

- On an ensemble, each run is a case described by its key series on one day
  (`transition_sim.viz.why.cases_on_day`): which early conditions predict an outcome. The
  later the day, the more that state already is the outcome, so the day offered first is the
  first day two outcomes part ways.
- On a sweep, each run is a case described by its parameters (its ``runs/`` table).

It sits in the dashboard layer because `viz` comes before `studies` (tests/test_import_graph.py).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from transition_sim.studies.discover import DiscoveryError, discover
from transition_sim.studies.report import discovery_figures as engine_figures
from transition_sim.viz.figures import style
from transition_sim.viz.report import Section
from transition_sim.viz.results import Results, Sweep
from transition_sim.viz.stats import humanize
from transition_sim.viz.why import (
    MIN_RUNS,
    box_table,
    cases_on_day,
    first_parting_day,
    outcome_classes,
)

__all__ = [
    "DiscoveryError",
    "discovery_figures",
    "report_sections",
    "state_discovery",
    "sweep_discovery",
]


def state_discovery(results: Results, outcome: str, day: int, seed: int = 0) -> dict[str, Any]:
    """PRIM boxes and importances for ``outcome`` over each run's key series on ``day``;
    `DiscoveryError` when nothing can be found."""
    cases, features = cases_on_day(results, day)
    found = discover(cases, features, outcome, seed=seed)
    found["day"] = day
    return found


def sweep_discovery(sweep: Sweep, outcome: str) -> dict[str, Any]:
    """PRIM and importances over a sweep's parameters (its ``runs/`` dataset)."""
    runs_dir = sweep.path / "runs"
    if not runs_dir.exists():
        raise DiscoveryError("this folder keeps no runs/ table: nothing to discover")
    params = sweep.parameters
    runs = pd.read_parquet(runs_dir, columns=[*params, "outcome", "error"])
    seed = int((sweep.spec or {}).get("seed", 0) or 0)
    return discover(runs, params, outcome, seed=seed)


def discovery_figures(found: dict[str, Any], title: str) -> list[go.Figure]:
    """The peeling trajectory and the importances, as the experiment engine's report draws
    them, in this package's style."""
    figs = engine_figures(found)
    prim = found["prim"]
    style(
        figs[0],
        f"PRIM: where {humanize(found['outcome'])} is likely ({title})",
        f"Each point a box on the peeling trajectory; large marker: the chosen box"
        f" ({prim['rule']}). Coverage: share of the outcome's {found['runs']} runs inside the box;"
        " density: share of the box's runs that end in it",
        x="coverage",
        y="density",
        height=420,
    )
    if len(figs) > 1:
        imp = found["importance"]
        style(
            figs[1],
            f"Random forest: what predicts {humanize(found['outcome'])}",
            f"Permutation importance: the drop in held-out ROC AUC when a variable's values are"
            f" shuffled (30% test split, 10 repeats; whiskers: their spread). Held-out AUC"
            f" {imp['auc']:.2f} (0.5: no better than chance)",
            x="drop in ROC AUC",
            height=160 + 28 * len(imp["names"]),
        )
    return figs


def report_sections(output: Results | Sweep) -> list[Section]:
    """PRIM and the forest for the report: on an ensemble, for its second most common outcome
    (the most common one against the rest is its complement) on the first parting day; on a
    sweep, for each outcome that occurs."""
    found: list[tuple[dict[str, Any], str]] = []
    if isinstance(output, Results) and output.runs is not None:
        classes = outcome_classes(output, MIN_RUNS)
        day = first_parting_day(output)
        if len(classes) > 1 and day is not None:
            with contextlib.suppress(DiscoveryError):
                found.append((state_discovery(output, classes[1], day), f"the state on day {day}"))
    elif isinstance(output, Sweep) and output.points is not None and output.parameters:
        from transition_sim.viz.sweeps import occurring

        for outcome in occurring(output):
            with contextlib.suppress(DiscoveryError):
                found.append((sweep_discovery(output, outcome), "over the swept parameters"))
    return [
        Section(
            f"Scenario discovery: {humanize(f['outcome'])} ({title})",
            f"{f['share']:.0%} of {f['runs']} runs end in {humanize(f['outcome'])}. PRIM's"
            f" boxes: coverage is the share of those runs inside, density the share of the"
            f" box's runs that end in it; chosen: {f['prim']['rule']}.",
            [*discovery_figures(f, title), box_table(f).to_html(index=False, border=0)],
        )
        for f, title in found
    ]
