"""Parameter uncertainty: each replication runs with parameters drawn from the priors.

Replication ``r`` belongs to draw ``r // seeds_per_draw``; a draw's parameters come from the seed
of its first replication (`claims.draw_priors`, on a stream separate from the crowd's), and every
replication keeps its own seed for the crowd. So the parameters depend only on (base seed,
replication, seeds_per_draw), never on the workers, and given its parameters a replication is the
run `simulate` would give at point values. Coupled sets keep their sum
(`scenario.address.coupled_values`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transition_sim.scenario.address import (
    apply_values,
    coupled_values,
    scenario_values,
    yaml_value,
)
from transition_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from transition_sim.claims import Prior

__all__ = [
    "Uncertainty",
    "describe",
    "draw_of",
    "drawn_scenario",
    "drawn_values",
    "first_of_draw",
]


@dataclass(frozen=True)
class Uncertainty:
    """What `run` draws: the priors, the coupled sets, and how many seeds each draw runs."""

    priors: tuple[Prior, ...]
    coupled: tuple[tuple[str, ...], ...] = ()
    seeds_per_draw: int = 1
    source: str = ""  # the registry file, for the record


def draw_of(replication: int, seeds_per_draw: int) -> int:
    """The parameter draw replication ``replication`` runs."""
    return replication // seeds_per_draw


def first_of_draw(replication: int, seeds_per_draw: int) -> int:
    """The replication whose seed a draw's parameters come from: the draw's first."""
    return draw_of(replication, seeds_per_draw) * seeds_per_draw


def drawn_values(
    scenario: Scenario, draw_seed: int, uncertainty: Uncertainty
) -> tuple[dict[str, Any], dict[str, float]]:
    """The scenario (plain data) with the parameters drawn from ``draw_seed`` (the seed of the
    draw's first replication), and the values set (coupled sets completed)."""
    from transition_sim.claims import draw_priors  # here: importing the ensemble stays light

    data = scenario_values(scenario)
    values = draw_priors(uncertainty.priors, draw_seed, data)
    sets = []
    for members in uncertainty.coupled:
        if _present(members, data) != members:
            # A scenario without the whole set (other camps, say) has another sum to keep:
            # its members keep their point values.
            for m in members:
                values.pop(m, None)
            continue
        try:
            coupled_values({m: values[m] for m in members if m in values}, data, [members])
        except ValueError:
            # The draws overfill a set whose sum differs from the baseline's (another
            # scenario's): that set keeps its point values.
            for m in members:
                values.pop(m, None)
        else:
            sets.append(members)
    return apply_values(data, values, sets)


def _present(members: tuple[str, ...], data: dict[str, Any]) -> tuple[str, ...]:
    """The members of a coupled set the scenario has."""
    out = []
    for m in members:
        try:
            yaml_value(data, m)
        except KeyError:
            continue
        out.append(m)
    return tuple(out)


def drawn_scenario(scenario: Scenario, draw_seed: int, uncertainty: Uncertainty) -> Scenario:
    """``scenario`` with the parameters drawn from ``draw_seed``, validated."""
    data, _ = drawn_values(scenario, draw_seed, uncertainty)
    return Scenario.model_validate(data)


def describe(uncertainty: Uncertainty | None) -> dict[str, Any]:
    """The mode, for the manifest, the summary and the resume check."""
    if uncertainty is None:
        return {"mode": "point"}
    return {
        "mode": "prior",
        "seeds_per_draw": uncertainty.seeds_per_draw,
        "priors": len(uncertainty.priors),
        "priors_hash": _priors_hash(uncertainty),
        "source": uncertainty.source,
    }


def _priors_hash(uncertainty: Uncertainty) -> str:
    """What the draws depend on (not where the priors are written), for the resume check."""
    priors = [(p.path, p.distribution, p.low, p.high) for p in uncertainty.priors]
    return hashlib.sha256(repr((priors, uncertainty.coupled)).encode()).hexdigest()[:16]
