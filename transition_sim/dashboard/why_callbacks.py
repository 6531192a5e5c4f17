"""The callbacks of the "why" views: watching one replication on its grids, the time charts
split by outcome, and scenario discovery on sweeps. Registered from `app.create_app` by
`register_why_callbacks`; the tab bodies are in `views`."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from transition_sim.dashboard import discovery, views
from transition_sim.dashboard.callbacks import cached_output
from transition_sim.dashboard.workspace import Workspace
from transition_sim.viz.results import Results, Sweep
from transition_sim.viz.sweeps import morris_chart, sobol_chart
from transition_sim.viz.watch import Snapshots, grid_figure, run_uncertainty, watch_replication

# Snapshots of this many replications are kept (each at most `watch.MAX_BYTES`, the baseline's
# about 0.5 MB); older ones are run again when asked for.
WATCHED = 4
PLAY, PAUSE = "▶ play", "❚❚ pause"

__all__ = ["register_why_callbacks"]


@lru_cache(maxsize=WATCHED)
def _snapshots(folder: str, replication: int) -> Snapshots:
    results = cached_output(folder)
    assert isinstance(results, Results) and results.scenario is not None
    base = int(results.summary.get("seed", results.scenario.seed))
    drawn, _ = _draws(folder)  # a run that drew its parameters: the replication's draw
    return watch_replication(results.scenario, replication, base, uncertainty=drawn)


@lru_cache(maxsize=WATCHED)
def _draws(folder: str) -> tuple[Any, str]:
    """`watch.run_uncertainty` of the folder's manifest: (its draws or None, why not)."""
    results = cached_output(folder)
    assert isinstance(results, Results)
    return run_uncertainty(results.manifest)


@lru_cache(maxsize=16)
def _state_discovery(folder: str, outcome: str, day: int) -> dict[str, Any] | str:
    results = cached_output(folder)
    assert isinstance(results, Results)
    try:
        return discovery.state_discovery(results, outcome, day)
    except discovery.DiscoveryError as err:
        return f"Nothing to discover on day {day}: {err}."


@lru_cache(maxsize=16)
def _sweep_discovery(folder: str, outcome: str) -> dict[str, Any] | str:
    sweep = cached_output(folder)
    assert isinstance(sweep, Sweep)
    try:
        return discovery.sweep_discovery(sweep, outcome)
    except discovery.DiscoveryError as err:
        return f"Nothing to discover: {err}."


def _clicked_day(click: dict[str, Any] | None) -> int | None:
    """The day of a clicked timeline mark: an event's day, or a bar's first day."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    data = points[0].get("customdata")
    if isinstance(data, list):
        data = data[0] if data else None
    return int(data) if isinstance(data, int | float) else None


def register_why_callbacks(app: Dash, workspace: Workspace) -> None:
    def results(key: str | None) -> Results | None:
        path = workspace.outputs().get(key or "")
        output = cached_output(str(path)) if path is not None else None
        return output if isinstance(output, Results) else None

    @app.callback(
        Output("watch-grid", "children"),
        Output("watch-day-text", "children"),
        Input("watch-day", "value"),
        State("replication", "value"),
        State("results-a", "value"),
    )
    def watch_grid(day: int | None, replication: int | None, key: str | None) -> Any:
        shown = results(key)
        if shown is None or replication is None or shown.scenario is None:
            raise PreventUpdate
        snaps = _snapshots(str(shown.path), int(replication))
        note = ""
        stored = shown.runs
        if stored is not None and "seed" in stored:
            row = stored[stored["replication"] == int(replication)]
            if len(row) and int(row["seed"].iloc[0]) != snaps.seed:
                note = " (this folder's seed differs from the derived one: not the same run)"
            elif len(row) and str(row["outcome"].iloc[0]) != snaps.outcome:
                note = " (the re-run ends differently from the stored run: another model version?)"
        _, why = _draws(str(shown.path))
        if why:  # the re-run is at the scenario's point values, not the stored run's draw
            note = f" (at the scenario's point values, not this run's draw: {why})"
        fig = grid_figure(snaps, int(day or 0))
        return views.graph(fig, "watch-figure"), f"day {fig.layout.meta['day']}{note}"

    @app.callback(
        Output("watch-day", "value"),
        Output("watch-timer", "disabled", allow_duplicate=True),
        Output("watch-play", "children", allow_duplicate=True),
        Input("watch-back", "n_clicks"),
        Input("watch-next", "n_clicks"),
        Input("watch-timer", "n_intervals"),
        State("watch-day", "value"),
        State("watch-day", "max"),
        prevent_initial_call=True,
    )
    def step(_b: Any, _n: Any, _t: Any, day: int | None, last: int) -> tuple[Any, ...]:
        day = int(day or 0)
        if ctx.triggered_id == "watch-back":
            return max(0, day - 1), no_update, no_update
        if ctx.triggered_id == "watch-next":
            return min(last, day + 1), no_update, no_update
        if day + 1 >= last:  # the timer reached the last day: stop
            return last, True, PLAY
        return day + 1, no_update, no_update

    @app.callback(
        Output("watch-day", "value", allow_duplicate=True),
        Output("watch-timer", "disabled", allow_duplicate=True),
        Output("watch-play", "children", allow_duplicate=True),
        Input("timeline", "clickData"),
        State("watch-day", "max"),
        prevent_initial_call=True,
    )
    def go_to_event(click: Any, last: int) -> tuple[Any, ...]:
        day = _clicked_day(click)
        if day is None:
            raise PreventUpdate
        return min(last, day), True, PLAY

    @app.callback(
        Output("watch-day", "value", allow_duplicate=True),
        Output("watch-timer", "disabled", allow_duplicate=True),
        Output("watch-play", "children", allow_duplicate=True),
        Input("events-table", "active_cell"),
        State("events-table", "derived_viewport_data"),
        State("watch-day", "max"),
        prevent_initial_call=True,
    )
    def go_to_row(cell: Any, rows: Any, last: int) -> tuple[Any, ...]:
        if not cell or not rows or cell["row"] >= len(rows):
            raise PreventUpdate
        return min(last, int(rows[cell["row"]]["day"])), True, PLAY

    @app.callback(
        Output("watch-timer", "disabled"),
        Output("watch-play", "children"),
        Input("watch-play", "n_clicks"),
        State("watch-timer", "disabled"),
        prevent_initial_call=True,
    )
    def play(_: Any, disabled: bool) -> tuple[bool, str]:
        return (False, PAUSE) if disabled else (True, PLAY)

    def split_by_outcome(target: str, selector: str, figures: Callable[..., Any]) -> None:
        """A tab's figures redrawn for the runs that ended in the chosen outcome."""

        @app.callback(
            Output(target, "children"),
            Input(selector, "value"),
            State("results-a", "value"),
            prevent_initial_call=True,
        )
        def split(outcome: str | None, key: str | None) -> Any:
            shown = results(key)
            if shown is None:
                raise PreventUpdate
            return figures(shown, outcome or "")

    split_by_outcome("time-figures", "time-outcome", views.time_figures)
    split_by_outcome("regions", "regions-outcome", views.region_figures)

    @app.callback(
        Output("why-discovery", "children"),
        Input("why-outcome", "value"),
        Input("why-day", "value"),
        State("results-a", "value"),
    )
    def state_discovery(outcome: str | None, day: Any, key: str | None) -> Any:
        shown = results(key)
        if shown is None or outcome is None or day is None:
            raise PreventUpdate
        found = _state_discovery(str(shown.path), outcome, int(day))
        return views.discovery_block(found, f"the state on day {int(day)}", "why")

    @app.callback(
        Output("sweep-discovery", "children"),
        Input({"type": "sweep-pick", "name": "outcome"}, "value"),
        State("sweep", "value"),
    )
    def sweep_discovery(outcome: str | None, key: str | None) -> Any:
        path = workspace.outputs().get(key or "")
        if path is None or outcome is None or not isinstance(cached_output(str(path)), Sweep):
            raise PreventUpdate
        found = _sweep_discovery(str(path), outcome)
        return views.discovery_block(found, "over the swept parameters", "sweep")

    @app.callback(
        Output("sensitivity-detail", "children"),
        Input("sensitivity-output", "value"),
        State("sweep", "value"),
    )
    def sensitivity_detail(output: str | None, key: str | None) -> Any:
        path = workspace.outputs().get(key or "")
        chosen = cached_output(str(path)) if path is not None else None
        if output is None or not isinstance(chosen, Sweep):
            raise PreventUpdate
        chart = {"morris": morris_chart, "sobol": sobol_chart}.get(
            str((chosen.sensitivity or {}).get("method"))
        )
        if chart is None or output not in (chosen.sensitivity or {}).get("outputs", {}):
            raise PreventUpdate
        return views.graph(chart(chosen, output), "sensitivity-detail-chart")
