"""A self-contained HTML report of an output folder: every figure, plotly.js bundled inline, so
the page opens with no network (``transition-sim report DIR``; `write_report`)."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

import transition_sim
from transition_sim.ensemble.store import REPORT_FILE, record_in_manifest, write_text_atomic
from transition_sim.viz import why
from transition_sim.viz.figures import FANS, inert_html, metrics_table, outcome_chart
from transition_sim.viz.regions import region_heatmap, region_map
from transition_sim.viz.results import Results, Sweep, load_output
from transition_sim.viz.stats import humanize, reused_views
from transition_sim.viz.sweeps import sensitivity_charts, share_chart
from transition_sim.viz.timeline import events_table, timeline_chart
from transition_sim.viz.units import number

REPORT_NAME = REPORT_FILE
CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta, .note { color: #555; } .note { background: #fff6e0; padding: 0.5em 1em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 1em 0; width: 100%; }
th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.6em; text-align: left; }
.figure { margin: 1.5em 0; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; }
"""

__all__ = [
    "REPORT_NAME",
    "Section",
    "replications_by_outcome",
    "report_html",
    "sections",
    "typical_replication",
    "write_report",
]


@dataclass
class Section:
    """A heading, a line of text, then figures and tables (as HTML) in order."""

    title: str
    text: str = ""
    parts: list[go.Figure | str] = field(default_factory=list)


def _table(frame: pd.DataFrame) -> str:
    """A table as HTML, numbers with thousands separators (never ``1.266e+04``)."""
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[column]) and not pd.api.types.is_bool_dtype(
            shown[column]
        ):
            shown[column] = shown[column].map(number)
    return shown.to_html(index=False, border=0, escape=True)


def typical_replication(results: Results) -> int | None:
    """The first replication that ended in the most common outcome."""
    stories = replications_by_outcome(results)
    return stories[0][1] if stories else None


def replications_by_outcome(results: Results) -> list[tuple[str, int, int]]:
    """For each outcome that occurred, most common first: the outcome, its first replication
    and how many replications ended in it. The report tells one story per outcome, so the
    surprising endings appear beside the usual one."""
    runs = results.runs
    if runs is None or not len(runs):
        return []
    counts = runs["outcome"].value_counts(sort=True)
    return [
        (str(outcome), int(runs.loc[runs["outcome"] == outcome, "replication"].iloc[0]), int(n))
        for outcome, n in counts.items()
    ]


def _outcome_rows(results: Results) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "outcome": humanize(name),
                "share": f"{100 * e['share']:.1f}%",
                "95% interval": f"{100 * e['ci95'][0]:.1f}% to {100 * e['ci95'][1]:.1f}%",
            }
            for name, e in results.summary.get("outcomes", {}).items()
        ]
    )


def _ensemble_sections(results: Results) -> Iterator[Section]:
    yield Section(
        "Outcomes",
        "How the replications ended, with 95% Wilson intervals for the shares.",
        [outcome_chart([results]), _table(_outcome_rows(results))],
    )
    if results.summary.get("metrics"):
        yield Section(
            "Metrics",
            "Per replication, summarized over the runs where each is defined.",
            [_table(metrics_table([results]))],
        )
    if results.timeseries is None:
        return
    yield Section(
        "Over the days",
        "Fan charts over replications.",
        [build(results) for build in FANS.values()],
    )
    yield Section(
        "Regions", "Where protest is, day by day.", [region_map(results), region_heatmap(results)]
    )
    if results.runs is not None and len(why.outcome_classes(results)) > 1:
        yield Section(
            "Why: by outcome",
            "The key series with one median and middle-50% band per outcome; where two outcomes"
            f" part ways (a key series {why.PARTED_SE:g} standard errors apart,"
            f" {why.PARTED_DAYS} days running) and the event that differs most; every metric"
            " by outcome.",
            [p if isinstance(p, go.Figure) else _table(p) for p in why.report_parts(results)],
        )
    if results.events is None:
        return
    total = len(results.runs) if results.runs is not None else 0
    for outcome, replication, n in replications_by_outcome(results):
        yield Section(
            f"One replication ending in {humanize(outcome)}: number {replication}",
            f"{n:,} of {total:,} replications ended in {humanize(outcome)}; this is the first"
            " of them.",
            [timeline_chart(results, replication), _table(events_table(results, replication))],
        )


def _sweep_sections(sweep: Sweep) -> Iterator[Section]:
    if sweep.points is not None and sweep.parameters:
        yield Section(
            "Outcome shares over the swept parameters",
            f"Varied: {', '.join(sweep.parameters)}.",
            [share_chart(sweep, outcome) for outcome in sweep.outcomes],
        )
    charts = sensitivity_charts(sweep)
    if charts:
        yield Section("Sensitivity", f"Method: {sweep.sensitivity['method']}.", charts)


def sections(output: Results | Sweep) -> list[Section]:
    """The report's sections for an ensemble or a sweep folder."""
    if isinstance(output, Results):
        return list(_ensemble_sections(output))
    return list(_sweep_sections(output))


def report_html(output: Results | Sweep, extra: Sequence[Section] = ()) -> str:
    """The whole page as one string (plotly.js inline)."""
    title = output.name if isinstance(output, Results) else output.label
    manifest = output.manifest
    meta = [f"folder {output.path}"]
    if isinstance(output, Results):
        meta.insert(0, output.label)
    for key in ("created", "transition_sim", "scenario_hash"):
        if manifest.get(key):
            meta.append(f"{humanize(key)} {manifest[key]}")
    mode = manifest.get("uncertainty") or {}
    if mode.get("mode") == "prior":  # intervals over seeds and parameters (README)
        meta.append(
            f"parameters drawn from {mode.get('priors')} priors ({mode.get('source')}),"
            f" {mode.get('seeds_per_draw')} seeds per draw"
        )
    body = [f"<h1>{html.escape(title)}</h1>", f"<p class='meta'>{html.escape('; '.join(meta))}</p>"]
    body += [f"<p class='note'>{html.escape(note)}</p>" for note in output.notes]
    count = 0
    with reused_views():  # the national rows, read by a dozen figures, made once
        parts = sections(output)
    for section in [*parts, *extra]:
        body.append(f"<h2>{html.escape(section.title)}</h2><p>{html.escape(section.text)}</p>")
        for part in section.parts:
            if isinstance(part, go.Figure):
                count += 1
                fig_html = inert_html(
                    part,
                    full_html=False,
                    include_plotlyjs=False,
                    config={"displaylogo": False},
                    auto_play=False,
                )
                body.append(f"<div class='figure'>{fig_html}</div>")
            else:
                body.append(part)
    if isinstance(output, Results) and output.scenario is not None:
        text = (output.path / "scenario.resolved.yaml").read_text(encoding="utf-8")
        body.append(
            "<h2>Scenario as run</h2><details><summary>scenario.resolved.yaml</summary>"
            f"<pre>{html.escape(text)}</pre></details>"
        )
    body.append(
        f"<p class='meta'>transition-sim {transition_sim.__version__}; {count} figures.</p>"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}: transition-sim report</title>"
        f"<style>{CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script>"
        f"</head><body data-figures='{count}'>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(
    results_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    extra: Sequence[Section] = (),
    *,
    record: bool = True,
) -> Path:
    """Write the report of ``results_dir`` (an ensemble or sweep folder) to ``out`` (default:
    ``results_dir/report.html``), atomically; return its path. Written into a finished folder,
    it is listed in the folder's manifest (unless not ``record``: a folder that fails its
    manifest check is reported, not vouched for). Raises
    `transition_sim.viz.results.ResultsError` if the folder is not an output folder.
    ``extra`` sections go at the end (``transition-sim report`` adds scenario discovery)."""
    output = load_output(results_dir)
    path = Path(out) if out is not None else Path(results_dir) / REPORT_NAME
    page = report_html(output, extra)
    write_text_atomic(path, page)
    if record and path.resolve() == (Path(results_dir) / REPORT_NAME).resolve():
        record_in_manifest(results_dir, REPORT_NAME)
    return path
