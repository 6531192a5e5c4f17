"""The Dash application: `create_app` builds it, `serve` runs it (``transition-sim dashboard``)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import diskcache
from dash import Dash

from transition_sim.claims import ROOT
from transition_sim.dashboard.callbacks import register_callbacks
from transition_sim.dashboard.jobs import ForkedJobs
from transition_sim.dashboard.layout import page
from transition_sim.dashboard.why_callbacks import register_why_callbacks
from transition_sim.dashboard.workspace import Workspace

ASSETS = Path(__file__).parent / "assets"
WARM_UP = "TRANSITION_SIM_WARM_UP"  # the server's config key: the scenario `serve` warms up with

__all__ = ["create_app", "default_scenarios", "serve", "warm_up"]


def default_scenarios() -> Path:
    """``./scenarios`` if there is one, else the repository's."""
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else ROOT / "scenarios"


def create_app(
    scenarios: Path | None = None,
    results: list[Path] | None = None,
    workdir: Path | None = None,
    workers: int = 1,
) -> Dash:
    """The dashboard over the scenario files in ``scenarios`` and the output folders
    ``results``; uploads, edits, runs and the background-job cache go to ``workdir`` (default:
    a temporary folder removed at exit). ``workers`` processes run each ensemble (same
    results whatever their number)."""
    if workdir:
        root = Path(workdir)
    else:  # a session's own folder, removed when the server exits (--workdir keeps one)
        root = Path(tempfile.mkdtemp(prefix="transition-sim-dashboard-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
    workspace = Workspace(root, scenarios or default_scenarios(), results)
    manager = ForkedJobs(diskcache.Cache(str(root / "jobs")))  # `serve` starts its launcher
    app = Dash(
        __name__,
        title="transition-sim dashboard",
        update_title=None,  # the tab keeps its title; progress shows in the page, not there
        assets_folder=str(ASSETS),
        background_callback_manager=manager,
        suppress_callback_exceptions=True,  # views create their own components
    )
    app.layout = lambda: page(workspace)  # a function: a reload sees new uploads and runs
    app.server.config[WARM_UP] = next(iter(workspace.scenario_files().values()), None)
    register_callbacks(app, workspace, workers=workers)
    register_why_callbacks(app, workspace)  # d2's views (watch, why, sensitivity)
    return app


def warm_up(scenario_file: Path | None) -> None:
    """Run one day of a scenario here, so that the compiled crowd kernel is loaded (or compiled)
    once, before the page is served: runs are processes forked from this one (through the
    launcher `ForkedJobs` forks after this) and inherit it, so a first run starts at once
    instead of after seconds of "loading the crowd kernel". Anything that goes wrong is left
    for the run to report."""
    if scenario_file is None:
        return
    try:
        from transition_sim.scenario import load_scenario
        from transition_sim.simulate import simulate

        scenario = load_scenario(scenario_file)
        simulate(scenario.model_copy(update={"days": 1}), 0)
    except Exception:  # a warm-up only saves time; the run reports what is wrong
        pass


def serve(app: Dash, host: str = "127.0.0.1", port: int = 8050) -> None:
    warm_up(app.server.config.get(WARM_UP))
    manager = getattr(app, "_background_manager", None)
    if not isinstance(manager, ForkedJobs):
        app.run(host=host, port=port, debug=False)
        return
    manager.start()  # before the server's threads: jobs fork from it
    try:
        app.run(host=host, port=port, debug=False)
    finally:  # stopped (a signal): the launcher ends, and the runs in progress with it
        manager.stop()
