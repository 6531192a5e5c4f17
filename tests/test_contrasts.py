"""The contrasts script (experiments/elites): perturbations stay valid and touch only what they
name, counterfactuals keep their own values, and a contrast holds only when its interval does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "elites" / "contrasts.py"


@pytest.fixture(scope="module")
def contrasts():
    spec = importlib.util.spec_from_file_location("contrasts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.mark.parametrize("factor", [0.8, 1.2])
def test_every_perturbation_is_a_valid_scenario_that_moves_only_its_parameter(contrasts, factor):
    base = contrasts.load_scenario(contrasts.SCENARIOS["kazakhstan_2022"]).model_dump(mode="json")
    for path in contrasts.PARAMETERS:
        data = contrasts.perturbed(base, path, factor)
        contrasts.Scenario.model_validate(data)  # still valid: vectors add up to 1
        old, new = contrasts.get_path(base, path), contrasts.get_path(data, path)
        assert new != old, path
        if path not in contrasts.INTEGER and old * factor <= 1:
            assert new == pytest.approx(old * factor), path
        compensated = (
            {"power", "factions"} if path.endswith(".power") or ".loyalty." in path else set()
        )
        changed = {k for k in base if base[k] != data[k]}
        assert changed <= {path.split(".")[0]} | compensated, path


def test_a_counterfactual_keeps_the_value_it_sets_itself(contrasts):
    scenarios = contrasts.perturbed_scenarios("patron.cost", 1.2)
    assert scenarios["kz_no_patron"].patron.cost == 1.0
    assert scenarios["kazakhstan_2022"].patron.cost == pytest.approx(0.12)
    assert scenarios["kz_loyal_security"].patron.cost == pytest.approx(0.12)


def test_a_contrast_holds_only_in_its_direction_and_beyond_its_null(contrasts):
    fall = contrasts.Contrast("x", "s", "", lambda b, c: (0, 0, 0), -1)
    assert fall.holds(-0.2, -0.3, -0.1)
    assert not fall.holds(-0.2, -0.3, 0.05), "the interval includes no effect"
    assert not fall.holds(0.2, 0.1, 0.3), "the wrong direction"
    ratio = contrasts.Contrast("r", "s", "", lambda b, c: (0, 0, 0), -1, null=1.0)
    assert ratio.holds(0.3, 0.2, 0.5) and not ratio.holds(0.9, 0.7, 1.1)


def test_the_difference_of_shares_interval_covers_its_estimate(contrasts):
    d, lo, hi = contrasts.diff_of_shares(0.7, 0.5, 100, 100)
    assert d == pytest.approx(-0.2) and lo < d < hi and hi < 0
