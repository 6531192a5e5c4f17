"""What the page does: load and upload scenarios, build controls, run ensembles in the
background, and draw the views.

Runs are Dash background callbacks (a `DiskcacheManager`: a worker process per run, no Redis), so
the page stays responsive, shows progress and can cancel. A run writes an ordinary results
folder (as ``transition-sim run --out``); the page keeps only its key, and every view reads
folders through the same loader as ``--results DIR`` and ``transition-sim report``. A run that
fails, or is cancelled, writes nothing and changes nothing shown.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import time
from functools import lru_cache
from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, dcc, no_update, set_props
from dash.exceptions import PreventUpdate

from transition_sim.dashboard import views
from transition_sim.dashboard.controls import (
    control_groups,
    group_controls,
    group_id,
    read_value,
)
from transition_sim.dashboard.edits import error_text
from transition_sim.dashboard.params import parameters
from transition_sim.dashboard.workspace import UploadError, Workspace
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.store import write_results
from transition_sim.scenario import ScenarioError, load_scenario
from transition_sim.viz.results import Results, ResultsError, Sweep, load_output, read_label

PARAMS = {"type": "param", "path": ALL, "kind": ALL}
SWEEP_PICKS = {"type": "sweep-pick", "name": ALL}

__all__ = ["register_callbacks"]


@lru_cache(maxsize=8)
def _output(path: str) -> Results | Sweep:
    """Output folders are written once and not changed, so they are read once."""
    return load_output(path)


def _values(values: list[Any], ids: list[dict[str, str]]) -> dict[str, Any]:
    return {i["path"]: read_value(i["kind"], v) for v, i in zip(values, ids, strict=True)}


def _settings(replications: Any, seed: Any) -> dict[str, Any]:
    """Run settings typed in the page; an empty box keeps the scenario's value."""
    return {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}


def register_callbacks(app: Dash, workspace: Workspace, workers: int = 1) -> None:
    def results(key: str | None) -> Results | None:
        path = workspace.outputs().get(key or "")
        if path is None:
            return None
        output = _output(str(path))
        return output if isinstance(output, Results) else None

    @app.callback(
        Output("controls", "children"),
        Output("replications", "value"),
        Output("seed", "value"),
        Output("scenario-error", "children"),
        Input("scenario", "value"),
    )
    def show_scenario(key: str | None) -> tuple[Any, ...]:
        if key is None:
            return [], None, None, "No scenario files found."
        try:
            scenario = workspace.load(key)
        except KeyError:
            return [], None, None, f"{key}: no such scenario"
        except ScenarioError as err:
            return [], None, None, error_text(err)
        return control_groups(parameters(scenario)), scenario.replications, scenario.seed, ""

    @app.callback(
        Output(group_id("body", MATCH), "children"),
        Input(group_id("summary", MATCH), "n_clicks"),
        State(group_id("summary", MATCH), "id"),
        State(group_id("body", MATCH), "children"),
        State("scenario", "value"),
        prevent_initial_call=True,
    )
    def open_group(_: int, summary: dict[str, str], body: Any, key: str) -> Any:
        if body:  # made already: keep the values typed into it
            raise PreventUpdate
        try:
            groups = parameters(workspace.load(key))
        except (KeyError, ScenarioError):
            raise PreventUpdate from None
        group = next((g for g in groups if g.key == summary["key"]), None)
        if group is None:
            raise PreventUpdate
        return group_controls(group)

    @app.callback(
        Output("scenario", "options"),
        Output("scenario", "value"),
        Output("scenario-error", "children", allow_duplicate=True),
        Input("upload", "contents"),
        State("upload", "filename"),
        prevent_initial_call=True,
    )
    def upload(contents: str | None, filename: str | None) -> tuple[Any, ...]:
        if not contents:
            raise PreventUpdate
        try:
            data = base64.b64decode(contents.partition(",")[2], validate=True)
            key = workspace.upload(filename or "", data)
        except (binascii.Error, UploadError) as err:
            return no_update, no_update, str(err)
        except ScenarioError as err:
            return no_update, no_update, error_text(err)
        files = workspace.scenario_files()
        options = [{"label": workspace.scenario_label(k), "value": k} for k in files]
        return options, key, ""

    def edited(key: str, values: list[Any], ids: list[Any], replications: Any, seed: Any):
        return workspace.edit(key, _values(values, ids), _settings(replications, seed))

    @app.callback(
        Output("download", "data"),
        Output("run-message", "children", allow_duplicate=True),
        Input("download-button", "n_clicks"),
        State("scenario", "value"),
        State(PARAMS, "value"),
        State(PARAMS, "id"),
        State("replications", "value"),
        State("seed", "value"),
        prevent_initial_call=True,
    )
    def download(_: int, key: str, values: list[Any], ids: list[Any], reps: Any, seed: Any):
        try:
            path, text = edited(key, values, ids, reps, seed)
            load_scenario(path)
        except (KeyError, ScenarioError) as err:
            message = error_text(err) if isinstance(err, ScenarioError) else "no scenario chosen"
            return no_update, f"Not downloaded: the edited scenario is invalid.\n{message}"
        name = workspace.path(key).stem + ".edited.yaml"
        return dcc.send_string(text, name), f"Downloaded {name} (it extends the original)."

    # The run's only declared output is its message. Its results key reaches "last-run" with
    # set_props: were it a declared output, Dash would hold every callback downstream of it (the
    # results lists, hence the views) until the run ends, and the page would not respond.
    @app.callback(
        Output("run-message", "children"),
        Input("run", "n_clicks"),
        State("scenario", "value"),
        State(PARAMS, "value"),
        State(PARAMS, "id"),
        State("replications", "value"),
        State("seed", "value"),
        background=True,
        progress=[
            Output("progress", "value"),
            Output("progress", "max"),
            Output("progress-text", "children"),
        ],
        running=[
            (Output("run", "disabled"), True, False),
            (Output("cancel", "disabled"), False, True),
            (Output("progress-box", "style"), {"display": "flex"}, {"display": "none"}),
        ],
        cancel=[Input("cancel", "n_clicks")],
        interval=500,
        prevent_initial_call=True,
    )
    def run(set_progress, _: int, key: str, values: list, ids: list, reps: Any, seed: Any):
        set_progress(("0", "1", "checking the scenario"))
        try:
            path, _text = edited(key, values, ids, reps, seed)
            scenario = load_scenario(path)
        except KeyError:
            return "Not run: choose a scenario first."
        except ScenarioError as err:
            return f"Not run: the scenario is invalid.\n{error_text(err)}"
        folder = workspace.new_run_folder()
        start = time.monotonic()

        def progress(done: int, total: int) -> None:
            set_progress((str(done), str(total), f"{done} of {total} replications"))

        try:
            ensemble = run_ensemble(scenario, workers=workers, progress=progress)
            write_results(folder, ensemble, ensemble.scenario, command=["dashboard", key])
        except Exception as err:  # a model failure must not take the page or its results down
            shutil.rmtree(folder, ignore_errors=True)
            return f"The run failed ({type(err).__name__}: {err}); results unchanged."
        set_props("last-run", {"data": f"run/{folder.name}"})
        return (
            f"Finished {ensemble.replications} replications of “{scenario.name}” in"
            f" {time.monotonic() - start:.1f} s."
        )

    @app.callback(
        Output("run-message", "children", allow_duplicate=True),
        Input("cancel", "n_clicks"),
        prevent_initial_call=True,
    )
    def cancelled(_: int) -> str:
        return "Run cancelled; the results shown are unchanged."

    @app.callback(
        Output("results-a", "options"),
        Output("results-a", "value"),
        Output("results-b", "options"),
        Output("results-b", "value"),
        Input("last-run", "data"),
        State("results-a", "value"),
        State("results-b", "value"),
    )
    def list_results(new: str | None, a: str | None, b: str | None) -> tuple[Any, ...]:
        options = []
        for key, path in workspace.outputs().items():
            if workspace.is_sweep(path):
                continue  # sweeps have their own tab
            try:
                label = read_label(path)
            except ResultsError:
                continue
            where = "this session" if key.startswith("run/") else str(path)
            options.append({"label": f"{label} — {where}", "value": key})
        keys = [o["value"] for o in options]
        if new in keys:  # a finished run: show it, and compare it with what was shown before
            b = b if b in keys else a
            a = new
        a = a if a in keys else (keys[0] if keys else None)
        b = b if b in keys and b != a else None
        return options, a, options, b

    @app.callback(
        Output("view", "children"),
        Input("tabs", "value"),
        Input("results-a", "value"),
        Input("results-b", "value"),
    )
    def view(tab: str, a_key: str | None, b_key: str | None) -> Any:
        if tab == "sweeps":
            sweeps = {}
            for key, path in workspace.outputs().items():
                if workspace.is_sweep(path):
                    output = _output(str(path))
                    if isinstance(output, Sweep):
                        sweeps[key] = output
            return views.sweeps_view(sweeps)
        a = results(a_key)
        if a is None:
            return views.empty(
                "No results yet",
                "Press Run to run the scenario on the left, or start the dashboard with"
                " `--results DIR` on the output of `transition-sim run --out DIR`.",
            )
        if tab == "time":
            return views.time_view(a)
        if tab == "regions":
            return views.regions_view(a)
        if tab == "replication":
            return views.replication_view(a)
        if tab == "compare":
            return views.compare_view(a, results(b_key))
        return views.outcomes_view(a)

    @app.callback(
        Output("replication-detail", "children"),
        Input("replication", "value"),
        State("results-a", "value"),
    )
    def replication(replication: int | None, a_key: str | None) -> Any:
        a = results(a_key)
        if a is None or replication is None:
            raise PreventUpdate
        return views.replication_detail(a, int(replication))

    def sweep(key: str | None) -> Sweep | None:
        path = workspace.outputs().get(key or "")
        output = _output(str(path)) if path is not None else None
        return output if isinstance(output, Sweep) else None

    @app.callback(Output("sweep-controls", "children"), Input("sweep", "value"))
    def sweep_controls(key: str | None) -> Any:
        chosen = sweep(key)
        return views.sweep_controls(chosen) if chosen is not None else []

    @app.callback(
        Output("sweep-detail", "children"),
        Input("sweep", "value"),
        Input(SWEEP_PICKS, "value"),
        State(SWEEP_PICKS, "id"),
    )
    def sweep_detail(key: str | None, values: list[Any], ids: list[dict[str, str]]) -> Any:
        chosen = sweep(key)
        if chosen is None:
            raise PreventUpdate
        picked = {i["name"]: v for i, v in zip(ids, values, strict=True)}
        # Pickers still showing another folder's names fall back to this folder's defaults.
        outcome = picked.get("outcome")
        outcome = outcome if outcome in chosen.outcomes else next(iter(chosen.outcomes), None)
        params = chosen.parameters
        x = picked.get("x") if picked.get("x") in params else next(iter(params), None)
        y = picked.get("y") if picked.get("y") in params else None
        if y is None:
            y = next((p for p in params if p != x), None)
        return views.sweep_view(chosen, outcome, x, y)
