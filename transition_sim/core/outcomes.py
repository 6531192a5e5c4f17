"""Outcome classification: the one place where the outcome thresholds live (see docs/ODD.md)."""

from __future__ import annotations

from dataclasses import dataclass

OUTCOMES = (
    "successor_consolidation",
    "tandem_persists",
    "family_restoration",
    "security_takeover",
    "popular_transition",
    "unresolved",
)

# Thresholds, stated once. Shares are of power (they add up to 1) or of the citizen population.
CONSOLIDATION_MIN_SUCCESSOR_POWER = 0.6  # the successor holds at least this share ...
CONSOLIDATION_MAX_FAMILY_POWER = 0.1  # ... and the family has lost (nearly) all its posts
ORDER_MAX_ACTIVE_SHARE = 0.005  # order holds while under 0.5% of citizens are active ...
ORDER_CALM_DAYS = 3  # ... for this many days in a row, with no strategic site held by rebels
COLLAPSE_MAX_WIN_PROBABILITY = 0.15  # the incumbent has collapsed when elites expect this little
COLLAPSE_DAYS = 3  # ... for this many days in a row


@dataclass(frozen=True)
class FinalState:
    """What the classifier needs to know about the end of a run."""

    power: dict[str, float]  # successor, family, security, opposition
    collapsed_to: str | None  # camp that took over after the incumbent collapsed
    family_restored: bool
    order_holds: bool


def classify(state: FinalState) -> str:
    """Exactly one outcome per replication, checked in this order."""
    if state.family_restored or state.collapsed_to == "family":
        return "family_restoration"
    if state.collapsed_to == "security":
        return "security_takeover"
    if state.collapsed_to == "opposition":
        return "popular_transition"
    if not state.order_holds:
        return "unresolved"
    if (
        state.power["successor"] >= CONSOLIDATION_MIN_SUCCESSOR_POWER
        and state.power["family"] <= CONSOLIDATION_MAX_FAMILY_POWER
    ):
        return "successor_consolidation"
    return "tandem_persists"
