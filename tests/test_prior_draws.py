"""The prior draws' fast path (`claims.prior_uniforms`, a vectorized SeedSequence + PCG64) gives
numpy's doubles bit for bit, and a run's prepared draws (`uncertainty.drawn_scenario`'s cache)
are the draws `draw_priors` makes from scratch."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from transition_sim.claims import PRIOR_STREAM, draw_priors, prior_uniforms
from transition_sim.ensemble.seeds import replication_seed
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, with_values
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.schema import Scenario, settled_paths

SEEDS = [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1, 2**64, 2**96 + 5, 20220105]


def numpy_uniform(seed: int, crc: int, stream: int = PRIOR_STREAM) -> float:
    return float(np.random.default_rng([seed, crc, stream]).random())


@pytest.mark.parametrize("seed", SEEDS)
def test_uniforms_are_numpys(seed: int) -> None:
    rng = np.random.default_rng(seed % 1000)
    crcs = [0, 1, 2**32 - 1, *(int(c) for c in rng.integers(0, 2**32, 60))]
    assert prior_uniforms(seed, crcs) == [numpy_uniform(seed, c) for c in crcs]


def test_uniforms_on_replication_seeds_and_streams() -> None:
    """The seeds runs draw from (63 bits), other streams (0, and one of two words), and
    the paths' own crcs."""
    crcs = [zlib.crc32(p.encode()) for p in ("crowd.guarding", "violence.site_guard", "x")]
    for r in range(200):
        seed = replication_seed(20220105, r)
        for stream in (PRIOR_STREAM, 0, 2**40 + 3):
            assert prior_uniforms(seed, crcs, stream) == [
                numpy_uniform(seed, c, stream) for c in crcs
            ]
    assert prior_uniforms(5, []) == []


def _numpy_draw_priors(priors, seed: int, values) -> dict:
    """`draw_priors` as it was before `prior_uniforms`: numpy's Generator, prior by prior."""
    import math

    from transition_sim.claims import _is_number, _triangular
    from transition_sim.scenario.address import yaml_value

    out = {}
    for p in priors:
        try:
            value = yaml_value(values, p.path)
        except KeyError:
            continue
        if not _is_number(value) or not p.low <= value <= p.high:
            continue
        u = numpy_uniform(seed, zlib.crc32(p.path.encode()))
        if p.low == p.high:
            out[p.path] = p.low
        elif p.distribution == "uniform":
            out[p.path] = p.low + u * (p.high - p.low)
        elif p.distribution == "log-uniform":
            out[p.path] = math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low)))
        else:
            out[p.path] = _triangular(u, p.low, float(value), p.high)
    return out


def _draw_from_scratch(priors, seed: int, scenario: Scenario) -> dict:
    """What `drawn_values` did before its cache: every step from the scenario itself."""
    data = scenario_values(scenario)
    keep = settled_paths(data)
    drawn = _numpy_draw_priors(priors, seed, data)
    assert draw_priors(priors, seed, data) == drawn
    assert list(draw_priors(priors, seed, data)) == list(drawn)  # the same order
    return {p: v for p, v in drawn.items() if p not in keep}


def test_drawn_scenarios_are_the_draws_from_scratch() -> None:
    from transition_sim.cli.scenarios import prior_uncertainty
    from transition_sim.scenario.loader import load_scenario

    scenario = load_scenario("scenarios/kazakhstan_2022.yaml")
    drawn = prior_uncertainty(1, None)
    assert len(drawn.priors) > 100
    for r in range(25):
        seed = replication_seed(7, r)
        values = _draw_from_scratch(drawn.priors, seed, scenario)
        data = scenario_values(scenario)
        assert {p.distribution for p in drawn.priors} >= {"uniform", "triangular"}
        expected = Scenario.model_validate(with_values(data, values, drawn.coupled)[0])
        assert drawn_scenario(scenario, seed, drawn) == expected
    other = scenario.model_copy(update={"seed": 3})  # another scenario: not the cached one
    seed = replication_seed(7, 0)
    data = scenario_values(other)
    values = _draw_from_scratch(drawn.priors, seed, other)
    assert drawn_scenario(other, seed, drawn) == Scenario.model_validate(
        with_values(data, values, drawn.coupled)[0]
    )
    assert isinstance(drawn, Uncertainty)


def test_threads_drawing_for_two_scenarios_get_their_own_draws() -> None:
    """The prepared draws are one entry replaced whole: threads alternating between two
    scenarios (blocks and agents baselines) get what drawing each alone gives."""
    from concurrent.futures import ThreadPoolExecutor

    from transition_sim.cli.scenarios import prior_uncertainty
    from transition_sim.scenario.loader import load_scenario

    scenarios = [
        load_scenario("scenarios/kazakhstan_2022.yaml"),
        load_scenario("tests/agents_baseline.yaml"),
    ]
    drawn = prior_uncertainty(1, None)
    jobs = [(scenarios[i % 2], replication_seed(11, i)) for i in range(60)]
    alone = [drawn_scenario(s, seed, drawn) for s, seed in jobs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda job: drawn_scenario(job[0], job[1], drawn), jobs))
    assert together == alone
    assert alone[0] != alone[1]
