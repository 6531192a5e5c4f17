"""The "why" views driven in headless Chromium: one replication watched on its grids day by day
(a click on a timeline event moves the grid to that day), the charts split by outcome, PRIM.

The dashboard is started on saved results folders made here (a 20-day baseline with 16
replications, Epstein's Model 1 over 60 days, and a synthetic sweep), so these tests do not
depend on the run controls. Every wait is on a condition in the page, with generous timeouts
for a loaded 2-core machine; screenshots go to the artifacts folder (tests/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from browser import DashboardProcess, artifacts_dir, needs_chromium
from synthetic_sweep import write_sensitivity, write_sweep

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.store import write_results
from transition_sim.scenario import load_scenario

pytestmark = [needs_chromium, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
WAIT = 180_000  # ms: re-running a replication on a loaded 2-core machine
# The agents' baseline (shipped until session 26): its 16 short runs end two ways, which the
# "Why" view needs to contrast; the blocks baseline's all end with the incumbent holding.
SMALL = f"""extends: {ROOT / "tests" / "agents_baseline.yaml"}
name: Kazakhstan 2022, 20 days
days: 20
replications: 16
seed: 1
"""
EPSTEIN = f"""extends: {ROOT / "scenarios" / "epstein_model1.yaml"}
name: Epstein Model 1, 60 days
days: 60
replications: 2
"""


def _ensemble(root: Path, name: str, text: str) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    ensemble = run_ensemble(load_scenario(path), workers=1)
    return write_results(root / name, ensemble, ensemble.scenario, command=["test"])


class Server(DashboardProcess):
    """The dashboard on saved folders, in its own process."""

    def __init__(self, root: Path) -> None:
        self.small = _ensemble(root, "small", SMALL)
        self.epstein = _ensemble(root, "epstein", EPSTEIN)
        sweep = write_sweep(root / "sweep")  # SYNTHETIC FIXTURE (tests/synthetic_sweep.py)
        morris = write_sensitivity(root / "morris", "morris")  # SYNTHETIC FIXTURE
        args = [
            "--workdir", str(root / "work"), "--workers", "1",
            "--scenarios", str(ROOT / "scenarios"),
            "--results", str(self.small), "--results", str(self.epstein),
            "--results", str(sweep), "--results", str(morris),
        ]  # fmt: skip
        super().__init__(root, args)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("dashboard_d2"))
    yield srv
    srv.stop()


@pytest.fixture
def page(browser, server: Server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server.url)
    page.wait_for_function(
        "() => { const r = document.querySelector('#results-a');"
        " return r && r.innerText.length > 0; }"
    )
    yield page
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory)


# -- helpers ---------------------------------------------------------------------------------------
def show_results(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the results folder whose label starts with ``label`` in "Results shown"."""
    if page.inner_text("#results-a").startswith(label):
        return
    page.click("#results-a")
    page.click(f"text={label}")
    page.wait_for_function(
        "(l) => document.querySelector('#results-a').innerText.startsWith(l)", arg=label
    )


def grid_day(page) -> int | None:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => { const g = document.querySelector('#watch-figure .js-plotly-plot');"
        " return g && g.layout.meta ? g.layout.meta.day : null; }"
    )


def wait_grid_day(page, day: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "(d) => { const g = document.querySelector('#watch-figure .js-plotly-plot');"
        " return g && g.layout.meta && g.layout.meta.day === d; }",
        arg=day,
    )


def event_marks(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """The timeline's event diamonds: their day and where they are on the screen."""
    return page.evaluate(
        """() => {
        const gd = document.querySelector('#timeline .js-plotly-plot');
        const box = gd.getBoundingClientRect();
        const fl = gd._fullLayout, xa = fl.xaxis, ya = fl.yaxis;
        const t = gd._fullData.find(t => t.mode === 'markers');
        return t.x.map((x, i) => ({
            day: t.customdata[i],
            px: box.left + xa._offset + xa.d2p(x),
            py: box.top + ya._offset + ya.d2p(t.y[i]),
        }));
    }"""
    )


# -- tests ------------------------------------------------------------------------------------
def test_one_run_watched_on_its_grid_for_ten_days(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    show_results(page, "Kazakhstan 2022, 20 days")
    page.click('#tabs >> text="One replication"')
    wait_grid_day(page, 0)
    regions = page.evaluate(
        "() => document.querySelector('#watch-figure .js-plotly-plot')"
        ".data.filter(t => t.type === 'heatmap').length"
    )
    assert regions == len(load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml").regions)
    seen = []
    for day in range(1, 11):  # ten days, one step at a time
        page.click("#watch-next")
        wait_grid_day(page, day)
        seen.append(page.evaluate(
            "() => JSON.stringify(document.querySelector('#watch-figure .js-plotly-plot')"
            ".data.filter(t => t.type === 'heatmap').map(t => t.z))"
        ))  # fmt: skip
    assert len(set(seen)) == 10, "the grid did not change from day to day"
    page.locator("#watch").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-watch.png"))
    page.screenshot(path=str(shots / "dashboard-watch-full.png"), full_page=True)

    # A click on an event diamond moves the grid to that event's day.
    page.locator("#timeline").scroll_into_view_if_needed()
    marks = [m for m in event_marks(page) if m["day"] != 10]
    assert marks, "no event on another day to click"
    target = max(marks, key=lambda m: m["day"])
    # Plotly reports a click on the point under the hover label: hover first, then click.
    page.mouse.move(target["px"], target["py"])
    page.wait_for_selector("#timeline .hoverlayer .hovertext")
    page.mouse.click(target["px"], target["py"])
    wait_grid_day(page, target["day"])

    # Play moves on by itself; pause stops it.
    page.click("#watch-play")
    wait_grid_day(page, min(target["day"] + 1, 19))
    page.click("#watch-play")


def test_epstein_grid_looks_like_mesas_example(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    show_results(page, "Epstein Model 1, 60 days")
    page.click('#tabs >> text="One replication"')
    wait_grid_day(page, 0)
    legend = page.evaluate(
        "() => Object.fromEntries(document.querySelector('#watch-figure .js-plotly-plot').data"
        ".filter(t => t.type === 'scatter').map(t => [t.name, t.marker.color]))"
    )
    assert legend["quiet"] == "#648FFF"
    assert legend["police unit, obeying"] == "#000000"
    for day in range(1, 31):  # a month on: Epstein's bursts of rebellion
        page.click("#watch-next")
        wait_grid_day(page, day)
    page.locator("#watch").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-watch-epstein.png"))


def test_outcome_split(page, server: Server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    runs = pd.read_parquet(server.small / "runs.parquet")
    counts = runs["outcome"].value_counts()
    show_results(page, "Kazakhstan 2022, 20 days")
    page.click('#tabs >> text="Over the days"')
    page.wait_for_selector("#fan-actives .js-plotly-plot")
    outcome = str(counts.index[0])
    page.click("#time-outcome")
    page.click(f"text=runs ending in {outcome.replace('_', ' ')} ({counts.iloc[0]})")
    page.wait_for_function(
        "(o) => { const g = document.querySelector('#fan-actives .js-plotly-plot');"
        " return g && g.layout.title.subtitle.text.includes('runs ending in ' + o); }",
        arg=outcome.replace("_", " "),
    )
    zoomed = page.evaluate(
        "() => document.querySelector('#fan-actives .js-plotly-plot').layout.xaxis.range"
    )
    assert zoomed, "the time axis is not zoomed to the active days"
    page.screenshot(path=str(shots / "dashboard-time-split.png"))

    page.click('#tabs >> text="Regions"')
    page.wait_for_selector("#region-map .js-plotly-plot")
    page.click("#regions-outcome")
    page.click(f"text=runs ending in {outcome.replace('_', ' ')} ({counts.iloc[0]})")
    page.wait_for_function(
        "(o) => { const g = document.querySelector('#region-map .js-plotly-plot');"
        " return g && g.layout.title.subtitle.text.includes('runs ending in ' + o); }",
        arg=outcome.replace("_", " "),
    )

    page.click('#tabs >> text="Why: by outcome"')
    page.wait_for_selector("#why-split .js-plotly-plot")
    legend = page.evaluate(
        "() => document.querySelector('#why-split .js-plotly-plot').data"
        ".filter(t => t.showlegend !== false && t.name).map(t => t.name)"
    )
    expected = [f"{o.replace('_', ' ')} ({n} runs)" for o, n in counts.items() if n >= 3]
    assert legend == expected
    if len(expected) >= 2:
        page.wait_for_selector("#why-parting")
        assert "vs" in page.inner_text("#why-parting")
    page.screenshot(path=str(shots / "dashboard-why.png"))
    page.screenshot(path=str(shots / "dashboard-why-full.png"), full_page=True)


def test_prim_on_a_sweep_and_on_an_ensemble(page, server: Server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.click('#tabs >> text="Sweeps & sensitivity"')
    page.wait_for_selector("#sweep-prim .js-plotly-plot")
    boxes = page.evaluate(
        "() => document.querySelector('#sweep-prim .js-plotly-plot').data[0].x.length"
    )
    assert boxes >= 2, "PRIM peeled no box"
    box = page.inner_text("#sweep-box")
    assert "coverage" in box and "density" in box
    page.wait_for_selector("#sweep-importance .js-plotly-plot")
    title = page.evaluate(
        "() => document.querySelector('#sweep-importance .js-plotly-plot')"
        ".layout.title.subtitle.text"
    )
    assert "Held-out AUC" in title
    page.locator("#sweep-prim").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-prim.png"))

    # The sensitivity summary: one chart, the per-output detail behind a picker.
    page.click("#sweep")
    page.click("text=morris (morris)")
    page.wait_for_selector("#sensitivity-summary .js-plotly-plot")
    columns = page.evaluate(
        "() => document.querySelector('#sensitivity-summary .js-plotly-plot').data[1].x"
    )
    assert len(columns) == 2  # the fixture's two outputs
    page.wait_for_selector("#sensitivity-detail-chart .js-plotly-plot")
    # Dash may still be replacing the summary's graph when the detail's appears (seen once in
    # a full run under load: 1 chart): wait for the two, and fail if they never both show.
    page.wait_for_function("() => document.querySelectorAll('#view .js-plotly-plot').length >= 2")
    assert page.locator("#view .js-plotly-plot").count() == 2
    page.screenshot(path=str(shots / "dashboard-sensitivity.png"))

    show_results(page, "Kazakhstan 2022, 20 days")
    page.click('#tabs >> text="Why: by outcome"')
    page.wait_for_selector("#why-discovery")
    page.wait_for_function(
        "() => { const d = document.querySelector('#why-discovery');"
        " return d && (d.querySelector('#why-prim .js-plotly-plot') || d.querySelector('.note')); }"
    )
