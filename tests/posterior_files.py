"""Tiny posteriors for tests, in the agreed format (`transition_sim.scenario.posterior`): a few
particles from prior draws, so that no real fit is needed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from transition_sim.claims import BASELINE_PATH, load_priors
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.posterior import write_posterior

# Shared parameters every case inherits from the baseline unchanged.
ADDRESSES = ("crowd.contagion", "crowd.active_threshold", "loyalty_dynamics.backfire")


def prior_draws_posterior(
    folder: Path,
    particles: int = 5,
    addresses: Sequence[str] = ADDRESSES,
    weights: Sequence[float] | None = None,
) -> Path:
    """A posterior of ``particles`` prior draws of ``addresses`` (seeds 0, 1, ...), with
    ``weights`` (default: equal), written in ``folder``; returns the folder."""
    from transition_sim.claims import draw_priors

    priors = [p for p in load_priors().priors if p.path in addresses]
    assert len(priors) == len(addresses), "an address without a prior"
    data = scenario_values(load_scenario(BASELINE_PATH))
    draws = [draw_priors(priors, seed, data) for seed in range(particles)]
    values = {a: [d[a] for d in draws] for a in addresses}
    write_posterior(folder, values, weights or [1.0] * particles, _metadata(addresses))
    return folder


def _metadata(addresses: Sequence[str]) -> dict:
    priors = {p.path: p for p in load_priors().priors}
    return {
        "spec": "tests",
        "spec_sha256": "",
        "code_sha256": "",
        "priors": {
            a: {
                "distribution": priors[a].distribution,
                "low": priors[a].low,
                "high": priors[a].high,
            }
            for a in addresses
        },
        "generations": 0,
        "created": "2026-01-01T00:00:00+00:00",
    }
