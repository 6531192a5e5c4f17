"""Cheap model functions for the experiment engine's tests (importable by name, so process
pools, subprocesses and Dask workers can run them: put this folder on PYTHONPATH)."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from transition_sim.studies.models import inputs


@inputs(x=0.0, y=0.0, z=0.0, noise=0.1, delay=0.0, fail_above=10.0)
def toy(v: Mapping[str, float], seed: int) -> tuple[str, dict[str, float]]:
    """A noisy sum: outcome "high" when x + y (+ noise) exceeds 1; raises for x > fail_above."""
    if v["delay"]:
        time.sleep(v["delay"])
    if v["x"] > v["fail_above"]:
        raise ValueError(f"x = {v['x']} is too large")
    rng = np.random.default_rng(seed)
    total = v["x"] + v["y"] + v["noise"] * rng.standard_normal()
    return ("high" if total > 1 else "low"), {"total": total, "draw": float(rng.random())}


@inputs(x=0.0)
def ragged(v: Mapping[str, float], seed: int) -> tuple[str, dict[str, float]]:
    """Breaks the contract: a metric that only some runs return (x > 0.5), one that only
    others do."""
    metrics = {"always": v["x"]}
    metrics["only_high" if v["x"] > 0.5 else "only_low"] = 1.0
    return "ok", metrics


@inputs(x=0.0, y=0.0, z=0.0)
def linear(v: Mapping[str, float], seed: int) -> tuple[str, dict[str, float]]:
    """out = 4x + 2y + 0z, no noise: Morris's mu* over unit ranges is exactly 4, 2, 0."""
    return "ok", {"out": 4 * v["x"] + 2 * v["y"] + 0 * v["z"]}


@inputs(x=0.0, y=0.0, z=0.0)
def clash(v: Mapping[str, float], seed: int) -> tuple[str, dict[str, float]]:
    """A metric named like an input."""
    return "ok", {"x": v["x"]}


@inputs(x=0.0, y=0.0, z=0.0)
def corner(v: Mapping[str, float], seed: int) -> tuple[str, dict[str, float]]:
    """Outcome "hit" inside the box x > 0.7, y < 0.3 (z plays no part), with 2% label noise."""
    rng = np.random.default_rng(seed)
    inside = v["x"] > 0.7 and v["y"] < 0.3
    if rng.random() < 0.02:
        inside = not inside
    return ("hit" if inside else "miss"), {"u": float(rng.random())}
