"""The shared figures: they plot what the data holds, under the names the data uses.

Most tests use a small hand-made ensemble whose camps, factions, kinds and outcomes are named
unlike Kazakhstan's, so a figure that only knew the baseline's names would fail here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic_sweep import OUTCOMES, XS, YS, X, Y, share_holds, write_sensitivity, write_sweep

from transition_sim.dashboard.compare import compare_results
from transition_sim.ensemble.summary import wilson_interval
from transition_sim.scenario import Scenario
from transition_sim.viz import figures, regions, stats, sweeps, timeline
from transition_sim.viz.compare import difference_chart
from transition_sim.viz.results import Results, ResultsError, load_output, load_results, load_sweep

DAYS = 4
REPS = 4
START = dt.date(2030, 3, 1)


def _summary(outcomes: dict[str, int], n: int) -> dict:
    return {
        "scenario": "Synthetic",
        "replications": n,
        "seed": 7,
        "outcomes": {
            k: {"share": c / n, "ci95": list(wilson_interval(c, n))} for k, c in outcomes.items()
        },
        "metrics": {"deaths": {"median": 3.0, "p05": 0.0, "p95": 9.0, "n": n}},
    }


def synthetic(path: Path = Path("synthetic"), scenario: Scenario | None = None) -> Results:
    """4 replications x 4 days x regions north, south (+ all). Replication r on day d has
    r + d active violent and 10 * r + d active peaceful citizens in the north, none in the
    south; faction "spies" stands aside from day 2 in replications 2 and 3."""
    rows = []
    for r in range(REPS):
        for d in range(DAYS):
            north = {"active_peaceful": 10 * r + d, "active_violent": r + d}
            regional = {"north": north, "south": {"active_peaceful": 0, "active_violent": 0}}
            national = {
                "power_incumbent": 0.5 + 0.1 * r,
                "power_rivals": 0.5 - 0.1 * r,
                "legitimacy": 0.8,
                "regime_legitimacy": 0.7,
                "repression_level": min(d, 2),
                "patron_troops": 100 if d >= 2 else 0,
                "stance_guards": "obey",
                "stance_spies": "stand_aside" if r >= 2 and d >= 2 else "obey",
            }
            total = {k: sum(v[k] for v in regional.values()) for k in north}
            for name, counts in (*regional.items(), ("all", total)):
                active = counts["active_peaceful"] + counts["active_violent"]
                citizens = 100 if name != "all" else 200
                rows.append(
                    {
                        "replication": r,
                        "day": d,
                        "date": START + dt.timedelta(days=d),
                        "region": name,
                        "active": active,
                        **counts,
                        "quiet": citizens - active - 1,
                        "jailed": 1,
                        "arrests": 2 if name != "all" else 4,
                        "deaths": float(r) if name != "all" else 2.0 * r,
                        **national,
                    }
                )
    events = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1],
            "day": [0, 2, 2, 1],
            "date": [START, START + dt.timedelta(2), START + dt.timedelta(2), START],
            "actor": ["junta", "spies", "spies", "junta"],
            "action": ["decree", "defect", "leak", "decree"],
            "details": ["curfew", "walk out", "files", "curfew"],
        }
    )
    runs = pd.DataFrame(
        {"replication": range(REPS), "seed": range(REPS), "outcome": ["holds"] * 3 + ["falls"]}
    )
    return Results(
        path,
        _summary({"holds": 3, "falls": 1}, REPS),
        runs,
        pd.DataFrame(rows),
        events,
        scenario,
        {},
    )


# -- reductions -------------------------------------------------------------------------------
def test_fan_takes_percentiles_over_replications_for_each_day() -> None:
    nat = stats.national(synthetic().timeseries)
    f = stats.fan(nat, "active_peaceful").set_index("day")
    for d in range(DAYS):
        values = [10 * r + d for r in range(REPS)]  # the north's peaceful actives on day d
        assert f.loc[d, "p50"] == pytest.approx(np.median(values))
        assert f.loc[d, "p05"] == pytest.approx(np.percentile(values, 5))
        assert f.loc[d, "date"] == pd.Timestamp(START + dt.timedelta(days=d))


def test_cumulative_runs_within_each_replication() -> None:
    nat = stats.national(synthetic().timeseries)
    total = nat.assign(c=stats.cumulative(nat, "deaths")).groupby("replication")["c"].last()
    assert total.tolist() == [2.0 * r * DAYS for r in range(REPS)]


def test_stance_shares_are_shares_of_replications() -> None:
    nat = stats.national(synthetic().timeseries)
    shares = stats.stance_shares(nat, "stance_spies").set_index("day")
    assert shares.loc[1, "obey"] == 1.0
    assert shares.loc[2, "stand_aside"] == 0.5 and shares.loc[3, "obey"] == 0.5


def test_share_difference_matches_newcombe_1998_example() -> None:
    """Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80 = 0.2000,
    hybrid score interval (method 10) 0.0524 to 0.3339."""
    a = {"share": 48 / 80, "ci95": list(wilson_interval(48, 80))}
    b = {"share": 56 / 70, "ci95": list(wilson_interval(56, 70))}
    d, lo, hi = stats.share_difference(a, b)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def test_region_intensity_is_the_median_active_share() -> None:
    intensity = stats.region_intensity(synthetic().timeseries).set_index(["region", "day"])
    shares = [(10 * r + 2 + r + 2) / 100 for r in range(REPS)]  # north, day 2
    assert intensity.loc[("north", 2), "p50"] == pytest.approx(np.median(shares))
    assert intensity.loc[("south", 2), "p50"] == 0.0
    assert "all" not in intensity.index.get_level_values("region")


# -- ensemble figures --------------------------------------------------------------------------
def test_outcome_chart_shows_the_summary_shares_and_intervals() -> None:
    results = synthetic()
    fig = figures.outcome_chart([results])
    bars = fig.data[0]
    assert list(bars.y) == ["holds", "falls"]
    assert list(bars.x) == [75.0, 25.0]
    lo, hi = wilson_interval(3, 4)
    assert bars.error_x.array[0] == pytest.approx(100 * hi - 75)
    assert bars.error_x.arrayminus[0] == pytest.approx(75 - 100 * lo)
    assert fig.layout.xaxis.title.text == "share of replications (%)"


def test_outcome_missing_from_one_summary_counts_as_never_seen() -> None:
    a = synthetic()
    b = Results(Path("b"), _summary({"holds": 5, "stalemate": 5}, 10), None, None, None, None, {})
    fig = figures.outcome_chart([a, b])
    bars = [t for t in fig.data if t.type == "bar"]
    assert list(bars[0].y) == ["holds", "falls", "stalemate"]
    assert list(bars[1].x) == [50.0, 0.0, 50.0]
    assert bars[1].error_x.array[1] == pytest.approx(100 * wilson_interval(0, 10)[1])
    assert [t.name for t in bars] == [a.label, b.label]


def test_difference_chart_is_b_minus_a_in_percentage_points() -> None:
    a = synthetic()
    b = Results(Path("b"), _summary({"holds": 1, "falls": 3}, REPS), None, None, None, None, {})
    fig = difference_chart(a, b, compare_results(a, b))
    assert list(fig.data[0].x) == pytest.approx([-50.0, 50.0])


def test_fan_figures_name_series_after_the_data() -> None:
    results = synthetic()
    names = {
        key: [t.name for t in build(results).data if t.mode == "lines"]
        for key, build in figures.FANS.items()
        if key != "stances"
    }
    assert names["actives"] == ["peaceful", "violent"]
    assert names["power"] == ["incumbent", "rivals"]
    assert names["legitimacy"] == [
        figures.COLUMN_LABELS["legitimacy"],
        figures.COLUMN_LABELS["regime_legitimacy"],
    ]
    stances = figures.stances_figure(results)
    assert [a.text for a in stances.layout.annotations][:2] == ["guards", "spies"]
    assert {t.name for t in stances.data} == {"obey", "stand aside"}


def test_actives_are_a_percentage_of_citizens() -> None:
    fig = figures.actives_figure(synthetic())
    median = next(t for t in fig.data if t.name == "violent")
    # national violent actives on day 0: r over 200 citizens; median over r = 0..3 is 1.5
    assert median.y[0] == pytest.approx(100 * 1.5 / 200)
    assert "%" in fig.layout.yaxis.title.text


def test_detentions_are_in_people_when_the_scenario_gives_the_scale() -> None:
    scenario = Scenario.model_validate({"name": "s", "scale": {"people_per_agent": 4}})
    in_people = figures.detentions_figure(synthetic(scenario=scenario))
    in_agents = figures.detentions_figure(synthetic())
    people = next(t for t in in_people.data if t.mode == "lines").y
    agents = next(t for t in in_agents.data if t.mode == "lines").y
    assert list(people) == pytest.approx([4 * a for a in agents])
    assert agents[-1] == 4 * DAYS  # 4 national arrests a day
    assert "agents" in in_agents.layout.yaxis.title.text
    assert "people" in in_people.layout.yaxis.title.text


def test_every_figure_has_a_title_and_axis_titles() -> None:
    results = synthetic()
    built = [build(results) for build in figures.FANS.values()]
    built += [
        figures.outcome_chart([results]),
        regions.region_heatmap(results),
        timeline.timeline_chart(results, 0),
    ]
    for fig in built:
        assert fig.layout.title.text
        assert fig.layout.xaxis.title.text or fig.layout.annotations
        if fig is not built[-1]:
            assert fig.layout.title.subtitle.text


def test_metrics_table_labels_two_ensembles_a_and_b() -> None:
    a = synthetic()
    table = figures.metrics_table([a, a])
    assert list(table.columns) == [
        "metric",
        f"A: {a.label}",
        f"B: {a.label}",
        "difference of medians (B − A)",
    ]
    assert table.iloc[0, -1] == "+0"


# -- regions and timeline ------------------------------------------------------------------------
def test_region_map_has_a_frame_per_day_coloured_by_median_share() -> None:
    fig = regions.region_map(synthetic())
    assert [f.name for f in fig.frames] == [str(d) for d in range(DAYS)]
    north_day3 = np.median([(11 * r + 6) / 100 for r in range(REPS)])
    colors = fig.frames[3].data[0].marker.color
    assert colors[0] == pytest.approx(100 * north_day3) and colors[1] == 0.0
    assert fig.layout.xaxis.visible is False  # a schematic, not a map with tiles


def test_region_layout_is_deterministic_and_keeps_linked_regions_closer() -> None:
    names = ["a", "b", "c", "d"]
    links = [("a", "b", 1.0), ("b", "c", 1.0), ("c", "d", 1.0)]
    pos = regions.layout(names, links)
    assert pos == regions.layout(names, links)

    def dist(p: str, q: str) -> float:
        return float(np.hypot(pos[p][0] - pos[q][0], pos[p][1] - pos[q][1]))

    assert dist("a", "b") < dist("a", "d")
    assert set(regions.layout(["x", "y"], [])) == {"x", "y"}


def test_segments_split_where_the_value_changes() -> None:
    frame = pd.DataFrame({"day": [0, 1, 2, 3], "v": ["a", "a", "b", "a"]})
    segs = timeline.segments(frame, "v")
    assert segs.to_dict("list") == {"start": [0, 2, 3], "end": [2, 3, 4], "value": ["a", "b", "a"]}


def test_timeline_shows_stances_lasting_states_and_events() -> None:
    results = synthetic()
    fig = timeline.timeline_chart(results, 0)
    rows = list(fig.layout.yaxis.categoryarray)
    assert rows == ["guards", "spies", "patron troops", "repression", "junta"]
    diamonds = next(t for t in fig.data if t.type == "scatter")
    assert len(diamonds.x) == 2  # junta on day 0; spies' two events on day 2 share a diamond
    assert "leak: files" in diamonds.text[1]
    other = timeline.timeline_chart(results, 3)
    spies = [t for t in other.data if t.type == "bar" and "spies" in t.y]
    assert sorted(t.name for t in spies) == ["stance: obey", "stance: stand aside"]


def test_events_table_is_one_replications_log() -> None:
    table = timeline.events_table(synthetic(), 0)
    assert list(table.columns) == ["day", "date", "actor", "action", "details"]
    assert table["action"].tolist() == ["decree", "defect", "leak"]


# -- output folders ------------------------------------------------------------------------------
def test_a_folder_with_only_a_summary_loads_with_notes(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps(_summary({"holds": 1}, 1)))
    results = load_results(tmp_path)
    assert results.runs is None and results.timeseries is None and results.events is None
    assert any("timeseries.parquet" in n for n in results.notes)
    assert any("manifest.json" in n for n in results.notes)


def test_a_folder_that_is_no_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="not an output folder"):
        load_output(tmp_path)
    with pytest.raises(ResultsError, match="no such folder"):
        load_output(tmp_path / "missing")


# -- sweeps (SYNTHETIC FIXTURES in the agreed layout; see tests/synthetic_sweep.py) -------------
def test_sweep_folder_reads_parameters_outcomes_and_metrics(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path / "grid"))
    assert sweep.parameters == [X, Y]
    assert sweep.outcomes == list(OUTCOMES)
    assert sweep.metrics == ["deaths"]


def test_share_heatmap_puts_each_point_in_its_cell(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path / "grid"))
    fig = sweeps.share_chart(sweep, "holds", X, Y)
    heat = fig.data[0]
    assert heat.type == "heatmap"
    assert list(heat.x) == list(XS) and list(heat.y) == list(YS)
    for i, y in enumerate(YS):
        for j, x in enumerate(XS):
            assert heat.z[i][j] == pytest.approx(100 * share_holds(x, y))
    swapped = sweeps.share_chart(sweep, "holds", Y, X).data[0]
    assert swapped.z[0][2] == pytest.approx(100 * share_holds(XS[0], YS[2]))


def test_share_chart_pools_other_parameters_and_handles_scattered_points(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path / "grid"))
    points = sweep.points.assign(extra=np.arange(len(sweep.points)) % 2)
    pooled = sweeps.share_chart(type(sweep)(sweep.path, None, points, None, {}), "holds", X, Y)
    assert "pooled over extra" in pooled.layout.title.subtitle.text
    scattered = points.assign(**{X: points[X] + np.linspace(0, 0.01, len(points))})
    fig = sweeps.share_chart(type(sweep)(sweep.path, None, scattered, None, {}), "holds", X, Y)
    assert fig.data[0].type == "scatter" and len(fig.data[0].x) == len(points)
    one = points.drop(columns=[Y, "extra"]).groupby(X, as_index=False).first()
    line = sweeps.share_chart(type(sweep)(sweep.path, None, one, None, {}), "holds")
    assert line.data[-1].mode == "lines+markers"


def test_morris_and_sobol_charts_plot_the_indices(tmp_path: Path) -> None:
    morris = load_sweep(write_sensitivity(tmp_path / "m", "morris"))
    charts = sweeps.sensitivity_charts(morris)
    assert len(charts) == 2
    assert list(charts[0].data[0].x) == [0.30, 0.12, 0.05]
    assert list(charts[0].data[0].y) == [0.10, 0.20, 0.01]
    sobol = load_sweep(write_sensitivity(tmp_path / "s", "sobol"))
    bars = sweeps.sensitivity_charts(sobol)[0].data
    assert [list(b.y) for b in bars] == [[0.50, 0.20, 0.02], [0.60, 0.35, 0.03]]
    assert list(bars[1].error_y.array) == [0.06, 0.05, 0.02]
    assert sweeps.sensitivity_charts(type(sobol)(sobol.path, None, None, None, {})) == []


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sensitivity_charts_draw_the_noise_floor_where_it_is_known(
    tmp_path: Path, method: str
) -> None:
    folder = write_sensitivity(tmp_path / method, method)
    data = json.loads((folder / "sensitivity.json").read_text(encoding="utf-8"))
    data["outputs"]["share_holds"]["noise_floor"] = 0.04
    data["outputs"]["deaths_median"]["noise_floor"] = None  # one replication: unknown
    (folder / "sensitivity.json").write_text(json.dumps(data), encoding="utf-8")
    known, unknown = sweeps.sensitivity_charts(load_sweep(folder))
    lines = sorted((shape.x0 if method == "morris" else shape.y0) for shape in known.layout.shapes)
    assert lines == ([0.04, 0.08] if method == "morris" else [0.04])
    assert "noise" in known.layout.title.subtitle.text
    assert not unknown.layout.shapes and "noise" not in unknown.layout.title.subtitle.text
