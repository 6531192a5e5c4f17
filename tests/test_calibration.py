"""The calibration script (experiments/calibration): it runs, and the baseline uses its result."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "calibration" / "calibrate_kazakhstan.py"
CHOSEN = ROOT / "experiments" / "calibration" / "results" / "chosen.json"  # the agents' point
# The blocks' point 1025 with no standing guard, the baseline since session 26 (its last re-fit:
# results/blocks25_tail, which kept it with guard and guarding at 0).
POINT_1025 = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"
AGENTS = ROOT / "tests" / "agents_baseline.yaml"  # the agents' baseline, shipped until session 26


@pytest.fixture(scope="module")
def calibration():
    spec = importlib.util.spec_from_file_location("calibrate_kazakhstan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_baseline_uses_the_chosen_point_verbatim(calibration) -> None:
    """The baseline is point 1025 of the crowd of blocks, every value of it verbatim (the crowd
    rule included), its calibrated numbers inside the calibration's space; the agents' chosen
    point is kept verbatim in the agents' baseline."""
    point = json.loads(POINT_1025.read_text())
    assert set(calibration.SPACE) <= set(point)
    baseline = load_scenario(calibration.BASELINE)
    for path, value in point.items():
        assert calibration.value_at(baseline, path) == value, path
    for path, (low, high) in calibration.SPACE.items():
        assert low <= point[path] <= high, path
    chosen = json.loads(CHOSEN.read_text())
    assert set(chosen) == set(calibration.SPACE)
    agents = load_scenario(AGENTS)
    assert agents.crowd.representation == "agents"
    for path, value in chosen.items():
        assert calibration.value_at(agents, path) == value, path
        low, high = calibration.SPACE[path]
        assert low <= value <= high, path


def test_overrides_change_only_the_named_parameters(calibration) -> None:
    base = load_scenario(calibration.BASELINE)
    changed = calibration.with_overrides(base, {"crowd.contagion": 0.5, "shocks.0.hardship": 0.3})
    assert changed.crowd.contagion == 0.5 and changed.shocks[0].hardship == 0.3
    assert (
        changed.model_copy(update={"crowd": base.crowd, "shocks": base.shocks}).model_dump()
        == base.model_dump()
    )


def test_score_has_every_part_and_their_sum(calibration) -> None:
    base = load_scenario(calibration.BASELINE)
    parts = calibration.score(base, reps=2, seed=1, workers=1)
    expected = {
        "deaths",
        "deaths_hundreds",
        "detained",
        "invite",
        "order",
        "spread",
        "almaty_seized",
        "peak_crowd",
        "total",
        "total_without_crowd",
        "peak_crowd_median",
        "peak_crowd_tail",
        "peak_crowd_p90",
        "total_with_tail",
    }
    assert set(parts) == expected
    assert all(v >= 0 for v in parts.values())
    # The record's total is the sum of the record's parts alone: the tail is beside it, not in it.
    scored = {k: v for k, v in parts.items() if k in calibration.PARTS}
    assert not calibration.PARTS & calibration.TAIL_PARTS
    assert parts["total"] == pytest.approx(sum(scored.values()))
    assert parts["total_without_crowd"] == pytest.approx(parts["total"] - parts["peak_crowd"])
    assert parts["total_with_tail"] == pytest.approx(parts["total"] + parts["peak_crowd_tail"])
    assert parts["peak_crowd_p90"] >= parts["peak_crowd_median"]


def test_the_crowd_part_is_zero_inside_the_sourced_range(calibration) -> None:
    low, high = calibration.PEAK_CROWD
    assert calibration.log_distance((low + high) / 2, calibration.PEAK_CROWD) == 0
    assert calibration.log_distance(high * 10, calibration.PEAK_CROWD) == pytest.approx(1)
    assert calibration.log_distance(low / 100, calibration.PEAK_CROWD) == pytest.approx(2)


def test_the_tail_part_sees_an_ignited_tenth_that_the_median_does_not(calibration) -> None:
    """Nine quiet Almatys and one that runs away: the median (the record's crowd part) is in the
    sourced range, the 90th percentile is not; with two runaways of ten it is further out."""
    top = calibration.PEAK_CROWD[1]
    one = pd.Series([10_000.0] * 9 + [1_000_000.0])
    two = pd.Series([10_000.0] * 8 + [1_000_000.0] * 2)
    assert calibration.log_distance(float(one.median()), calibration.PEAK_CROWD) == 0
    tail_one, tail_two = calibration.tail_parts(one), calibration.tail_parts(two)
    assert tail_one["peak_crowd_p90"] == pytest.approx(np.quantile(one, 0.9))
    assert tail_one["peak_crowd_tail"] == pytest.approx(np.log10(tail_one["peak_crowd_p90"] / top))
    assert 0 < tail_one["peak_crowd_tail"] < tail_two["peak_crowd_tail"]
    assert tail_two["peak_crowd_tail"] == pytest.approx(np.log10(1_000_000 / top))


def test_the_tail_part_is_zero_up_to_the_sourced_top_and_at_most_2(calibration) -> None:
    top = calibration.PEAK_CROWD[1]
    assert calibration.tail_parts(pd.Series([top] * 10))["peak_crowd_tail"] == 0
    assert calibration.tail_parts(pd.Series([100.0] * 10))["peak_crowd_tail"] == 0  # no floor
    assert calibration.tail_parts(pd.Series([top * 10] * 10))["peak_crowd_tail"] == pytest.approx(1)
    assert calibration.tail_parts(pd.Series([top * 1e4] * 10))["peak_crowd_tail"] == 2


def test_a_path_added_to_the_space_spans_its_range_around_a_centre(calibration) -> None:
    """A refinement round's box is +-radius around the centre in the thirteen; a path the centre
    does not give (--add) is drawn over its whole range."""
    space = {**calibration.SPACE, "violence.site_guard": (0.0, 50.0)}
    names = list(space)
    centre = {n: (lo + hi) / 2 for n, (lo, hi) in calibration.SPACE.items()}
    centre["violence.detention_share"] = 0.02  # a LOG path: its box is in log10
    points = calibration.sample(names, 50, 7, centre, 0.15, space)
    guard = points[:, names.index("violence.site_guard")]
    assert guard.min() < 1 and guard.max() > 49  # one point in each fiftieth of the range
    low, high = calibration.SPACE["crowd.contagion"]
    contagion = points[:, names.index("crowd.contagion")]
    assert np.all(np.abs(contagion - centre["crowd.contagion"]) <= 0.15 * (high - low) + 1e-12)
    detention = np.log10(points[:, names.index("violence.detention_share")])
    width = np.log10(0.2) - np.log10(0.002)
    assert np.all(np.abs(detention - np.log10(0.02)) <= 0.15 * width + 1e-9)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--add", "violence.site_guard=50:0"], "expected PATH=LOW:HIGH with LOW < HIGH"),
        (["--add", "violence.site_guard"], "expected PATH=LOW:HIGH"),
        (["--add", "crowd.contagion=0:1"], "--add crowd.contagion: already fitted"),
        (["--add", "violence.site_gard=0:50"], "violence.site_gard: unknown key"),
        (["--add", "crowd.guarding=0:2"], "--add crowd.guarding: crowd.guarding:"),
        (["--points", "0"], "--points 0 (no global stage) needs a --centre"),
        (["--choose-on", "median"], "invalid choice"),
        # `--fix` takes JSON or a bare string (session 16's hostile cases)
        (
            ["--fix", "crowd.arrest_ratio=Exact"],
            "crowd.arrest_ratio: input should be 'rounded' or 'exact'",
        ),
        (["--fix", "crowd.arrest_ration=exact"], "crowd.arrest_ration: unknown key"),
        (["--fix", "crowd.arrest_ratio"], "--fix crowd.arrest_ratio: expected PATH=VALUE"),
        (
            ["--fix", "regions.Almaty.urban_population=1"],
            "--fix regions.Almaty.urban_population: no such",
        ),
    ],
)
def test_a_bad_space_fix_or_choice_exits_2_before_anything_runs(tmp_path, args, says) -> None:
    """A usage error (exit 2) naming what is wrong, with no traceback, before any point runs
    (no results folder)."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--results", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert says in done.stderr
    assert not (tmp_path / "r").exists()
