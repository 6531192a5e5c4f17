"""How long each dashboard tab takes to render, on a first and on a second visit (issue 17: every
tab under 2 s on a second visit, on a 100-replication baseline).

    uv run transition-sim run scenarios/kazakhstan_2022.yaml -n 100 --out /tmp/base -w 2
    uv run transition-sim run EDITED.yaml -n 100 --out /tmp/edited -w 2   # for "Compare two"
    uv run python benchmarks/bench_dashboard_views.py /tmp/base [/tmp/edited] [--rounds 2]

The dashboard runs in its own process (``transition-sim dashboard --results ...``) and headless
Chromium (Debian's, as the browser tests use) clicks through the tabs: a visit is timed from the
click until the view holds new content, nothing in it is loading and every Plotly chart in it
is drawn. The first round is the first visit of every tab; later rounds are second visits
(figures come from the per-folder cache). A script, not a test: timings on a shared machine
are noisy, so it prints every visit.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, add_common_args, table, write

DRAWN = """() => {
    const v = document.querySelector('#view');
    if (!v || !v.firstElementChild || v.firstElementChild.dataset.benchStale) return false;
    if (document.querySelector('#view [data-dash-is-loading], #view[data-dash-is-loading]'))
        return false;
    if (document.querySelector('.dash-spinner, ._dash-loading')) return false;
    // Parts a view fills by a callback of its own (the replication's timeline) must be there.
    for (const id of ['replication-detail', 'sweep-detail']) {
        const part = document.getElementById(id);
        if (part && !part.firstElementChild) return false;
    }
    return [...v.querySelectorAll('.js-plotly-plot')].every(g => g._fullLayout);
}"""
MARK = "() => { const c = document.querySelector('#view').firstElementChild;" \
    " if (c) c.dataset.benchStale = '1'; }"  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(folders: list[Path], workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [sys.executable, "-c", "from transition_sim.cli import app; app()", "dashboard",
               "--port", str(port), "--workdir", str(workdir), "--workers", "1"]  # fmt: skip
    for folder in folders:
        command += ["--results", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the dashboard did not start")


def smoke_folders(where: Path) -> list[Path]:
    """Two tiny results folders for `--smoke`: the baseline and a KNB edit, 3 days, 2 runs."""
    from transition_sim.ensemble.job import run_to_folder
    from transition_sim.scenario.loader import load_scenario

    base = load_scenario(ROOT / "scenarios" / "kazakhstan_2022.yaml")
    base = base.model_copy(update={"days": 3, "replications": 2})
    knb = base.factions["KNB"].model_copy(
        update={"loyalty": {"successor": 0.7, "family": 0.15, "self_interest": 0.15}}
    )
    edited = base.model_copy(update={"factions": {**base.factions, "KNB": knb}})
    folders = [where / "base", where / "edited"]
    for scenario, folder in zip((base, edited), folders, strict=True):
        run_to_folder(scenario, folder, workers=1)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="results folders (2 to compare)")
    parser.add_argument("--rounds", type=int, default=3, help="visits of every tab (default 3)")
    add_common_args(parser)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from transition_sim.dashboard.views import TABS

    scratch = Path(tempfile.mkdtemp(prefix="bench-dashboard-data-"))
    if not args.folders:
        if not args.smoke:
            parser.error("give the results folders to open (or --smoke)")
        args.folders, args.rounds = smoke_folders(scratch), 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    process, url = _serve(args.folders, workdir)
    times: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(180_000)
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_function(DRAWN)
            loaded = time.perf_counter() - start
            print(f"page load to the first tab drawn {loaded:6.2f} s", flush=True)
            if len(args.folders) > 1:  # "Compare with": the second folder
                page.click("#results-b")
                page.get_by_role("option").filter(has_text=str(args.folders[1])).first.click()
                page.wait_for_function(DRAWN)
            tabs = list(TABS.values())
            times[tabs[0]] = [loaded]  # the first tab's first visit is the page load
            for round_ in range(args.rounds):
                for tab in tabs[1:] if round_ == 0 else tabs:
                    page.evaluate(MARK)
                    start = time.perf_counter()
                    page.click(f'#tabs >> text="{tab}"')
                    page.wait_for_function(DRAWN)
                    seconds = time.perf_counter() - start
                    times.setdefault(tab, []).append(seconds)
                    print(f"round {round_ + 1} {tab!r:28} {seconds:6.2f} s", flush=True)
            browser.close()
    finally:
        process.terminate()
        process.wait(20)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    rows = []
    print("\ntab                           first visit   later visits (median, max)")
    for tab, seconds in times.items():
        later = seconds[1:] or [float("nan")]
        median = statistics.median(later)
        print(f"{tab!r:28} {seconds[0]:8.2f} s   {median:6.2f} s, {max(later):.2f} s")
        rows.append([tab, f"{seconds[0]:.2f}", f"{median:.2f}", f"{max(later):.2f}"])
    columns = ["tab", "first visit (s)", "later visits, median (s)", "later visits, max (s)"]
    note = f"{len(args.folders)} results folders, {args.rounds} rounds"
    write("dashboard_views", args, {"views": table(columns, rows, note)})


if __name__ == "__main__":
    main()
