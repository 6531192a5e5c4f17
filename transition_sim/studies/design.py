"""Designs: the points of an experiment, as a table of parameter values, one row per point.

- ``grid``: every combination of the parameters' levels (the first parameter varies slowest);
- ``oat``: one at a time: the base point, then each parameter at each of its levels (others at
  their base values);
- ``lhs``: a Latin hypercube (`scipy.stats.qmc`);
- ``morris``: Morris trajectories (`SALib.sample.morris`);
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence (`SALib.sample.sobol`).

Sampling designs draw in the unit cube and map each column through its parameter's quantile
function (`Parameter.ppf`); the unit-cube points are kept, since the Morris and Sobol analyses
work on them. Every design is a pure function of the spec (its seed included): an analysis
regenerates it rather than storing it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from transition_sim.scenario.address import base_value
from transition_sim.studies.spec import Spec

__all__ = ["Points", "make_design", "salib_problem"]


@dataclass(frozen=True)
class Points:
    """A design: ``values[i, j]`` is parameter ``names[j]`` at point ``i`` (before coupled sets
    are completed and integers rounded); ``unit`` the same points in the unit cube (sampling
    designs only)."""

    names: list[str]
    values: np.ndarray
    unit: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    def point(self, i: int) -> dict[str, float]:
        return dict(zip(self.names, self.values[i].tolist(), strict=True))


def salib_problem(spec: Spec) -> dict[str, Any]:
    """SALib's problem on the unit cube (parameters are mapped to their ranges afterwards)."""
    return {
        "num_vars": len(spec.paths),
        "names": spec.paths,
        "bounds": [[0.0, 1.0]] * len(spec.paths),
    }


def make_design(spec: Spec, base: Mapping[str, Any]) -> Points:
    """The points of ``spec``'s design; ``base`` (plain scenario data) gives base values for oat."""
    method = spec.design.method
    names = spec.paths
    if method == "grid":
        levels = [p.levels() for p in spec.parameters]
        return Points(names, np.array(list(itertools.product(*levels)), dtype=float))
    if method == "oat":
        centre = [float(base_value(base, p.path)) for p in spec.parameters]
        rows = [centre]
        for j, p in enumerate(spec.parameters):
            for level in p.levels():
                if level != centre[j]:
                    rows.append([*centre[:j], level, *centre[j + 1 :]])
        return Points(names, np.array(rows, dtype=float))
    unit = _unit_sample(spec)
    values = np.column_stack([p.ppf(unit[:, j]) for j, p in enumerate(spec.parameters)])
    return Points(names, values, unit)


def _unit_sample(spec: Spec) -> np.ndarray:
    d, n = len(spec.paths), spec.design.samples or 0
    if spec.design.method == "lhs":
        return qmc.LatinHypercube(d=d, seed=spec.seed).random(n)
    if spec.design.method == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(spec), n, num_levels=spec.design.levels, seed=spec.seed)
    from SALib.sample import sobol

    return sobol.sample(
        salib_problem(spec), n, calc_second_order=spec.design.second_order, seed=spec.seed
    )
