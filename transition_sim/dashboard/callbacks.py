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
import re
import shutil
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, no_update, set_props
from dash.exceptions import PreventUpdate

from transition_sim.dashboard import views
from transition_sim.dashboard.compare import compare_view
from transition_sim.dashboard.controls import (
    control_groups,
    group_controls,
    group_id,
    read_value,
    shown_value,
)
from transition_sim.dashboard.edits import (
    coupled_sets,
    error_text,
    rebalance,
    run_name,
)
from transition_sim.dashboard.params import Group, Param, parameters
from transition_sim.dashboard.workspace import UploadError, Workspace
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.store import write_results
from transition_sim.scenario import ScenarioError, load_scenario
from transition_sim.viz.results import Results, ResultsError, Sweep, load_output, read_label

VIEW_CACHE = 48  # tabs kept drawn (per folder and tab)
PARAMS = {"type": "param", "path": ALL, "kind": ALL}
SLIDERS = {"type": "slider", "path": ALL}
RESETS = {"type": "reset", "path": ALL}
ERRORS = {"type": "error", "path": ALL}
SWEEP_PICKS = {"type": "sweep-pick", "name": ALL}
# A loader message line: "file:line: field: message".
FIELD_ERROR = re.compile(r"^[^:\n]+:\d+: ([\w.\- ]+): (.+)$")

__all__ = ["register_callbacks"]


@lru_cache(maxsize=8)
def cached_output(path: str) -> Results | Sweep:
    """Output folders are written once and not changed, so they are read once."""
    return load_output(path)


def _values(values: list[Any], ids: list[dict[str, str]]) -> dict[str, Any]:
    return {i["path"]: read_value(i["kind"], v) for v, i in zip(values, ids, strict=True)}


def _settings(replications: Any, seed: Any) -> dict[str, Any]:
    """Run settings typed in the page; an empty box keeps the scenario's value."""
    return {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}


@dataclass(frozen=True)
class Base:
    """A scenario as the controls start from it: its JSON dump, groups and coupled sets."""

    data: dict[str, Any]
    groups: list[Group]
    params: dict[str, Param]
    sets: list[list[str]]

    @property
    def coupled(self) -> set[str]:
        return {p for members in self.sets for p in members}

    def value(self, path: str) -> Any:
        p = self.params.get(path)
        return p.value if p is not None else None


@lru_cache(maxsize=16)
def _base(path: str, mtime: float) -> Base:
    """The scenario file at ``path`` (as of ``mtime``), read once."""
    scenario = load_scenario(path)
    groups = parameters(scenario)
    data = scenario.model_dump(mode="json")
    params = {p.path: p for g in groups for p in g.params}
    return Base(data, groups, params, coupled_sets(data))


def _touched(edits: dict[str, Any] | None, key: str | None) -> dict[str, Any]:
    """The values the reader set for scenario ``key`` (the ``edits`` store), in the order set."""
    if not edits or edits.get("scenario") != key:
        return {}
    return dict(edits.get("touched") or {})


def _pending(
    base: Base, touched: dict[str, Any], values: list[Any], ids: list[dict[str, str]]
) -> dict[str, Any]:
    """``touched`` with any control whose value the store has not caught up with yet (a value
    typed just before Run was pressed)."""
    resolved, _ = rebalance(base.data, touched, base.sets)
    out = dict(touched)
    for path, value in _values(values, ids).items():
        if value != resolved.get(path, base.value(path)):
            out[path] = value
    return out


def bounds_error(p: Param, value: Any) -> str:
    """Why ``value`` is outside ``p``'s bounds, or ""."""
    if p.kind not in ("number", "integer"):
        return ""
    if value is None:
        return "" if p.nullable else "a number is needed here"
    if not isinstance(value, int | float):
        return ""
    lo, hi = p.minimum, p.maximum
    low = lo is not None and (value <= lo if p.exclusive_minimum else value < lo)
    high = hi is not None and (value >= hi if p.exclusive_maximum else value > hi)
    if low or high:
        return f"must be {p.bounds}"
    if p.kind == "integer" and value != int(value):
        return "must be a whole number"
    return ""


def field_errors(message: str) -> dict[str, str]:
    """The loader's ``file:line: field: message`` lines of ``message`` as {field: message}."""
    out = {}
    for line in message.splitlines():
        match = FIELD_ERROR.match(line.strip())
        if match:
            out[match.group(1)] = match.group(2)
    return out


def _concerns(field: str, path: str) -> bool:
    return path == field or path.startswith(field + ".")


class Pace:
    """``replication k of n`` with the time left. The pace is measured from the first report on,
    so the time spent loading the compiled kernel before it does not inflate the estimate."""

    def __init__(self) -> None:
        self.first: tuple[float, int] | None = None

    def text(self, done: int, total: int, now: float) -> str:
        text = f"{done} of {total} replications"
        if self.first is None:
            self.first = (now, done)
            return text
        since, done_then = self.first
        if done_then < done < total and now > since:
            left = (now - since) / (done - done_then) * (total - done)
            text += (
                f", about {left:.0f} s left" if left < 120 else f", about {left / 60:.0f} min left"
            )
        return text


def register_callbacks(app: Dash, workspace: Workspace, workers: int = 1) -> None:
    _views: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def results(key: str | None) -> Results | None:
        path = workspace.outputs().get(key or "")
        if path is None:
            return None
        output = cached_output(str(path))
        return output if isinstance(output, Results) else None

    def base_of(key: str | None) -> Base:
        """The scenario ``key`` as the controls start from it; KeyError or ScenarioError."""
        path = workspace.path(key or "")
        return _base(str(path), path.stat().st_mtime)

    @app.callback(
        Output("controls", "children"),
        Output("replications", "value"),
        Output("seed", "value"),
        Output("scenario-error", "children"),
        Output("edits", "data", allow_duplicate=True),
        Input("scenario", "value"),
        State("edits", "data"),
        State("run-settings", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def show_scenario(key: str | None, edits: Any, settings: Any) -> tuple[Any, ...]:
        # The edits kept in the browser (local storage) are this scenario's, or dropped.
        kept = edits if edits and edits.get("scenario") == key else {"scenario": key, "touched": {}}
        if key is None:
            return [], None, None, "No scenario files found.", kept
        try:
            base = base_of(key)
        except KeyError:
            return [], None, None, f"{key}: no such scenario", kept
        except ScenarioError as err:
            return [], None, None, error_text(err), kept
        data = base.data
        typed = settings if settings and settings.get("scenario") == key else {}
        replications = typed.get("replications", data["replications"])
        return control_groups(base.groups), replications, typed.get("seed", data["seed"]), "", kept

    @app.callback(
        Output("run-settings", "data"),
        Input("replications", "value"),
        Input("seed", "value"),
        State("scenario", "value"),
        prevent_initial_call=True,
    )
    def keep_settings(replications: Any, seed: Any, key: str | None) -> dict[str, Any]:
        """Replications and seed as typed, kept in the browser across reloads."""
        return {"scenario": key, **_settings(replications, seed)}

    @app.callback(
        Output(group_id("body", MATCH), "children"),
        Input(group_id("summary", MATCH), "n_clicks"),
        State(group_id("summary", MATCH), "id"),
        State(group_id("body", MATCH), "children"),
        State("scenario", "value"),
        State("edits", "data"),
        prevent_initial_call=True,
    )
    def open_group(_: int, summary: dict[str, str], body: Any, key: str, edits: Any) -> Any:
        if body:  # made already: keep the values typed into it
            raise PreventUpdate
        try:
            base = base_of(key)
        except (KeyError, ScenarioError):
            raise PreventUpdate from None
        group = next((g for g in base.groups if g.key == summary["key"]), None)
        if group is None:
            raise PreventUpdate
        values, _ = rebalance(base.data, _touched(edits, key), base.sets)
        return group_controls(group, values, base.coupled)

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

    # A value set by box, slider or reset: the reader's values are kept in the "edits" store
    # (in the browser's local storage, so they survive a reload), coupled sets are completed
    # by the engine's rule, and every open control shows the result.
    @app.callback(
        Output(PARAMS, "value"),
        Output(SLIDERS, "value"),
        Output("edits", "data"),
        Input(PARAMS, "value"),
        Input(SLIDERS, "value"),
        Input(RESETS, "n_clicks"),
        Input("reset-all", "n_clicks"),
        State(PARAMS, "id"),
        State(SLIDERS, "id"),
        State("scenario", "value"),
        State("edits", "data"),
        prevent_initial_call=True,
    )
    def set_values(
        values: list[Any],
        sliders: list[Any],
        _resets: list[Any],
        _all: Any,
        ids: list[dict[str, str]],
        slider_ids: list[dict[str, str]],
        key: str,
        edits: Any,
    ) -> tuple[Any, ...]:
        try:
            base = base_of(key)
        except (KeyError, ScenarioError):
            raise PreventUpdate from None
        touched = _touched(edits, key)
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        kind = trigger.get("type") if isinstance(trigger, dict) else trigger
        path = trigger.get("path") if isinstance(trigger, dict) else None
        if kind == "param":
            i = ids.index(trigger)
            touched.pop(path, None)  # moved to the end: the latest edit is named last
            touched[path] = read_value(trigger["kind"], values[i])
        elif kind == "slider":
            value = sliders[slider_ids.index(trigger)]
            if value is None:
                raise PreventUpdate
            p = base.params[path]
            touched.pop(path, None)
            touched[path] = round(value) if p.kind == "integer" else round(float(value), 6)
        elif kind == "reset" and ctx.triggered[0]["value"]:
            touched.pop(path, None)
        elif kind == "reset-all" and ctx.triggered[0]["value"]:
            touched = {}
        resolved, _ = rebalance(base.data, touched, base.sets)

        def shown(path: str) -> Any:
            return resolved.get(path, base.value(path))

        # The box being typed in is left alone (rewriting it would fight the typing).
        boxes = [
            no_update if i == trigger else shown_value(i["kind"], shown(i["path"])) for i in ids
        ]
        slid = [shown(i["path"]) if isinstance(shown(i["path"]), int | float) else no_update
                for i in slider_ids]  # fmt: skip
        return boxes, slid, {"scenario": key, "touched": touched}

    @app.callback(
        Output(RESETS, "style"),
        Output(ERRORS, "children"),
        Output("changed-count", "children"),
        Output("reset-all", "style"),
        Output("run-name", "placeholder"),
        Input("edits", "data"),
        Input("field-errors", "data"),
        State(RESETS, "id"),
        State(ERRORS, "id"),
        State("scenario", "value"),
    )
    def mark_changes(
        edits: Any, loader: Any, reset_ids: list[Any], error_ids: list[Any], key: str
    ) -> tuple[Any, ...]:
        """Changed badges, errors beside their controls, the count of changes and the name the
        run will get."""
        try:
            base = base_of(key)
        except (KeyError, ScenarioError):
            raise PreventUpdate from None
        touched = _touched(edits, key)
        resolved, coupled_errors = rebalance(base.data, touched, base.sets)
        changed = {p for p, v in resolved.items() if v != base.value(p)}
        hidden = {"display": "none"}
        badges = [None if i["path"] in changed else hidden for i in reset_ids]
        loader = loader if loader and loader.get("scenario") == key else {}
        errors = []
        for i in error_ids:
            path = i["path"]
            lines = [coupled_errors.get(path, "")]
            if path in base.params:
                lines.append(bounds_error(base.params[path], resolved.get(path, base.value(path))))
            lines += [
                f"{f}: {m}" for f, m in (loader.get("fields") or {}).items() if _concerns(f, path)
            ]
            errors.append("; ".join(line for line in lines if line))
        count = f"{len(changed)} value{'s' if len(changed) != 1 else ''} changed" if changed else ""
        name = run_name(base.data, resolved, list(touched))
        return badges, errors, count, None if changed else hidden, f"name: {name}"

    @app.callback(
        Output("controls-search", "children"),
        Input("search", "value"),
    )
    def search_hint(text: str | None) -> str:
        return "" if not (text or "").strip() else "Groups without a match are hidden."

    app.clientside_callback(
        """
        function(text, bodies) {
            const q = (text || "").trim().toLowerCase();
            document.querySelectorAll("[data-group]").forEach(g => {
                const hit = !q || g.dataset.search.includes(q);
                g.style.display = hit ? "" : "none";
                if (q && hit && !g.open) { g.querySelector("summary").click(); }
                g.querySelectorAll("[data-path]").forEach(p => {
                    p.style.display = !q || p.dataset.search.includes(q) ? "" : "none";
                });
            });
            return window.dash_clientside.no_update;
        }
        """,
        Output("search", "className"),
        Input("search", "value"),
        Input(group_id("body", ALL), "children"),
    )

    app.clientside_callback(
        """
        function(n, cls) {
            return (cls || "body").includes("collapsed") ? "body" : "body collapsed";
        }
        """,
        Output("page-body", "className"),
        Input("toggle-sidebar", "n_clicks"),
        State("page-body", "className"),
        prevent_initial_call=True,
    )

    def edited(
        key: str,
        edits: Any,
        values: list[Any],
        ids: list[Any],
        replications: Any,
        seed: Any,
        name: str | None,
    ) -> tuple[Path, str, dict[str, str]]:
        """The page's scenario written as a file, and errors of coupled sets by path."""
        base = base_of(key)
        touched = _pending(base, _touched(edits, key), values, ids)
        resolved, errors = rebalance(base.data, touched, base.sets)
        path, text = workspace.edit(
            key, resolved, _settings(replications, seed), name, list(touched)
        )
        return path, text, errors

    def refuse(key: str, what: str, message: str, errors: dict[str, str]) -> str:
        """Put the errors beside their controls; the text for the run message."""
        fields = {**field_errors(message), **errors}
        set_props("field-errors", {"data": {"scenario": key, "fields": fields}})
        return f"{what}\n{message}" if message else what

    @app.callback(
        Output("download", "data"),
        Output("run-message", "children", allow_duplicate=True),
        Input("download-button", "n_clicks"),
        State("scenario", "value"),
        State("edits", "data"),
        State(PARAMS, "value"),
        State(PARAMS, "id"),
        State("replications", "value"),
        State("seed", "value"),
        State("run-name", "value"),
        prevent_initial_call=True,
    )
    def download(_: int, key: str, edits: Any, values: list, ids: list, reps, seed, name):
        try:
            path, text, errors = edited(key, edits, values, ids, reps, seed, name)
            if errors:
                raise ValueError(next(iter(errors.values())))
            load_scenario(path)
        except KeyError:
            return no_update, "Not downloaded: choose a scenario first."
        except (ScenarioError, ValueError) as err:
            message = error_text(err) if isinstance(err, ScenarioError) else ""
            what = "Not downloaded: the edited scenario is invalid (see the marked values)."
            return no_update, refuse(key, what, message, errors if message == "" else {})
        set_props("field-errors", {"data": {}})
        name = workspace.path(key).stem + ".edited.yaml"
        return dcc.send_string(text, name), f"Downloaded {name} (it extends the original)."

    # The run's only declared output is its message. Its results key reaches "last-run" with
    # set_props: were it a declared output, Dash would hold every callback downstream of it (the
    # results lists, hence the views) until the run ends, and the page would not respond.
    @app.callback(
        Output("run-message", "children"),
        Input("run", "n_clicks"),
        State("scenario", "value"),
        State("edits", "data"),
        State(PARAMS, "value"),
        State(PARAMS, "id"),
        State("replications", "value"),
        State("seed", "value"),
        State("run-name", "value"),
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
        interval=400,
        prevent_initial_call=True,
    )
    def run(set_progress, _: int, key: str, edits, values: list, ids: list, reps, seed, name):
        set_progress(("0", "1", "checking the scenario"))
        errors: dict[str, str] = {}
        try:
            path, _text, errors = edited(key, edits, values, ids, reps, seed, name)
            if errors:
                raise ValueError(next(iter(errors.values())))
            scenario = load_scenario(path)
        except KeyError:
            return "Not run: choose a scenario first."
        except (ScenarioError, ValueError) as err:
            message = error_text(err) if isinstance(err, ScenarioError) else ""
            what = "Not run: the scenario is invalid (see the marked values)."
            return refuse(key, what, message, errors if message == "" else {})
        set_props("field-errors", {"data": {}})
        folder = workspace.new_run_folder()
        start = time.monotonic()
        total = scenario.replications
        # Until the first replications finish, the time goes to loading the compiled crowd
        # kernel (numba's cache; compiling it if there is none) and to the first runs.
        set_progress(("0", str(total), f"compiling or loading the crowd kernel; 0 of {total} done"))

        pace = Pace()

        def progress(done: int, total: int) -> None:
            set_progress((str(done), str(total), pace.text(done, total, time.monotonic())))

        try:
            ensemble = run_ensemble(scenario, workers=workers, progress=progress)
            set_progress((str(total), str(total), "writing the results"))
            write_results(folder, ensemble, ensemble.scenario, command=["dashboard", key])
        except Exception as err:  # a model failure must not take the page or its results down
            shutil.rmtree(folder, ignore_errors=True)
            return f"The run failed ({type(err).__name__}: {err}); results unchanged."
        set_props("last-run", {"data": f"run/{folder.name}"})
        return (
            f"Finished {ensemble.replications} replications of “{scenario.name}” in"
            f" {time.monotonic() - start:.1f} s."
        )

    app.clientside_callback(  # the bar says something from the first moment, before the job runs
        """
        function(n) {
            return [0, 1, "starting the run: checking the scenario"];
        }
        """,
        Output("progress", "value", allow_duplicate=True),
        Output("progress", "max", allow_duplicate=True),
        Output("progress-text", "children", allow_duplicate=True),
        Input("run", "n_clicks"),
        prevent_initial_call=True,
    )

    # (Not set_props in the run: a background callback's later set_props replaces its earlier.)
    @app.callback(Output("run-name", "value"), Input("last-run", "data"), prevent_initial_call=True)
    def clear_name(_: Any) -> str:
        """A name typed for a run is not the next run's."""
        return ""

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
        # Output folders do not change once written: a tab drawn for a folder (and, to compare,
        # a second one) is kept and shown again at once on the next visit.
        outputs = workspace.outputs()
        if tab == "sweeps":
            key: tuple[Any, ...] = (tab, tuple(sorted(map(str, outputs.values()))))
        else:
            key = (tab, str(outputs.get(a_key or "")), str(outputs.get(b_key or "")))
            if tab != "compare":
                key = key[:2]
        if key in _views:
            _views.move_to_end(key)
            return _views[key]
        built = build_view(tab, a_key, b_key)
        _views[key] = built
        while len(_views) > VIEW_CACHE:
            _views.popitem(last=False)
        return built

    def build_view(tab: str, a_key: str | None, b_key: str | None) -> Any:
        if tab == "sweeps":
            sweeps = {}
            for key, path in workspace.outputs().items():
                if workspace.is_sweep(path):
                    output = cached_output(str(path))
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
            return compare_view(a, results(b_key))
        if tab == "why":
            return views.why_view(a)
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
        output = cached_output(str(path)) if path is not None else None
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
