"""The dashboard driven in headless Chromium: load it, edit the KNB's loyalty and run, watch the
outcome chart change, upload a bad file, cancel a run. The server runs in its own process,
started here on a free port; screenshots go to the artifacts folder (tests/browser.py).

Runs are small (8 replications of a 20-day baseline) and every wait is on a condition in the
page, with generous timeouts for a loaded machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import DashboardProcess, artifacts_dir, needs_chromium
from synthetic_sweep import write_sensitivity, write_sweep

from transition_sim.claims import yaml_value
from transition_sim.dashboard.edits import apply_values
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.summary import summarize
from transition_sim.scenario import Scenario, load_scenario

pytestmark = [needs_chromium, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
WAIT = 120_000  # ms: a run on a loaded 2-core machine
SMALL = f"""# The baseline, shorter and with few replications, for fast browser tests.
extends: {ROOT / "scenarios" / "kazakhstan_2022.yaml"}
name: Kazakhstan 2022, 20 days
days: 20
replications: 8
seed: 1
"""
KNB_LOYALTY = "factions.KNB.loyalty."


class Server(DashboardProcess):
    def __init__(self, root: Path) -> None:
        self.scenarios = root / "scenarios"
        self.scenarios.mkdir()
        (self.scenarios / "kz_small.yaml").write_text(SMALL, encoding="utf-8")
        self.workdir = root / "work"
        sweep = write_sweep(root / "sweep")  # SYNTHETIC FIXTURE (tests/synthetic_sweep.py)
        morris = write_sensitivity(root / "morris", "morris")  # SYNTHETIC FIXTURE
        args = [
            "--scenarios", str(self.scenarios), "--workdir", str(self.workdir), "--workers", "1",
            "--results", str(sweep), "--results", str(morris),
        ]  # fmt: skip
        super().__init__(root, args, timeout=90)

    def finished_runs(self) -> list[Path]:
        return sorted(p.parent for p in (self.workdir / "runs").glob("*/manifest.json"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("dashboard"))
    yield srv
    srv.stop()


@pytest.fixture
def page(browser, server: Server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server.url)
    page.wait_for_selector("[data-group]", state="attached")  # the generated controls
    yield page
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory)


# -- helpers ---------------------------------------------------------------------------------------
def outcome_bars(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The outcome chart's bars, as the browser draws them: {outcome: % of replications}."""
    data = page.evaluate(
        "() => { const g = document.querySelector('#outcome-chart .js-plotly-plot');"
        " return g ? [g.data[0].y, g.data[0].x] : null; }"
    )
    return dict(zip(*data, strict=True)) if data else {}


def expected_bars(scenario: Scenario) -> dict[str, float]:
    """The same ensemble run here, independently of the page."""
    summary = summarize(run_ensemble(scenario))
    return {k.replace("_", " "): 100 * v["share"] for k, v in summary["outcomes"].items()}


def run_and_wait(page, server: Server) -> Path:  # type: ignore[no-untyped-def]
    """Press Run and wait until the run's results folder is written and shown."""
    before = len(server.finished_runs())
    page.click("#run")
    deadline = time.monotonic() + WAIT / 1000
    while len(server.finished_runs()) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    runs = server.finished_runs()
    assert len(runs) == before + 1, "the run did not finish"
    page.click('#tabs >> text="Outcomes"')
    page.wait_for_function(  # the chart drawn is this run's (its layout names the folder)
        "(name) => { const g = document.querySelector('#outcome-chart .js-plotly-plot');"
        " return g && g.layout.meta && g.layout.meta.folder.endsWith(name); }",
        arg=runs[-1].name,
    )
    page.wait_for_function("() => !document.querySelector('#run').disabled")
    return runs[-1]


def open_group(page, path: str) -> None:  # type: ignore[no-untyped-def]
    """Open the group of controls holding ``path`` (groups make their controls when opened)."""
    groups = page.eval_on_selector_all("[data-group]", "els => els.map(e => e.dataset.group)")
    key = max((g for g in groups if path == g or path.startswith(g + ".")), key=len)
    group = page.locator(f'[data-group="{key}"]')
    if not group.evaluate("el => el.open"):
        group.locator("summary").click()
    group.locator("[data-path]").first.wait_for()


def set_control(page, path: str, value: float) -> None:  # type: ignore[no-untyped-def]
    open_group(page, path)
    page.locator(f'[data-path="{path}"] input').fill(str(value))


def knb_loyalty_paths(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The KNB's loyalty controls, found by parameter path (whatever its principals are)."""
    open_group(page, KNB_LOYALTY.rstrip("."))
    return page.eval_on_selector_all(
        f'[data-path^="{KNB_LOYALTY}"]', "els => els.map(e => e.dataset.path)"
    )


# -- tests ------------------------------------------------------------------------------------
def test_page_loads_with_generated_controls_and_sources(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    assert page.title() == "transition-sim dashboard"
    assert page.input_value("#replications") == "8"
    paths = knb_loyalty_paths(page)
    assert len(paths) >= 2
    box = page.locator(f'[data-path="{paths[0]}"]')
    assert box.locator(".source").count() >= 1  # the claim, fact or assumption behind it
    page.screenshot(path=str(shots / "dashboard-controls.png"))
    page.click('#tabs >> text="Sweeps & sensitivity"')
    page.wait_for_selector("#sweep-heatmap .js-plotly-plot")
    page.screenshot(path=str(shots / "dashboard-sweep.png"))
    page.click("#sweep")
    page.click("text=morris (morris)")
    # the sweep's view has several charts too (PRIM): wait for the study's own
    page.wait_for_selector("#sensitivity-summary .js-plotly-plot")
    assert "Morris screening" in page.inner_text("#view")


def test_editing_knb_loyalty_changes_the_outcome_chart(page, server: Server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    small = load_scenario(server.scenarios / "kz_small.yaml")
    run_and_wait(page, server)
    first = outcome_bars(page)
    assert first == pytest.approx(expected_bars(small))

    # All of the KNB's loyalty to its own interest. (With the crowd of blocks, the baseline
    # since session 26, all of it to the successor or to the family leaves these 8 short runs
    # where they were: the incumbent holds in every one.)
    paths = knb_loyalty_paths(page)
    values = {p: (1.0 if p.endswith(".self_interest") else 0.0) for p in paths}
    assert sum(values.values()) == 1.0
    for path, value in values.items():
        set_control(page, path, value)
    edited = Scenario.model_validate(apply_values(small.model_dump(mode="json"), values))
    expected = expected_bars(edited)
    assert expected != pytest.approx(first), "this edit does not move the outcome: pick another"

    run_and_wait(page, server)
    assert outcome_bars(page) == pytest.approx(expected)
    assert "Finished 8 replications" in page.inner_text("#run-message")
    page.screenshot(path=str(shots / "dashboard-outcomes.png"))

    page.click('#tabs >> text="Compare two"')
    page.wait_for_selector("#compare-difference .js-plotly-plot")
    page.wait_for_timeout(300)  # let plotly finish drawing before the screenshot (not a check)
    page.screenshot(path=str(shots / "dashboard-compare.png"), full_page=True)
    # The README's picture (docs/dashboard.png): the KNB's controls with their sources beside
    # the comparison of the two runs.
    page.locator(f'[data-path="{paths[0]}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-readme.png"))
    for tab, graph in (("Over the days", "#fan-stances"), ("Regions", "#region-map"),
                       ("One replication", "#timeline")):  # fmt: skip
        page.click(f'#tabs >> text="{tab}"')
        page.wait_for_selector(f"{graph} .js-plotly-plot")
        page.screenshot(path=str(shots / f"dashboard-{graph[1:]}.png"), full_page=True)
    assert page.locator("#events-table").count() == 1


def test_impossible_values_are_refused_and_results_kept(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    run_and_wait(page, server)
    bars = outcome_bars(page)
    before = server.finished_runs()
    # One changed loyalty is rebalanced; two that alone exceed the total cannot be.
    first, second = knb_loyalty_paths(page)[:2]
    set_control(page, first, 0.8)
    set_control(page, second, 0.8)
    error = f'[id=\'{{"path":"{first}","type":"error"}}\']'
    page.wait_for_function(  # the error is shown beside the control it concerns
        "(sel) => document.querySelector(sel).innerText.includes('exceeds')", arg=error
    )
    page.click("#run")
    page.wait_for_function(
        "() => document.querySelector('#run-message').innerText.includes('invalid')"
    )
    assert "marked values" in page.inner_text("#run-message")
    page.wait_for_function("() => !document.querySelector('#run').disabled")
    assert server.finished_runs() == before
    assert outcome_bars(page) == bars


def test_bad_upload_shows_the_error_and_the_page_keeps_working(
    page, server: Server, shots: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: kz_small.yaml\nname: bad\ncrowd:\n  vision: 50\n")
    page.set_input_files("#upload input[type=file]", str(bad))
    page.wait_for_function("() => document.querySelector('#scenario-error').innerText.length > 0")
    error = page.inner_text("#scenario-error")
    assert error.startswith("bad.yaml:4: crowd.vision: input should be less than or equal to 20")
    page.screenshot(path=str(shots / "dashboard-bad-upload.png"))
    assert "kz_small.yaml" in page.inner_text("#scenario")  # the scenario shown is unchanged

    good = tmp_path / "good.yaml"
    good.write_text("extends: kz_small.yaml\nname: uploaded\nreplications: 3\n")
    page.set_input_files("#upload input[type=file]", str(good))
    page.wait_for_function("() => document.querySelector('#replications').value === '3'")
    assert page.inner_text("#scenario-error") == ""
    assert "good.yaml (uploaded)" in page.inner_text("#scenario")


def test_cancel_stops_the_run_and_keeps_the_page_responsive(
    page, server: Server, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    run_and_wait(page, server)
    before = server.finished_runs()
    page.fill("#replications", "2000")
    page.click("#run")
    page.wait_for_function(
        "() => /^[1-9]\\d* of 2000 replications/.test("
        "document.querySelector('#progress-text').innerText)"
    )
    assert server.jobs(), "no background process is running the ensemble"
    # The page answers while the ensemble runs: another view renders.
    page.click('#tabs >> text="Regions"')
    page.wait_for_selector("#region-map .js-plotly-plot")
    assert page.locator("#run").is_disabled()
    page.screenshot(path=str(shots / "dashboard-running.png"))
    page.click("#cancel")
    page.wait_for_function("() => !document.querySelector('#run').disabled")
    assert "cancelled" in page.inner_text("#run-message")
    deadline = time.monotonic() + 60
    while server.jobs() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.jobs() == [], "the run's process outlived Cancel"
    assert server.finished_runs() == before
    assert page.locator("#region-map .js-plotly-plot").count() == 1  # earlier results kept


def test_download_gives_a_scenario_that_extends_the_original(
    page, server: Server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    paths = knb_loyalty_paths(page)
    values = {p: (1.0 if i == 0 else 0.0) for i, p in enumerate(paths)}
    original = server.scenarios / "kz_small.yaml"
    before = load_scenario(original).model_dump(mode="json")
    for path, value in values.items():
        set_control(page, path, value)
    # Download once the edits are in (a CI run under load clicked before the last callback
    # had stored them): each changed value carries its badge, and the count says them all.
    changed = [p for p, v in values.items() if yaml_value(before, p) != v]
    for p in changed:
        page.wait_for_selector(f'[data-path="{p}"] button.reset', state="visible")
    shown = "document.querySelector('#changed-count').innerText"
    page.wait_for_function(f"() => {shown} === '{len(changed)} values changed'")
    with page.expect_download() as info:
        page.click("#download-button")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    (tmp_path / original.name).write_text(original.read_text())  # saved next to the original
    assert saved.name == "kz_small.edited.yaml"
    assert "extends: kz_small.yaml" in saved.read_text()
    loaded = load_scenario(saved).model_dump(mode="json")
    expected = apply_values(load_scenario(original).model_dump(mode="json"), values)
    assert loaded == {**expected, "name": loaded["name"]}
    assert loaded["name"] != expected["name"]  # marked as edited
