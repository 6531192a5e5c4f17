"""Regions: strategic sites and the network protest spreads on (grid sizes: `scenario.geometry`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transition_sim.scenario.schema import Scenario


@dataclass
class SiteState:
    region: int
    name: str
    cell: int
    weight: float
    seized: bool = False


def network_weights(scenario: Scenario) -> np.ndarray:
    """Row-normalized adjacency: region r hears the mean active share of its neighbours."""
    names = [r.name for r in scenario.regions]
    w = np.zeros((len(names), len(names)))
    for link in scenario.links:
        a, b = names.index(link.a), names.index(link.b)
        w[a, b] = w[b, a] = link.weight
    rows = w.sum(axis=1, keepdims=True)
    return np.divide(w, rows, out=np.zeros_like(w), where=rows > 0)
