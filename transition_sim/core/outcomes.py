"""Outcome classification, defined once from the final state (docs/ODD.md §7.12).

The classes follow the literature on how autocrats and autocracies end: who holds the office at
the end, and how it got there (Svolik 2009, 2012; Geddes, Wright & Frantz 2014; Archigos,
Goemans, Gleditsch & Chiozza 2009). The model is judged against the *reference* holder: the
incumbent at the start, or the holder named by the last scripted transfer of office (a
documented event is an input, not an outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

from transition_sim.scenario.schema import OUTCOMES as OUTCOMES  # the classes, named there

# When is the street calm? Used for order tracking (days to order, waves, the crisis window).
ORDER_MAX_ACTIVE_SHARE = 0.005  # order holds while under 0.5% of citizens are active ...
ORDER_CALM_DAYS = 3  # ... for this many days in a row, with no strategic site held by rebels


@dataclass(frozen=True)
class FinalState:
    """What the classifier needs to know about the end of a run."""

    office: str  # who holds the office at the end: a camp, "opposition" or "security"
    reference: str  # the holder the outcome is judged against
    former_rulers: frozenset[str]  # camps whose return to office is a restoration
    rivals: dict[str, str]  # status of every other camp still in play: in_office or resisting
    services_split: bool  # a security faction is not obeying the office holder at the end
    sites_held_by_rebels: bool  # rebels hold a strategic site at the end


def classify(state: FinalState) -> str:
    """Exactly one outcome per replication.

    - The office left the reference holder: to the opposition, a *popular transition*
      (Svolik 2009's popular uprisings; GWF's ouster by mass protest); to a former ruler's camp,
      a *rival restoration*; to anyone else in the regime (another camp, a junta), an *insider
      takeover* (Svolik's insider coups and palace moves; Archigos's irregular exits by
      regime insiders).
    - The reference holder still rules. The fight is open if a rival camp still resists, a
      security faction has not come back to obedience, or rebels hold a strategic site:
      *unresolved*. Otherwise a rival camp that keeps its posts makes *power sharing* (Svolik's
      contested autocracy: allies who can still check the ruler), and none makes *incumbent
      holds* (the rival removed, or there was none: Svolik's established autocracy; GWF's regime
      survival).
    """
    if state.office != state.reference:
        if state.office == "opposition":
            return "popular_transition"
        if state.office in state.former_rulers:
            return "rival_restoration"
        return "insider_takeover"
    if "resisting" in state.rivals.values() or state.services_split or state.sites_held_by_rebels:
        return "unresolved"
    if state.rivals:
        return "power_sharing"
    return "incumbent_holds"
