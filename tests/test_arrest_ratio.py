"""The ratio of units to actives in the estimated arrest probability (crowd.arrest_ratio,
docs/ODD.md §7.1): rounded (Epstein's as in Mesa's example, the default) or exact. Through the
kernel and the block kernel, in a whole crowd, and bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_files import load_error, write
from scipy import stats as sps

from transition_sim.core.crowd import ACTIVE, QUIET, CrowdRules, RegionCrowd
from transition_sim.scenario import load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

BASELINE = Path(__file__).parent.parent / "scenarios" / "kazakhstan_2022.yaml"


def one_day(units: int, actives: int, hardship: float, exact: bool) -> int:
    """The state, after one day, of a citizen (risk aversion 1) who sees `units` units and
    `actives` other citizens who act whatever happens (hardship 1, risk aversion 0), all active
    at the start. A 7x7 torus with Moore vision 3: everyone sees everyone; nobody moves or
    arrests, so only her decision can change."""
    n = actives + 1
    hardships = np.r_[hardship, np.ones(actives)]
    risks = np.r_[1.0, np.zeros(actives)]
    c = RegionCrowd(
        np.random.default_rng(0), 7, n, np.zeros(units, dtype=np.int64),
        np.zeros(n, dtype=np.int8), hardships, risks, 3, "moore",
    )  # fmt: skip
    c.state[:] = ACTIVE
    c.recount()
    rules = CrowdRules(
        legitimacy=0.0, threshold=0.1, arrest_constant=2.3, max_jail_term=10, movement=False,
        batches=0, social_signal=0.0, contagion_signal=0.0, memory_effect=0.0, memory_gain=0.0,
        memory_decay=0.0, crime_drive=0.0, arrests_per_unit=0, exact_ratio=exact,
    )  # fmt: skip
    c.step(rules)
    assert (c.state[1:] == ACTIVE).all()
    return int(c.state[0])


def test_one_unit_against_three_actives_deters_only_with_the_exact_ratio() -> None:
    """1 unit, 2 other actives and herself: C/A = 1/3 rounds to 0, so rounded she fears no
    arrest at all and stays out; exact, the unit deters her (grievance 0.5)."""
    assert one_day(units=1, actives=2, hardship=0.5, exact=False) == ACTIVE
    assert one_day(units=1, actives=2, hardship=0.5, exact=True) == QUIET


def test_a_ratio_rounded_up_deters_more_than_the_exact_one() -> None:
    """3 units, 3 other actives and herself: C/A = 0.75 rounds up to 1. A citizen on the edge
    (grievance 0.96) is deterred by the rounded ratio and not by the exact one."""
    assert one_day(units=3, actives=3, hardship=0.96, exact=False) == QUIET
    assert one_day(units=3, actives=3, hardship=0.96, exact=True) == ACTIVE


def peak_shares(rule: str, seeds: range, **crowd: object) -> np.ndarray:
    data = load_scenario(BASELINE).model_dump()
    data["crowd"].update(arrest_ratio=rule, **crowd)
    data["days"] = 20
    scenario = Scenario.model_validate(data)
    return np.array([simulate(scenario, s).metrics["peak_active_share"] for s in seeds])


def test_the_exact_ratio_grows_a_smaller_crowd_from_the_same_shock() -> None:
    """Rounded, the arrest probability is 0 wherever actives outnumber units about two to one,
    so a shock tips whole neighbourhoods; exact, every unit in sight keeps deterring."""
    rounded, exact = peak_shares("rounded", range(10)), peak_shares("exact", range(10))
    assert np.median(exact) < 0.75 * np.median(rounded)
    assert sps.mannwhitneyu(exact, rounded, alternative="less").pvalue < 0.01


def test_the_block_crowd_follows_the_rule_too() -> None:
    """The blocks representation reads the same field: the same shock, a smaller crowd."""
    blocks = dict(representation="blocks", vision=None, vision_people=78_400)
    rounded = peak_shares("rounded", range(12), **blocks)
    exact = peak_shares("exact", range(12), **blocks)
    assert np.median(exact) < 0.75 * np.median(rounded)
    assert sps.mannwhitneyu(exact, rounded, alternative="less").pvalue < 0.01


@pytest.mark.parametrize("value", ["floor", "1", "true"])
def test_an_unknown_rule_is_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "x.yaml", f"name: x\ncrowd:\n  arrest_ratio: {value}\n")
    err = load_error(path)
    assert (err.line, err.field) == (3, "crowd.arrest_ratio")
    assert "'rounded' or 'exact'" in err.message
