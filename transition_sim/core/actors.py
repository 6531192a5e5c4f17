"""The elite actors as Mesa agents, each with explicit daily decision rules (docs/ODD.md).

Every actor reads the same `Situation` (today's public signals) and acts through the model
(`model.transfer_power`, `model.log`), so that the order of decisions and their effects stay
visible in one place. Claim ids in comments point at `seeds/claims.yaml`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from transition_sim.scenario.schema import STANCES, Faction

if TYPE_CHECKING:
    from transition_sim.core.model import TransitionModel

CAMPS = ("successor", "family", "opposition", "security")


@dataclass(frozen=True)
class Situation:
    """Today's public signals, which every elite actor sees."""

    day: int
    active_share: float  # of all citizens, nationally
    peaceful_share: float  # of today's actives who are peaceful
    armed_share: float  # violent and organized-crime actives, of all citizens
    sites_seized: float  # weighted share of strategic sites held by rebels
    win: dict[str, float]  # who elites expect to win (Tullock contest over camp strengths)


class SecurityFaction(mesa.Agent):
    """A security service, 'a state within the state' [C-states-within-states].

    Each day it obeys the successor, stands aside, sides with the family or defects to the
    protesters, by a logit choice over utilities: loyalty, who it expects to win, the cost of
    firing on peaceful crowds, sympathy with the street, and inertia.
    """

    def __init__(self, model: TransitionModel, name: str, spec: Faction, index: int) -> None:
        super().__init__(model)
        self.name = name
        self.index = index
        self.units = spec.units
        self.cohesion = spec.cohesion
        self.loyalty = {
            "successor": spec.loyalty.successor,
            "family": spec.loyalty.family,
            "self_interest": spec.loyalty.self_interest,
        }
        self.repression_aversion = spec.repression_aversion
        self.sympathy = spec.sympathy
        self.autonomous = spec.autonomous
        self.stance = spec.initial_stance

    def utilities(self, s: Situation) -> list[float]:
        """Utility of each stance, in `STANCES` order (obey, stand aside, family, defect)."""
        m = self.model
        ex = m.params.expectations
        peaceful_burden = m.repression_level / 3.0 * s.peaceful_share * (s.active_share > 0)
        u = [
            self.loyalty["successor"]
            + ex.bandwagon * s.win["successor"]
            - self.repression_aversion * peaceful_burden,
            self.loyalty["self_interest"] + ex.bandwagon * s.win["security"] + self.ordered_aside(),
            self.loyalty["family"] + ex.bandwagon * s.win["family"]
            if m.family_sabotaging
            else -math.inf,  # nobody asked
            self.sympathy * ex.protest_weight * s.active_share + ex.bandwagon * s.win["opposition"],
        ]
        u[STANCES.index(self.stance)] += ex.inertia
        return u

    def ordered_aside(self) -> float:
        """A chief who is the family's man follows its order to stand aside [C-knb-disloyal]."""
        family_chief = self.loyalty["family"] > self.loyalty["successor"]
        return self.loyalty["family"] if family_chief and self.model.family_sabotaging else 0.0

    def step(self) -> None:
        m = self.model
        if not self.autonomous or m.collapsed_to is not None:
            return
        u = self.utilities(m.situation)
        top = max(u)
        weights = [math.exp((x - top) / m.params.expectations.stance_temperature) for x in u]
        # Inverse-CDF draw: the same distribution as rng.choice(p=...), at a fraction of its cost.
        draw, pick = m.rng.random() * sum(weights), 0
        while pick < len(weights) - 1 and draw >= weights[pick]:
            draw -= weights[pick]
            pick += 1
        new = STANCES[pick]
        if new != self.stance:
            m.log(self.name, f"stance_{new}", f"{self.name}: {new.replace('_', ' ')}")
            self.stance = new

    def dismiss_chief(self) -> None:
        """A purge replaces a family-aligned chief: the faction's family loyalty passes to the
        successor's appointee [C-window-of-opportunity]."""
        moved = self.loyalty["family"]
        self.loyalty["family"] = 0.0
        self.loyalty["successor"] += moved
        if self.stance == "side_with_family":
            self.stance = "stand_aside"


class ForeignPatron(mesa.Agent):
    """The foreign patron (CSTO/Russia) [C-russia-acts-in-crisis]: answers an invitation with a
    probability and a delay, guards strategic sites, withdraws once order holds."""

    def __init__(self, model: TransitionModel) -> None:
        super().__init__(model)
        self.spec = model.params.patron
        self.state = "idle"  # idle -> invited -> accepted -> deployed -> withdrawn | declined
        self.arrival_day: int | None = None
        self.troops = 0

    @property
    def committed(self) -> bool:
        """Announced and not yet gone: elites count the patron on the successor's side."""
        return self.state in ("accepted", "deployed")

    def invite(self) -> None:
        m = self.model
        self.state = "invited"
        if m.rng.random() < self.spec.accept_probability:
            lo, hi = self.spec.delay_days
            self.arrival_day = m.day + int(m.rng.integers(lo, hi + 1))
            self.state = "accepted"
            m.log(self.spec.name, "accept", f"{self.spec.name} agrees to send troops")
        else:
            self.state = "declined"
            m.log(self.spec.name, "decline", f"{self.spec.name} calls it an internal conflict")

    def step(self) -> None:
        m = self.model
        if self.state == "accepted" and m.day >= self.arrival_day:
            self.state = "deployed"
            self.troops = self.spec.troops
            m.deploy_patron_units(self.spec.units)
            m.legitimacy -= self.spec.dependence_cost
            m.log(self.spec.name, "deploy", f"{self.troops} troops guard strategic sites")
        elif self.state == "deployed" and m.calm_days >= self.spec.withdraw_after_calm_days:
            self.state = "withdrawn"
            m.withdraw_patron_units()
            m.log(self.spec.name, "withdraw", "order holds; troops withdraw")


class Family(mesa.Agent):
    """The former leader's family and clan [C-families-clans, C-one-part-leaving].

    States: tandem -> sabotage -> (exit | restored | defeated). Sabotage orders aligned
    factions to stand aside or side with the family and sponsors organized crime.
    """

    def __init__(self, model: TransitionModel) -> None:
        super().__init__(model)
        self.spec = model.params.family
        self.state = "tandem"
        self.threatened = False  # set by the successor's first purge

    def step(self) -> None:
        m, spec, s = self.model, self.spec, self.model.situation
        if self.state == "tandem":
            opening = s.active_share >= spec.sabotage_opening or self.threatened
            if opening and m.rng.random() < spec.sabotage_propensity * spec.cohesion:
                self.state = "sabotage"
                m.log("family", "sabotage", "orders aligned services to stand aside")
        elif self.state == "sabotage":
            p_family = s.win["family"]
            if m.guarantees_offered and m.tandem_balance() >= spec.exit_threshold:
                self.state = "exit"
                m.transfer_power("family", "successor", m.power["family"])
                m.log("family", "exit", "accepts guarantees and gives up its posts")
            elif p_family >= spec.restoration_threshold:
                if m.rng.random() < p_family * spec.cohesion:
                    self.state = "restored"
                    m.transfer_power("successor", "family", m.power["successor"])
                    m.log("family", "restoration", "restores the former leader's circle")
                else:
                    self.state = "defeated"
                    m.transfer_power("family", "successor", m.power["family"])
                    m.log("family", "restoration_failed", "restoration attempt fails")

    @property
    def in_game(self) -> bool:
        return self.state in ("tandem", "sabotage")


class Successor(mesa.Agent):
    """The sitting president [C-successor, C-window-of-opportunity].

    Rules, evaluated in this order each day: economic concession, repression escalation,
    dismissing the government, inviting the patron, offering guarantees, purging.
    """

    def __init__(self, model: TransitionModel) -> None:
        super().__init__(model)
        self.spec = model.params.successor
        self.conceded = False
        self.government_dismissed = False

    def step(self) -> None:
        m, spec, s = self.model, self.spec, self.model.situation
        if m.collapsed_to is not None:
            return
        if not self.conceded and s.active_share >= spec.concession_threshold:
            self.conceded = True
            m.relieve_hardship(spec.concession_relief)
            m.log("successor", "concession", "restores price caps")
        self._escalate(s)
        if not self.government_dismissed and s.active_share >= spec.dismiss_government_threshold:
            self.government_dismissed = True
            m.legitimacy += spec.dismissal_legitimacy_gain
            m.log("successor", "dismiss_government", "dismisses the government")
        patron = m.patron
        if (
            patron is not None
            and patron.state == "idle"
            and s.active_share >= spec.invite_min_severity
            # He calls the patron in when he cannot count on his own services, not merely
            # because rebels hold a site that loyal units can retake [C-knb-disloyal].
            and m.loyal_capacity() < spec.invite_threshold
        ):
            m.invitation_day = m.day
            m.log("successor", "invite_patron", f"asks {patron.spec.name} for help")
            patron.invite()
        family = m.family
        if family is None or not family.in_game:
            return
        if spec.offers_guarantees and not m.guarantees_offered and family.state == "sabotage":
            m.guarantees_offered = True
            m.log(
                "successor", "offer_guarantees", "offers guarantees to the former leader's circle"
            )
        window = s.active_share >= spec.purge_window or family.state == "sabotage"
        if not window and m.rng.random() >= spec.tandem_hazard:
            return
        if m.tandem_balance() >= spec.purge_confidence:
            self._purge()

    def _escalate(self, s: Situation) -> None:
        m = self.model
        # Lethal force answers armed violence, not peaceful crowds [A-lethal-force].
        armed = s.sites_seized > 0 or s.armed_share >= self.spec.lethal_force_armed_share
        target = sum(s.active_share >= t for t in self.spec.escalation_thresholds)
        target = 3 if s.sites_seized > 0 else min(target, 3 if armed else 2)
        if target > m.repression_level:
            m.repression_level += 1
            labels = ("", "riot control", "force authorized", "shoot to kill without warning")
            m.log("successor", "escalate", f"orders {labels[m.repression_level]}")
        elif m.calm_days >= 1 and m.repression_level > 0:
            m.repression_level -= 1
            m.log("successor", "deescalate", f"repression level lowered to {m.repression_level}")

    def _purge(self) -> None:
        m = self.model
        family = m.family
        m.purges += 1
        m.transfer_power("family", "successor", self.spec.purge_transfer * m.power["family"])
        m.legitimacy += self.spec.purge_legitimacy_gain
        family.threatened = True
        aligned = [f for f in m.factions if f.loyalty["family"] > 0.0]
        if aligned:
            target = max(aligned, key=lambda f: f.loyalty["family"])
            target.dismiss_chief()
            m.log("successor", "purge", f"dismisses the {target.name} chief")
        else:
            m.log("successor", "purge", "removes family members from state posts")
        if m.power["family"] < 0.02:
            m.transfer_power("family", "successor", m.power["family"])
            family.state = "defeated"
            m.log("family", "loses_posts", "the family has lost its posts")
