"""Regions: grid sizes from urban population, strategic sites, the network protest spreads on."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from transition_sim.scenario.schema import Scenario


def grid_side(urban_population: int, people_per_agent: int, citizen_density: float) -> int:
    """Side of the square torus that holds the region's citizen agents at the crowd density."""
    citizens = urban_population / people_per_agent
    return max(3, round(math.sqrt(citizens / citizen_density)))


def split_units(total: int, shares: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` units by `shares` (exact, deterministic)."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


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
