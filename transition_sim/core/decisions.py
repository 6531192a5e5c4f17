"""The elite layer's odds and choices as plain functions over plain numbers (docs/ODD.md §7.5–7.9).

One coercive contest (Tullock 1980) gives every probability of winning: what elites expect,
purges, coups, strikes for the office and the incumbent's decision to stay. The choices weigh
those odds against explicit stakes, in one unit: a camp's own position (1 = what it holds now,
or held when it began resisting). A choice is a logit over the options' values, so a better
option is more likely but never certain; there is no cut-off. Each function says which way its
result moves with each input; tests/test_decisions.py checks every one of those directions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def tullock(strength: Mapping[str, float], exponent: float) -> dict[str, float]:
    """Each side's chance of prevailing: ``s_i^g / sum_j s_j^g`` (equal shares if all are 0).

    Rises with a side's own strength, falls with every other side's; a larger exponent
    favours the strongest side more. Equal strengths give equal chances, so a coup whose
    plotters are as strong as the government's side succeeds half the time (Powell & Thyne 2011
    find 227 of 457 coup attempts, about 50%, succeeded).

    Where the powers overflow or underflow (an exponent of 1e9, or 50 on large strengths) the
    shares are computed in log space; elsewhere directly, so that results do not change.
    """
    try:
        # (``0.0 if s < 0.0 else s`` is ``max(s, 0.0)``, NaN and -0.0 included, without a call)
        powered = {k: (0.0 if s < 0.0 else s) ** exponent for k, s in strength.items()}
        total = sum(powered.values())
    except OverflowError:
        return _tullock_log(strength, exponent)
    if not math.isfinite(total) or (total <= 0.0 and any(s > 0.0 for s in strength.values())):
        return _tullock_log(strength, exponent)
    if total <= 0.0:
        return {k: 1.0 / len(powered) for k in powered}
    return {k: v / total for k, v in powered.items()}


def _tullock_log(strength: Mapping[str, float], exponent: float) -> dict[str, float]:
    """`tullock` as ``exp(g log s_i - logsumexp_j g log s_j)``: no power is ever formed."""
    logs = {k: exponent * math.log(s) if s > 0.0 else -math.inf for k, s in strength.items()}
    top = max(logs.values())
    if exponent <= 0.0 or not math.isfinite(top):
        powered = {k: max(s, 0.0) ** exponent for k, s in strength.items()}
        total = sum(powered.values())
        return {k: v / total if total > 0 else 1.0 / len(powered) for k, v in powered.items()}
    weights = {k: math.exp(v - top) for k, v in logs.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


def showdown(strength: Mapping[str, float], a: str, b: str, exponent: float) -> float:
    """The chance that ``a`` prevails over ``b`` in a contest between the two alone."""
    if a == b:
        return tullock({a: strength.get(a, 0.0)}, exponent)[a]
    return pair(strength.get(a, 0.0), strength.get(b, 0.0), exponent)


def pair(a: float, b: float, exponent: float) -> float:
    """`tullock` of two sides, the first's chance: the same operations without the dicts (the
    odds elites weigh many times a day); the edge cases go through `tullock` itself."""
    try:
        pa, pb = (0.0 if a < 0.0 else a) ** exponent, (0.0 if b < 0.0 else b) ** exponent
    except OverflowError:
        return tullock({"a": a, "b": b}, exponent)["a"]
    total = pa + pb  # = sum([pa, pb]), compensated or not: two terms round once
    if total > 0.0 and math.isfinite(total):
        return pa / total
    return tullock({"a": a, "b": b}, exponent)["a"]


def choice_probabilities(values: Sequence[float], temperature: float) -> list[float]:
    """The logit (softmax) probability of each option: ``exp(v_i/t) / sum_j exp(v_j/t)``."""
    top = max(values)
    weights = [math.exp((v - top) / temperature) for v in values]
    total = sum(weights)
    return [w / total for w in weights]


def logit_pick(values: Sequence[float], temperature: float, u: float) -> int:
    """Index of the option chosen with its `choice_probabilities`, given a uniform draw ``u`` in
    [0, 1) (inverse CDF: one draw per choice, cheap and reproducible)."""
    top = max(values)
    weights = [math.exp((v - top) / temperature) for v in values]
    draw, pick = u * sum(weights), 0
    while pick < len(weights) - 1 and draw >= weights[pick]:
        draw -= weights[pick]
        pick += 1
    return pick


def logistic(value: float, temperature: float) -> float:
    """The probability of choosing an act worth ``value`` over doing nothing (worth 0)."""
    x = value / temperature
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# -- purges ----------------------------------------------------------------------------------------
def purge_value(p: float, gain: float, punishment: float) -> float:
    """What a purge is worth to the office holder, against doing nothing, in units of its own
    position.

    It succeeds with probability ``p`` and adds ``gain`` (the share of the target's power it
    takes, relative to its own). If it fails, the holder expects the hardened target to strike
    back with the same odds (Svolik 2012: a ruler who moves against an ally and fails has shown
    his weakness): lost, the holder loses its position and is punished; won, it is back where it
    started (the cautious reading: the prize of removing the target is not counted). So
    ``p * gain - (1 - p)^2 * (1 + punishment)``: rises with ``p`` and with the gain, falls with
    the punishment.
    """
    return p * gain - (1.0 - p) ** 2 * (1.0 + punishment)


# -- exit, holding on, striking --------------------------------------------------------------------
def exit_value(credibility: float, keeps: float, punishment: float) -> float:
    """Leaving (giving up posts, or the office): if the promise of safety holds (probability
    ``credibility``) the camp keeps ``keeps`` of its position, otherwise it is punished.
    Rises with credibility and with what it keeps; falls with the punishment."""
    return credibility * keeps - (1.0 - credibility) * punishment


def fight_value(p: float, win_value: float, punishment: float) -> float:
    """A final showdown: won with probability ``p`` (worth ``win_value``), lost otherwise (the
    camp is punished). Rises with ``p`` and with the prize; falls with the punishment."""
    return p * win_value - (1.0 - p) * punishment


def hold_value(intact: float, p: float, threat: float, punishment: float) -> float:
    """Holding on while resisting, with ``intact`` (0..1) of its position left. Unthreatened, the
    camp keeps it. Once the office holder has moved against it, the tandem is over: holding on
    means facing the next move anyway, so it keeps what is intact only if it prevails (``p``)
    and is punished otherwise. ``threat`` (0..1) is how much that move still weighs; the value
    is the mix of the two readings. Rises with what is intact and with ``p``; falls as the
    threat weighs more."""
    return threat * fight_value(p, intact, punishment) + (1.0 - threat) * intact


# -- a faction's coup ------------------------------------------------------------------------------
def coup_utility(loyalty: float, bandwagon: float, p: float, penalty: float) -> float:
    """A faction's stance utility for a coup for a side it is loyal to by ``loyalty``: the
    bandwagon value of winning (probability ``p``) less the cost of failing (its chief purged).
    Rises with loyalty and with ``p``; falls with the penalty."""
    return loyalty + bandwagon * p - penalty * (1.0 - p)


# -- the patron and the sponsor --------------------------------------------------------------------
def patron_acceptance(aligned: bool, cost: float) -> float:
    """The chance a patron answers an invitation: ``1 - cost`` from the camp it is aligned with,
    0 from anyone else. Falls with the cost of intervening."""
    return (1.0 - cost) if aligned else 0.0


def sponsored_drive(motivation: float, prospects: float, prospects_at_start: float) -> float:
    """How hard sponsored armed groups act: their full ``motivation`` while the sponsor's odds
    against the office holder are at least what they were when it began resisting, and in
    proportion to them as they fade. Rises with the sponsor's prospects."""
    if prospects_at_start <= 0.0:
        return 0.0
    return motivation * min(1.0, prospects / prospects_at_start)


# -- ways out that need no consent (issue 13) ------------------------------------------------------
def guardian_value(guardian: float, street_odds: float) -> float:
    """What removing the ruler to save the regime from the street adds to a coup's value for a
    faction with weight ``guardian`` on the regime (Casper & Tyson 2014; Johnson & Thyne 2018):
    ``guardian * street_odds``. Rises with the street's expected odds; 0 in calm times."""
    return guardian * street_odds


def site_falls(attackers: float, defenders: float, ratio: float, exponent: float) -> float:
    """The chance a site changes hands today: a Tullock contest between the challengers and the
    holders, the holders' count weighted by ``ratio`` (the defender's advantage). Rises with the
    attackers, falls with the defenders and the ratio; 0 without attackers, 1 against none."""
    if attackers <= 0.0:
        return 0.0
    return pair(attackers, ratio * defenders, exponent)


def invitation_probability(threshold: float, loyal_capacity: float, temperature: float) -> float:
    """The daily chance the office holder calls in the patron: a logistic in
    ``(threshold - loyal_capacity) / temperature``; at temperature 0 the cut-off (invite below
    the threshold). Falls as more of its own units obey."""
    if temperature <= 0.0:
        return float(loyal_capacity < threshold)
    return logistic(threshold - loyal_capacity, temperature)
