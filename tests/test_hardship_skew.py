"""A skewed hardship (crowd.hardship_skew, docs/ODD.md §5): the stated distribution, Epstein's
uniform kept exactly at 1, a graded crowd, and bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from scipy import stats as sps

from transition_sim.core.crowd import hardship_draw
from transition_sim.scenario import load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

# The crowd of agents at its calibrated point (the shipped baseline until session 26, which is
# blocks now): the rule tested here is the agents' crowd's.
BASELINE = Path(__file__).parent.parent / "tests" / "agents_baseline.yaml"


def test_a_skew_of_one_is_epsteins_uniform_hardship_draw_for_draw() -> None:
    a = hardship_draw(np.random.default_rng(5), 0.1, 0.7, 1.0, 1000)
    b = np.random.default_rng(5).uniform(0.1, 0.7, 1000)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("skew", [0.5, 2.0, 4.0])
def test_skewed_hardship_has_the_stated_distribution(skew: float) -> None:
    """P(H <= h) = ((h - low) / (high - low)) ** (1 / skew): a Kolmogorov-Smirnov test."""
    low, high = 0.1, 0.7
    h = hardship_draw(np.random.default_rng(11), low, high, skew, 20_000)
    assert low <= h.min() and h.max() <= high

    def cdf(x: np.ndarray) -> np.ndarray:
        return np.clip((x - low) / (high - low), 0.0, 1.0) ** (1.0 / skew)

    assert sps.kstest(h, cdf).pvalue > 1e-3
    # and its mean: low + (high - low) / (skew + 1)
    assert h.mean() == pytest.approx(low + (high - low) / (skew + 1), abs=0.01)


def peak_shares(skew: float, seeds: range) -> np.ndarray:
    data = load_scenario(BASELINE).model_dump()
    data["crowd"]["hardship_skew"] = skew
    data["days"] = 20
    scenario = Scenario.model_validate(data)
    return np.array([simulate(scenario, s).metrics["peak_active_share"] for s in seeds])


def test_a_skewed_hardship_tips_a_smaller_share_of_the_city() -> None:
    """The same price shock: with few citizens in much hardship, fewer of them join."""
    uniform, skewed = peak_shares(1.0, range(8)), peak_shares(3.0, range(8))
    assert np.median(skewed) < 0.75 * np.median(uniform)
    assert sps.mannwhitneyu(skewed, uniform, alternative="less").pvalue < 0.01


def test_a_skew_must_be_positive(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "name: x\ncrowd:\n  hardship_skew: 0\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "crowd.hardship_skew")
    assert "greater than 0" in err.message


def test_a_skew_is_refused_with_blocks(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.yaml",
        "name: x\ncrowd:\n  representation: blocks\n  hardship_skew: 2.0\n",
    )
    err = load_error(path)
    assert (err.line, err.field) == (4, "crowd.hardship_skew")
    assert "not implemented for representation: blocks" in err.message
