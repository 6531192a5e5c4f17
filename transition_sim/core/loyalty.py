"""Loyalty as state: the daily mechanisms that move a security faction's loyalty (docs/ODD.md §7.5).

A faction's loyalty is a dict over holders (camps, ``opposition``, ``self_interest``) that sums to
1. Each mechanism is a plain function: a loyalty dict in, a new one out; mass only moves between
keys, so the sum stays 1. Each is scaled by a rate of the scenario's `loyalty_dynamics` section
and does nothing at rate 0. A daily move takes the share ``1 - exp(-rate * signal)`` of its
source, which is smooth, never more than the source holds, and about ``rate * signal`` when small.

Where the mass goes away from the camp a faction is anchored to (a patrimonial, stacked or
counterweight force's own camp), only ``1 - anchor`` of it moves (Bellin 2012; Quinlivan 1999;
Makara 2013): such loyalty stays with the camp and falls with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from transition_sim.core import decisions
from transition_sim.scenario.schema import OPPOSITION, SELF_INTEREST, Faction, LoyaltyDynamics

Loyalty = dict[str, float]


@dataclass(frozen=True)
class Tie:
    """How firmly a faction is tied to one camp, and where its drift to the street goes."""

    camp: str | None  # the camp it is anchored to (its largest camp loyalty at the start)
    anchor: float  # the share of drift away from that camp it does not make
    street: Mapping[str, float]  # where loyalty pushed towards the street goes


def tie(spec: Faction, dynamics: LoyaltyDynamics, camps: list[str]) -> Tie:
    """A faction's tie from its kind and coup-proofing (A-coup-proofing).

    Patrimonial and counterweight forces make only ``1 - patrimonial_anchor`` of the drift away
    from their camp, stacked ones ``1 - stacked`` (both multiply). An institutional force protects
    the regime rather than the ruler: its ``guardian`` share of the street's pull goes to the
    services' own interest instead of the street."""
    own = {k: v for k, v in spec.loyalty.items() if k in camps}
    camp = max(own, key=own.__getitem__) if own else None
    tied = spec.kind == "patrimonial" or spec.counterweight
    keep = (1.0 - spec.stacked) * (1.0 - dynamics.patrimonial_anchor * tied)
    if spec.kind == "institutional" and spec.guardian > 0.0:
        street = {SELF_INTEREST: spec.guardian, OPPOSITION: 1.0 - spec.guardian}
    else:
        street = {OPPOSITION: 1.0}
    return Tie(camp, 1.0 - keep, street)


def share_moved(rate: float, signal: float) -> float:
    """The share of a source that moves today: ``1 - exp(-rate * signal)`` (0 if either is 0)."""
    # (``0.0 if x < 0.0 else x`` is ``max(x, 0.0)``, NaN and -0.0 included, without the calls)
    return -math.expm1(-(0.0 if rate < 0.0 else rate) * (0.0 if signal < 0.0 else signal))


def move(
    loyalty: Mapping[str, float],
    source: str,
    to: Mapping[str, float],
    share: float,
    tie: Tie | None = None,
) -> Loyalty:
    """Move ``share`` of ``loyalty[source]`` to the keys of ``to``, in proportion to its weights.
    Moving away from the camp a faction is anchored to moves only ``1 - anchor`` of that."""
    out = dict(loyalty)
    weights = {k: w for k, w in to.items() if w > 0.0 and k != source}
    total = sum(weights.values())
    if share <= 0.0 or total <= 0.0 or out.get(source, 0.0) <= 0.0:
        return out
    if tie is not None and source == tie.camp:
        share *= 1.0 - tie.anchor
    moved = out[source] * min(share, 1.0)
    out[source] -= moved
    for key, w in weights.items():
        out[key] = out.get(key, 0.0) + moved * w / total
    return out


# -- the mechanisms --------------------------------------------------------------------------------
def backfire(loyalty: Loyalty, office: str, rate: float, repression: float, t: Tie) -> Loyalty:
    """Repressing a nonviolent crowd moves loyalty from the office holder towards the street
    (Hess & Martin 2006; Chenoweth & Stephan 2011) [A-loyalty-backfire]. ``repression`` (0..1):
    the repression level times the share of peaceful actives arrested today."""
    return move(loyalty, office, t.street, share_moved(rate, repression), t)


def crowd_pressure(loyalty: Loyalty, office: str, rate: float, exposure: float, t: Tie) -> Loyalty:
    """A large, peaceful crowd in front of its units moves a faction's loyalty from the office
    holder towards the street (Nepstad 2011) [A-loyalty-crowd-pressure]. ``exposure`` (0..1):
    how full of peaceful actives its units' field of vision is."""
    return move(loyalty, office, t.street, share_moved(rate, exposure), t)


def size_signal(share: float, midpoint: float, steepness: float) -> float:
    """How loud a crowd of ``share`` of its city's residents is as a public signal (0..1): a
    logistic in the log of the share, ``share^k / (share^k + midpoint^k)``, 1/2 at ``midpoint``
    and 0 without a crowd [A-loyalty-crowd-size]. In the log because participation spans orders
    of magnitude (a thousandth to half of a city) and what the literature reads is a proportion
    (Chenoweth & Stephan 2011's 3.5%): ten times below the midpoint is as far as ten times above."""
    if share <= 0.0:
        return 0.0
    # logistic(k * ln(share / midpoint)), written to stay finite for any share and steepness
    z = steepness * math.log(share / midpoint)
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0.0 else math.exp(z) / (1.0 + math.exp(z))


def crowd_size(loyalty: Loyalty, office: str, rate: float, signal: float, t: Tie) -> Loyalty:
    """How many people are in the streets of its units' cities, a public signal that the
    regime's hold is failing, moves a faction's loyalty from the office holder towards the
    street (Chenoweth & Stephan 2011; Nepstad 2011; Casper & Tyson 2014)
    [A-loyalty-crowd-size]. ``signal`` (0..1): over its units, `size_signal` of their city's
    active share times the city's peaceful share of actives."""
    return move(loyalty, office, t.street, share_moved(rate, signal), t)


def cascade(
    loyalty: Loyalty,
    office: str,
    rate: float,
    others: Mapping[str, float],
    threshold: float,
    spread: float,
    t: Tie,
) -> Loyalty:
    """Other factions' units that no longer obey pull this one along once their share passes its
    own threshold (Granovetter 1978) [A-loyalty-cascade]: the pull is a logistic in
    ``(share - threshold) / spread``. ``others`` gives, by where they went (``self_interest`` for
    standing aside, a camp, or ``opposition``), the shares of the other factions' units; loyalty
    moves there in the same proportions."""
    share = sum(others.values())
    pull = decisions.logistic(share - threshold, spread)
    return move(loyalty, office, others, share_moved(rate, pull), t)


def elite_split(
    loyalty: Loyalty, office: str, rate: float, odds: Mapping[str, float], t: Tie
) -> Loyalty:
    """While rival camps resist, loyalty drifts from the office holder to each of them in
    proportion to its showdown odds (Albrecht & Ohl 2016) [A-loyalty-elite-split]."""
    out = dict(loyalty)
    for camp, q in odds.items():
        out = move(out, office, {camp: 1.0}, share_moved(rate, q), t)
    return out


def patron_pay(loyalty: Loyalty, client: str, rate: float, t: Tie) -> Loyalty:
    """A patron's troops on the ground and its pay move every other loyalty towards its client
    [A-loyalty-patron-pay]."""
    out = dict(loyalty)
    for key in [k for k in loyalty if k != client]:
        out = move(out, key, {client: 1.0}, share_moved(rate, 1.0), t)
    return out


def recover(
    loyalty: Loyalty, base: Mapping[str, float], rate: float, floor: float = 0.0
) -> Loyalty:
    """On a calm day loyalty closes the share ``1 - exp(-rate)`` of its gap to ``base`` (what the
    scenario and the discrete events since have made it) [A-loyalty-recovery]. Keys whose value
    ends at or below ``floor`` (>= 0) are dropped; the keys keep their first appearance's order
    (``loyalty``'s, then ``base``'s: see `_union`)."""
    k = share_moved(rate, 1.0)
    if k <= 0.0:
        return dict(loyalty)
    out = {}
    for key, v in loyalty.items():  # a loop, not comprehensions: every faction, every calm day
        v = v + k * (base.get(key, 0.0) - v)
        if v > floor:
            out[key] = v
    for key, b in base.items():
        if key not in loyalty:
            v = 0.0 + k * (b - 0.0)  # as for a key of loyalty at 0
            if v > floor:
                out[key] = v
    return out


def shifted(
    base: Mapping[str, float], before: Mapping[str, float], after: Mapping[str, float]
) -> Loyalty:
    """``base`` moved by the change from ``before`` to ``after`` (a purge, a failed coup, a
    scripted event): the level loyalty recovers to follows discrete events. Negative parts are
    cut and the rest rescaled to sum to 1."""
    keys = _union(base, before, after)
    raw = {k: base.get(k, 0.0) + after.get(k, 0.0) - before.get(k, 0.0) for k in keys}
    raw = {k: max(v, 0.0) for k, v in raw.items()}
    total = sum(raw.values())
    if total <= 0.0:
        return dict(after)
    return {k: v / total for k, v in raw.items() if v > 0.0}


def _union(*loyalties: Mapping[str, float]) -> list[str]:
    """Their keys in order of first appearance. Not a set: a set of strings iterates in an order
    that changes with each process's hash seed, and the order of a loyalty's keys is the order
    in which later moves (`patron_pay`) and sums apply, so results would depend on the process."""
    return list(dict.fromkeys(key for loyalty in loyalties for key in loyalty))
