"""Parameter uncertainty: each replication runs with parameters drawn from the priors, or from
a fitted posterior.

Replication ``r`` belongs to draw ``r // seeds_per_draw``; a draw's parameters come from the seed
of its first replication (`claims.draw_priors`, or one particle of the posterior chosen by weight:
`scenario.posterior.draw_particle`; each on a stream separate from the crowd's), and every
replication keeps its own seed for the crowd. With a posterior, the parameters it does not hold
keep their point values (as in the fit that made it). So the parameters depend only on (base seed,
replication, seeds_per_draw), never on the workers, and given its parameters a replication is the
run `simulate` would give at point values. Coupled sets keep their sum
(`scenario.address.coupled_values`). A scenario drawing from a posterior runs the model rules its
fit ran (`scenario.posterior.check_rules`, called where the draws are set up).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transition_sim.ensemble.seeds import replication_seed
from transition_sim.scenario.address import (
    PathError,
    apply_values,
    base_value,
    coupled_values,
    fewest_refused,
    scenario_values,
    yaml_value,
)
from transition_sim.scenario.schema import Scenario, settled_paths

if TYPE_CHECKING:
    from transition_sim.claims import Prior
    from transition_sim.scenario.posterior import Posterior

__all__ = [
    "Uncertainty",
    "describe",
    "draw_of",
    "drawn_scenario",
    "drawn_values",
    "first_of_draw",
    "own_values_kept",
    "refuse_refused_draws",
    "refused_draw",
    "with_values",
]


@dataclass(frozen=True)
class Uncertainty:
    """What `run` draws: the priors (or a posterior's particles, which then replace them), the
    coupled sets, and how many seeds each draw runs."""

    priors: tuple[Prior, ...]
    coupled: tuple[tuple[str, ...], ...] = ()
    seeds_per_draw: int = 1
    source: str = ""  # the registry file (or the posterior file), for the record
    posterior: Posterior | None = None

    @property
    def mode(self) -> str:
        return "prior" if self.posterior is None else "posterior"


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
    data, keep, drawable = _prepared(scenario, uncertainty)
    values = {p: v for p, v in _draw(drawable, draw_seed, uncertainty).items() if p not in keep}
    return with_values(data, values, uncertainty.coupled)


# What every draw of one run shares (a worker draws a task's replications from one scenario):
# the scenario as plain data (read, never changed: `with_values` sets values in a copy), its
# settled paths, and the priors it draws with its values (`claims.drawable`). Kept for the last
# (scenario, uncertainty) pair, both frozen, held here so that their ids stay theirs; one tuple,
# replaced whole and read once, so that threads drawing for other scenarios never mix entries.
_PREPARED: tuple[Any, ...] = ()


def _prepared(
    scenario: Scenario, uncertainty: Uncertainty
) -> tuple[dict[str, Any], set[str], list[Any] | None]:
    global _PREPARED
    held = _PREPARED
    if held and held[0] is scenario and held[1] is uncertainty:
        return held[2]
    data = scenario_values(scenario)
    drawable = None
    if uncertainty.posterior is None:
        from transition_sim.claims import drawable as found

        drawable = found(uncertainty.priors, data)
    prepared = (data, settled_paths(data), drawable)
    _PREPARED = (scenario, uncertainty, prepared)
    return prepared


def with_values(
    data: dict[str, Any], values: dict[str, float], coupled: tuple[tuple[str, ...], ...]
) -> tuple[dict[str, Any], dict[str, float]]:
    """``data`` (a scenario as plain data) with ``values`` set, coupled sets completed; a set
    the scenario lacks in part, or that the values overfill, keeps its point values."""
    values = dict(values)
    sets = []
    for members in coupled:
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


def _draw(drawable: list[Any] | None, draw_seed: int, uncertainty: Uncertainty) -> dict[str, float]:
    """The values one draw sets: a particle of the posterior, else one draw of the priors
    (``drawable``: those the scenario draws, `_prepared`; `claims.draw_priors`'s values)."""
    if uncertainty.posterior is not None:
        from transition_sim.scenario.posterior import draw_particle

        posterior = uncertainty.posterior
        return posterior.particle(draw_particle(posterior, draw_seed))
    from transition_sim.claims import draw_drawable  # here: importing the ensemble stays light

    return draw_drawable(drawable, draw_seed)


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


def own_values_kept(
    uncertainty: Uncertainty, scenario: Scenario, baseline: Scenario
) -> Uncertainty:
    """The draws of ``uncertainty`` for ``scenario``, a counterfactual of ``baseline``: without
    the posterior's columns whose value the scenario sets itself (differs from the baseline's,
    or that it lacks), since a counterfactual keeps what makes it one. The particles and their
    weights are unchanged, so replication r of both runs the same particle (common random
    numbers hold under the posterior). Prior draws (no posterior) are returned as they are.

    A counterfactual that runs another model rule than the posterior's fit (`posterior.RULES`)
    is refused (`posterior.RulesMismatch`): its particles' values would mean something else."""
    posterior = uncertainty.posterior
    if posterior is None:
        return uncertainty
    from transition_sim.scenario.posterior import check_rules

    data, base = scenario_values(scenario), scenario_values(baseline)
    remedy = "run at point values (--point), or under a posterior fitted under this rule"
    check_rules(posterior, data, f"the counterfactual {scenario.name!r}", remedy)
    keep = [i for i, c in enumerate(posterior.columns) if _same_value(data, base, c)]
    if len(keep) == len(posterior.columns):
        return uncertainty
    kept = replace(
        posterior,
        columns=tuple(posterior.columns[i] for i in keep),
        values=tuple(tuple(row[i] for i in keep) for row in posterior.values),
    )
    return replace(uncertainty, posterior=kept)


def _same_value(data: dict[str, Any], base: dict[str, Any], address: str) -> bool:
    try:
        return bool(base_value(data, address) == base_value(base, address))
    except PathError:  # the counterfactual lacks it (a camp removed, say)
        return False


def describe(uncertainty: Uncertainty | None) -> dict[str, Any]:
    """The mode, for the manifest, the summary and the resume check."""
    if uncertainty is None:
        return {"mode": "point"}
    if uncertainty.posterior is not None:
        posterior = uncertainty.posterior
        return {
            "mode": "posterior",
            "seeds_per_draw": uncertainty.seeds_per_draw,
            "particles": len(posterior),
            "parameters": len(posterior.columns),
            "posterior_sha256": posterior.sha256,
            "coupled_hash": _priors_hash(uncertainty, ()),
            "source": uncertainty.source,
        }
    return {
        "mode": "prior",
        "seeds_per_draw": uncertainty.seeds_per_draw,
        "priors": len(uncertainty.priors),
        "priors_hash": _priors_hash(uncertainty),
        "source": uncertainty.source,
    }


def _priors_hash(uncertainty: Uncertainty, priors_: tuple[Prior, ...] | None = None) -> str:
    """What the draws depend on (not where the priors are written), for the resume check."""
    chosen = uncertainty.priors if priors_ is None else priors_
    priors = [(p.path, p.distribution, p.low, p.high) for p in chosen]
    return hashlib.sha256(repr((priors, uncertainty.coupled)).encode()).hexdigest()[:16]


def refuse_refused_draws(
    scenarios: Sequence[Scenario],
    files: Sequence[Path | str],
    uncertainty: Uncertainty,
    runs: Sequence[tuple[int, int]] = (),
) -> None:
    """Raise the first `claims.PriorError` of a scenario (other than the baseline, read from its
    file) that a prior's end would make invalid (the registry is checked against the baseline
    only): before any run, not midway. ``runs``: (replications, base seed) of each scenario's
    run, whose draws are then checked as well (`refused_draw`): the ends' checks cannot see
    every combination (a region's population low and the crowd's density high put a site's
    cell off its grid, though each end alone, all lows and all highs ran). Only the first
    `CHECKED_DRAWS` draws of a run are checked (each costs a validation, about 3 ms): a
    combination refused more rarely than that can still stop a longer run midway."""
    from transition_sim.claims import ROOT, PriorError, Priors, refused_draws

    source = Path(uncertainty.source)
    registry = Priors(
        source if source.is_absolute() else ROOT / source,
        uncertainty.priors,
        (),
        uncertainty.coupled,
    )
    for scenario, file in zip(scenarios, files, strict=True):
        problems = refused_draws(registry, scenario, file)
        if problems:
            raise problems[0]
    by_path = {p.path: p for p in uncertainty.priors}
    for scenario, file, (replications, seed) in zip(scenarios, files, runs, strict=False):
        found = refused_draw(scenario, uncertainty, replications, seed)
        if found is None:
            continue
        replication, values, why = found
        (path, value), *others = values.items()
        prior = by_path[path]
        with_ = "".join(f" with {other} at {v:g}" for other, v in others)
        message = (
            f"replication {replication}'s draw sets it to {value:g}{with_}, which {file}"
            f" refuses: {why}"
        )
        raise PriorError(registry.file, prior.line, f"{prior.entry}.priors.{path}", message)


# The draws `refused_draw` checks before a run: a check per draw made `run -n 1000000000`
# validate for days before its first replication. 200 draws (about 0.6 s) cover a default
# backtest's every draw and find a combination refused once in 50 draws with probability
# 1 - (49/50)^200 > 0.98.
CHECKED_DRAWS = 200


def refused_draw(
    scenario: Scenario, uncertainty: Uncertainty, replications: int, seed: int
) -> tuple[int, dict[str, float], str] | None:
    """The first of the first `CHECKED_DRAWS` draws of a run of ``replications`` from base
    ``seed`` that ``scenario`` refuses (that run would stop there): the replication whose seed
    it is drawn from, the fewest of its values the scenario still refuses (each value left at
    its point value in turn, and kept there if the refusal stays), and why; None if every
    checked draw is valid. Prior draws only (a posterior's particles are checked as the
    posterior is read)."""
    data, keep, drawable = _prepared(scenario, uncertainty)
    checked = min(replications, CHECKED_DRAWS * uncertainty.seeds_per_draw)
    for first in range(0, checked, uncertainty.seeds_per_draw):
        drawn = _draw(drawable, replication_seed(seed, first), uncertainty)
        values = {p: v for p, v in drawn.items() if p not in keep}
        why = _refusal(data, values, uncertainty.coupled)
        if why is None:
            continue
        values, why = fewest_refused(
            values, why, lambda fewer: _refusal(data, fewer, uncertainty.coupled)
        )
        return first, values, why
    return None


def _refusal(
    data: dict[str, Any], values: dict[str, float], coupled: tuple[tuple[str, ...], ...]
) -> str | None:
    """Why the scenario (plain data) refuses ``values`` set as a draw sets them, or None."""
    from transition_sim.scenario.address import refusal

    return refusal(with_values(data, values, coupled)[0], {})
