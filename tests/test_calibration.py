"""The calibration script (experiments/calibration): it runs, and the baseline uses its result."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "calibration" / "calibrate_kazakhstan.py"
CHOSEN = ROOT / "experiments" / "calibration" / "results" / "chosen.json"


@pytest.fixture(scope="module")
def calibration():
    spec = importlib.util.spec_from_file_location("calibrate_kazakhstan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def value_at(data, path: str):
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def test_the_baseline_uses_the_chosen_point_verbatim(calibration) -> None:
    chosen = json.loads(CHOSEN.read_text())
    assert set(chosen) == set(calibration.SPACE)
    baseline = load_scenario(calibration.BASELINE).model_dump()
    for path, value in chosen.items():
        assert value_at(baseline, path) == value, path
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
    }
    assert set(parts) == expected
    assert all(v >= 0 for v in parts.values())
    scored = {k: v for k, v in parts.items() if k not in expected - calibration.PARTS}
    assert parts["total"] == pytest.approx(sum(scored.values()))
    assert parts["total_without_crowd"] == pytest.approx(parts["total"] - parts["peak_crowd"])


def test_the_crowd_part_is_zero_inside_the_sourced_range(calibration) -> None:
    low, high = calibration.PEAK_CROWD
    assert calibration.log_distance((low + high) / 2, calibration.PEAK_CROWD) == 0
    assert calibration.log_distance(high * 10, calibration.PEAK_CROWD) == pytest.approx(1)
    assert calibration.log_distance(low / 100, calibration.PEAK_CROWD) == pytest.approx(2)
