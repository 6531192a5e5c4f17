"""The page: a sidebar (scenario, run, generated parameter controls) and the views."""

from __future__ import annotations

from dash import dcc, html

from transition_sim.dashboard.views import TABS
from transition_sim.dashboard.workspace import Workspace

DEFAULT_SCENARIO = "scenarios/kazakhstan_2022.yaml"

__all__ = ["page"]


def _run_bar() -> html.Div:
    """Name, replications, seed, Run, progress and the count of changes: sticky at the top of
    the sidebar, so Run stays in view however far the controls are scrolled."""
    return html.Div(
        [
            html.Div(
                [
                    html.Label(
                        [
                            "Run name",
                            dcc.Input(
                                id="run-name",
                                type="text",
                                debounce=True,
                                className="text",
                                persistence=True,
                                persistence_type="local",
                            ),
                        ],
                        className="run-name",
                        title="Named by what you changed unless you type a name",
                    ),
                    html.Label(
                        [
                            "Replications",
                            dcc.Input(
                                id="replications",
                                type="number",
                                step=1,
                                min=1,
                                className="number",
                            ),
                        ]
                    ),
                    html.Label(
                        [
                            "Seed",
                            dcc.Input(
                                id="seed",
                                type="number",
                                step=1,
                                min=0,
                                className="number seed",
                            ),
                        ]
                    ),
                ],
                className="run-settings",
            ),
            html.Div(
                [
                    html.Button("Run", id="run", className="primary"),
                    html.Button("Cancel", id="cancel", disabled=True),
                    html.Button("Download edited scenario", id="download-button"),
                    html.Span(id="changed-count", className="changed-count"),
                    html.Button(
                        "reset all",
                        id="reset-all",
                        className="reset",
                        style={"display": "none"},
                        title="Set every value back to the scenario's",
                    ),
                ],
                className="buttons",
            ),
            html.Div(
                [
                    html.Progress(id="progress", value="0", max="1"),
                    html.Span("starting the run", id="progress-text"),
                ],
                id="progress-box",
                style={"display": "none"},
            ),
            html.Pre(id="run-message", className="message"),
        ],
        className="run-bar",
        id="run-bar",
    )


def _sidebar(workspace: Workspace) -> html.Aside:
    files = workspace.scenario_files()
    first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in files else next(iter(files), None)
    return html.Aside(
        [
            _run_bar(),
            html.H2("Scenario"),
            dcc.Dropdown(
                id="scenario",
                options=[{"label": workspace.scenario_label(k), "value": k} for k in files],
                value=first,
                clearable=False,
                persistence=True,
                persistence_type="local",
            ),
            dcc.Upload(
                id="upload",
                children=html.Div(["Upload a scenario YAML: drop it here or ", html.A("choose")]),
                className="upload",
                multiple=False,
            ),
            html.Pre(id="scenario-error", className="error"),
            html.H2("Parameters"),
            html.P(
                "Generated from the scenario schema, grouped by section and actor. Under each"
                " value: the panelist's claim, the sourced fact or the modelling assumption it"
                " rests on (seeds/claims.yaml). Your changes are kept in this browser.",
                className="hint",
            ),
            dcc.Input(
                id="search",
                type="search",
                placeholder="Search parameters and their sources (e.g. loyalty, KNB)",
                debounce=False,
                className="search",
            ),
            html.Div(id="controls-search", className="hint"),
            html.Div(id="controls"),
        ],
        className="sidebar",
        id="sidebar",
    )


def _main() -> html.Main:
    return html.Main(
        [
            html.Div(
                [
                    html.Label(
                        ["Results shown", dcc.Dropdown(id="results-a", clearable=False)],
                        className="picker wide",
                    ),
                    html.Label(
                        ["Compare with", dcc.Dropdown(id="results-b", placeholder="(optional)")],
                        className="picker wide",
                    ),
                ],
                className="pickers",
            ),
            dcc.Tabs(
                id="tabs",
                value="outcomes",
                children=[dcc.Tab(label=text, value=key) for key, text in TABS.items()],
            ),
            dcc.Loading(html.Div(id="view", className="view"), delay_show=300),
        ],
        className="main",
    )


def page(workspace: Workspace) -> html.Div:
    return html.Div(
        [
            html.Header(
                [
                    html.Button(
                        "☰",
                        id="toggle-sidebar",
                        className="toggle",
                        title="Show or hide the inputs",
                    ),
                    html.H1("transition-sim"),
                    html.Span(
                        "Change what the experts disagree about, run the ensemble, and watch"
                        " the distribution of outcomes move.",
                        className="tagline",
                    ),
                ]
            ),
            html.Div([_sidebar(workspace), _main()], className="body", id="page-body"),
            dcc.Store(id="last-run"),
            # The reader's values, kept in the browser across reloads: {"scenario": key,
            # "touched": {path: value}} (see callbacks.set_values).
            dcc.Store(id="edits", storage_type="local"),
            dcc.Store(id="run-settings", storage_type="local"),  # replications and seed typed
            dcc.Store(id="field-errors"),  # the loader's errors of the last Run, by field
            dcc.Download(id="download"),
        ]
    )
