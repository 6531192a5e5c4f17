"""The elite actors as Mesa agents, each with explicit daily decision rules (docs/ODD.md §7.5–7.8).

Every actor reads the same `Situation` (today's public signals), weighs its options with the
odds of `transition_sim.core.decisions`, and acts through the shared `ElitePolitics` state
(`model.elites`), which applies the consequences. Claim ids in comments point at
`seeds/claims.yaml`. No text here names a country: names and labels come from the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import mesa

from transition_sim.core import decisions, loyalty
from transition_sim.core.elites import EXITED, IN_OFFICE, RESISTING, CampState, committed_side
from transition_sim.scenario.schema import OPPOSITION, SECURITY, SELF_INTEREST, Faction

if TYPE_CHECKING:
    from transition_sim.core.model import TransitionModel

REPRESSION_LABELS = ("no repression", "riot control", "force authorized", "lethal force")
_COUP_SECURITY = f"coup:{SECURITY}"  # the coup every autonomous faction weighs every day


def coup_trap_value(temperature: float, trap: float, history: float) -> float:
    """What a country's coup history adds to the utility of each coup a faction weighs (the
    coup trap: Londregan & Poole 1990; Powell 2012) [A-coup-trap]: ``temperature * trap *
    history``, so that in the stance logit (at ``temperature``) a coup's odds against any other
    option are multiplied by ``exp(trap * history)``: ``trap`` is the log of the factor one
    recent coup multiplies them by, ``history`` the recency-weighted count of past coups
    (`Regime.coup_history`). Rises with each; 0 without a history or with ``trap`` 0."""
    return temperature * trap * history


class Situation(NamedTuple):
    """Today's public signals, which every elite actor sees (immutable: a named tuple, which
    is built faster than a frozen dataclass, once a day)."""

    day: int
    active_share: float  # of all citizens, nationally
    peaceful_share: float  # of today's actives who are peaceful
    armed_share: float  # violent and organized-crime actives, of all citizens
    sites_seized: float  # weighted share of strategic sites held by rebels
    # Who elites expect to prevail (the contest over holders in play); not counted in a run in
    # which no actor reads it (`model.NOT_COUNTED`).
    win: Mapping[str, float]
    calm: bool = True  # no crisis today (docs/ODD.md §7.12)


class Turn(NamedTuple):
    """What every faction's options read alike on a day (`_turn`)."""

    office: str
    bandwagon: float
    burden: float  # of firing on peaceful crowds
    rivals: list[CampState]
    asked: list[str]  # resisting camps: they ask factions to side with them
    plain: list[str]  # the sides a plain faction weighs a coup for
    either: list[str]  # the sides a guardian weighs a coup for
    win_of: tuple[float, float, float]  # expected winners: office, services, street


def _turn(model: TransitionModel, s: Situation) -> Turn:
    """What every faction's options read alike on a day: the office holder, the bandwagon
    weight, the burden of firing on peaceful crowds, the rivals, those that resist (and ask
    factions to side with them), the sides a guardian weighs a coup for (a plain faction: the
    resisting ones, then the services) and who is expected to win. Counted once in the factions'
    turn (`ElitePolitics.factions_turn`; a coup, which can change any of it, forgets it)."""
    el = model.elites
    kept = el.turn_context if el.in_factions_turn else None
    if kept is not None and kept[0] is s:
        return kept[1]
    win = s.win
    office, rivals = el.office, el.rivals()
    asked = [c.spec.name for c in rivals if c.status == RESISTING]
    guarded = [c.spec.name for c in rivals if c.spec.name not in asked]
    turn = Turn(
        office,
        model.params.expectations.bandwagon,
        model.repression_level / 3.0 * s.peaceful_share * (s.active_share > 0),
        rivals,
        asked,
        [*asked, SECURITY],
        [*asked, *guarded, SECURITY],
        (win.get(office, 0.0), win[SECURITY], win[OPPOSITION]),
    )
    if el.in_factions_turn:
        el.turn_context = (s, turn)
    return turn


class SecurityFaction(mesa.Agent):
    """A security service, 'a state within the state' [C-states-within-states].

    Each day it obeys the office holder, stands aside, sides with a resisting camp, defects to the
    street or stages a coup, by a logit choice over utilities: loyalty, who it expects to win,
    the cost of firing on peaceful crowds, sympathy with the street, the odds and the price of a
    coup, and inertia.
    """

    def __init__(self, model: TransitionModel, name: str, spec: Faction, index: int) -> None:
        super().__init__(model)
        self.name = name
        self.index = index
        self.units = spec.units
        self.cohesion = spec.cohesion
        self.loyalty = dict(spec.loyalty)
        self.repression_aversion = spec.repression_aversion
        self.sympathy = spec.sympathy
        self.autonomous = spec.autonomous
        self.stance = spec.initial_stance
        self.counterweight = spec.counterweight
        self.guardian = spec.guardian
        # The coup trap [A-coup-trap]: the country's past coups, weighed by their age on the
        # crisis's first day, raise the odds of every coup this faction weighs (0 without any).
        params = model.params
        ex = params.expectations
        history = params.regime.coup_history(params.start_date, ex.coup_memory)  # 0: no coups
        self.coup_trap = coup_trap_value(ex.stance_temperature, ex.coup_trap, history)
        dynamics = model.params.loyalty_dynamics
        self.tie = loyalty.tie(spec, dynamics, [c.name for c in model.params.camps])
        # The level loyalty recovers to, and the loyalty the daily mechanisms last left (a
        # difference is a discrete event, which moves the level too).
        self.base = dict(spec.loyalty)
        self.after_dynamics = dict(spec.loyalty)
        # Its cascade threshold (Granovetter 1978), drawn only when the cascade is on so that
        # the random stream of scenarios without it is unchanged.
        t = dynamics.cascade_thresholds
        self.threshold = float(model.rng.uniform(t.low, t.high)) if dynamics.cascade > 0 else 0.0

    @property
    def committed_to(self) -> str | None:
        """The side its stance commits it to in a contest, if any."""
        return committed_side(self.stance)

    def options(self, s: Situation) -> list[tuple[str, float]]:
        """Each stance or coup open today with its utility (docs/ODD.md §7.5)."""
        names, values = self._options(s)
        return list(zip(names, values, strict=True))

    def _options(self, s: Situation) -> tuple[list[str], list[float]]:
        """`options` as names and utilities (four a day per faction: no pairs, no f-strings
        for the options every day has)."""
        m, el = self.model, self.model.elites
        ex = m.params.expectations
        office, b, burden, rivals, asked, plain, either, win_of = _turn(m, s)
        loyalty, win = self.loyalty, s.win
        names = ["obey", "stand_aside", "defect"]
        values = [
            loyalty.get(office, 0.0) + b * win_of[0] - self.repression_aversion * burden,
            loyalty.get(SELF_INTEREST, 0.0)
            + b * win_of[1]
            + (self.ordered_aside(rivals) if asked else 0.0),  # nobody resisting: no order
            loyalty.get(OPPOSITION, 0.0)
            + self.sympathy * ex.protest_weight * s.active_share
            + b * win_of[2],
        ]
        # Siding with a camp, or a coup for it, only when it resists: nobody asked otherwise.
        for camp in asked:
            names.append(f"side_with_{camp}")
            values.append(loyalty.get(camp, 0.0) + b * win[camp])
        # A guardian weighs removing the ruler to save the regime from the street, for the
        # services or for any camp in play (Casper & Tyson 2014) [A-guardian-coup].
        sides = either if self.guardian > 0 else plain
        guardian = decisions.guardian_value(self.guardian, win_of[2])
        penalty = ex.coup_penalty
        for side in sides:
            key = SELF_INTEREST if side == SECURITY else side
            p = el.coup_odds(self, side)
            value = decisions.coup_utility(loyalty.get(key, 0.0), b, p, penalty)
            value += guardian
            value += self.coup_trap  # 0.0 without a coup history: adds nothing
            names.append(_COUP_SECURITY if side == SECURITY else f"coup:{side}")
            values.append(value)
        if self.stance in names:
            i = names.index(self.stance)
            values[i] = values[i] + ex.inertia
        return names, values

    def ordered_aside(self, rivals: list[CampState] | None = None) -> float:
        """A chief who is a resisting camp's man more than the office holder's follows its order
        to stand aside [C-knb-disloyal]. ``rivals``: `ElitePolitics.rivals` if already at hand."""
        el = self.model.elites
        own = self.loyalty.get(el.office, 0.0)
        return max(
            (
                self.loyalty.get(c.spec.name, 0.0)
                for c in (el.rivals() if rivals is None else rivals)
                if c.status == RESISTING and self.loyalty.get(c.spec.name, 0.0) > own
            ),
            default=0.0,
        )

    def step(self) -> None:
        m = self.model
        if not self.autonomous or not m.elites.office_is_camp:
            return
        names, values = self._options(m.situation)
        temperature = m.params.expectations.stance_temperature
        new = names[decisions.logit_pick(values, temperature, m.rng.random())]
        if new.startswith("coup:"):
            m.elites.coup(self, new.removeprefix("coup:"))
            m.elites.forget_coup_view()  # a coup can move anything
        elif new != self.stance:
            m.log(self.name, f"stance_{new}", f"{self.name}: {new.replace('_', ' ')}")
            self.stance = new
            m.elites.note_stance(self)


class ForeignPatron(mesa.Agent):
    """A foreign patron [C-russia-acts-in-crisis]: aligned with a camp, with the opposition, or
    with nobody. Invited, it accepts with a probability from alignment and cost; once deployed it
    guards strategic sites and withdraws when order holds. Aligned with the opposition, it backs
    it openly from the start, and can still be asked for troops."""

    def __init__(self, model: TransitionModel) -> None:
        super().__init__(model)
        self.spec = model.params.patron
        self.state = "idle"  # idle -> accepted -> deployed -> withdrawn
        self.client: str | None = None  # whom its troops came for
        self.declined: set[str] = set()  # inviters it has turned down
        self.backing = self.spec.aligned_with == OPPOSITION  # open support, no troops
        self.arrival_day: int | None = None
        self.troops = 0

    @property
    def backs(self) -> str | None:
        """The side elites count the patron on: its client while its troops are committed and
        the client is still in play, else the opposition if it backs it."""
        el = self.model.elites
        committed = self.state in ("accepted", "deployed") and self.client is not None
        if committed and (self.client not in el.camps or el.camps[self.client].in_play):
            return self.client
        return OPPOSITION if self.backing else None

    def can_be_invited_by(self, inviter: str) -> bool:
        return self.state == "idle" and inviter not in self.declined

    def invite(self, inviter: str) -> None:
        m = self.model
        p = decisions.patron_acceptance(inviter == self.spec.aligned_with, self.spec.cost)
        if m.rng.random() < p:
            lo, hi = self.spec.delay_days
            self.arrival_day = m.day + int(m.rng.integers(lo, hi + 1))
            self.state, self.client = "accepted", inviter
            m.log(self.spec.name, "accept", f"{self.spec.name} agrees to send troops")
        else:
            self.declined.add(inviter)
            m.log(self.spec.name, "decline", f"{self.spec.name} declines to intervene")

    def step(self) -> None:
        m = self.model
        if self.state == "accepted" and m.day >= self.arrival_day:
            self.state = "deployed"
            self.troops = self.spec.troops
            m.deploy_patron_units(self.spec.units)
            m.elites.legitimacy -= self.spec.dependence_cost
            m.log(self.spec.name, "deploy", f"{self.troops} troops guard strategic sites")
        elif self.state == "deployed" and (
            m.calm_days >= self.spec.withdraw_after_calm_days or self.backs != self.client
        ):
            self.state = "withdrawn"
            m.withdraw_patron_units()
            m.log(self.spec.name, "withdraw", "troops withdraw")


class RivalCamp(mesa.Agent):
    """An elite camp while it does not hold the office [C-families-clans, C-one-part-leaving].

    It resists when a crisis or a move against it opens the way (and stands down when neither
    holds). While resisting it weighs, each day, holding on against an exit (safe only as far as
    guarantees are credible) and a strike for the office (won with the showdown odds).
    """

    def __init__(self, model: TransitionModel, name: str) -> None:
        super().__init__(model)
        self.name = name

    @property
    def camp(self) -> CampState:
        return self.model.elites.camps[self.name]

    def step(self) -> None:
        m, el, camp = self.model, self.model.elites, self.camp
        if not el.office_is_camp or el.office == self.name or not camp.in_play:
            return
        spec, label = camp.spec, camp.spec.display
        if spec.defection > 0.0 and m.rng.random() < spec.defection and self._defects():
            return
        opening = not m.situation.calm or camp.threatened
        switch = m.rng.random() < spec.resistance * spec.cohesion
        if camp.status == IN_OFFICE:
            if opening and switch:
                el.begin_resisting(self.name)
                m.log(self.name, "resist", f"{label} works against {el.label(el.office)}")
            return
        camp.resisting_days += 1
        if not opening and switch:
            camp.status = IN_OFFICE
            m.log(self.name, "stand_down", f"{label} stands down")
            return
        options = self.values()
        pick = decisions.logit_pick(
            list(options.values()), m.params.expectations.decision_temperature, m.rng.random()
        )
        choice = list(options)[pick]
        if choice == "exit":
            el.tally["exits"] += 1
            el.remove(self.name, status=EXITED)
            terms = "accepts guarantees and " if el.guarantees_offered else ""
            m.log(self.name, "exit", f"{label} {terms}gives up its posts")
        elif choice == "strike":
            el.strike(self.name)

    def _defects(self) -> bool:
        """A camp weighing defection (with daily probability `defection`) stays with the office
        holder or goes over to another side, by logit over the sides' expected odds: it
        bandwagons with the expected winner [A-camp-defection]. True if it went over."""
        m, el = self.model, self.model.elites
        win = m.situation.win
        sides = [el.office] + [
            h for h in win if h not in (el.office, self.name, SECURITY) and el.can_receive(h)
        ]
        values = [win.get(h, 0.0) for h in sides]
        pick = decisions.logit_pick(
            values, m.params.expectations.decision_temperature, m.rng.random()
        )
        if pick == 0:
            return False
        el.defect(self.name, sides[pick])
        return True

    def values(self) -> dict[str, float]:
        """Holding on, exiting and striking, in units of its position when it began resisting
        [C-guarantees, C-elite-keep-everything] (docs/ODD.md §7.7)."""
        el, camp = self.model.elites, self.camp
        spec = camp.spec
        intact = min(el.power[self.name] / camp.reference_power, 1.0)
        credibility = spec.exit_safety
        if el.guarantees_offered:
            credibility = max(credibility, self.model.params.government.guarantee_credibility)
        prize = (el.power[self.name] + el.power[el.office]) / camp.reference_power
        p = el.odds(self.name, el.office)
        return {
            "hold": decisions.hold_value(intact, p, camp.threat, spec.punishment),
            "exit": decisions.exit_value(credibility, spec.exit_keeps, spec.punishment),
            "strike": decisions.fight_value(p, prize, spec.punishment),
        }


class Government(mesa.Agent):
    """The office holder's rules, whichever camp holds the office [C-successor,
    C-window-of-opportunity]. Each day, in this order: economic concession, repression,
    dismissing the government, inviting the patron, guarantees for resisting rivals, a purge,
    and whether to stay in office at all.
    """

    def __init__(self, model: TransitionModel) -> None:
        super().__init__(model)
        self.spec = model.params.government
        self.conceded = False
        self.government_dismissed = False

    def step(self) -> None:
        m, spec, s, el = self.model, self.spec, self.model.situation, self.model.elites
        if not el.office_is_camp or el.changed_on == m.day:
            return  # a new holder acts from tomorrow, on tomorrow's signals
        office = el.office
        if not self.conceded and s.active_share >= spec.concession_threshold:
            self.conceded = True
            m.relieve_hardship(spec.concession_relief)
            m.log(office, "concession", spec.concession_label)
        self._escalate(s)
        if not self.government_dismissed and s.active_share >= spec.dismiss_government_threshold:
            self.government_dismissed = True
            el.legitimacy += spec.dismissal_legitimacy_gain
            m.log(office, "dismiss_government", "dismisses the government")
        patron = m.patron
        if (
            patron is not None
            and patron.can_be_invited_by(office)
            and s.active_share >= spec.invite_min_severity
            # He calls the patron in when he cannot count on his own services, not merely
            # because rebels hold a site that loyal units can retake [C-knb-disloyal].
            and self._invites(m.loyal_capacity())
        ):
            m.invite_patron()
        rivals = el.rivals()
        if (
            spec.offers_guarantees
            and not el.guarantees_offered
            and any(c.status == RESISTING for c in rivals)
        ):
            el.guarantees_offered = True
            m.log(office, "offer_guarantees", "offers guarantees to its rivals")
        target = self._purge_target(rivals)
        if target is not None:
            self._consider_purge(target)
        if el.office == office:
            self._consider_leaving(s)

    def _invites(self, capacity: float) -> bool:
        """Whether it calls the patron in today, given the share of its own units that obey
        (a cut-off at `invite_temperature` 0, else a logistic draw) [A-ruler-exit]."""
        spec = self.spec
        p = decisions.invitation_probability(
            spec.invite_threshold, capacity, spec.invite_temperature
        )
        if p in (0.0, 1.0):
            return p == 1.0
        return self.model.rng.random() < p

    def _purge_target(self, rivals: list[CampState]) -> CampState | None:
        """The rival a purge is weighed against: a logit choice over the purge values of the
        rivals that are not its allies (the most threatening is likely, never certain). One
        candidate needs no draw."""
        el = self.model.elites
        candidates = [c for c in rivals if not el.allied(el.office, c.spec.name)]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        values = [self._purge_value(c.spec.name) for c in candidates]
        temperature = self.model.params.expectations.decision_temperature
        return candidates[decisions.logit_pick(values, temperature, self.model.rng.random())]

    def _purge_value(self, name: str) -> float:
        """A purge of ``name``'s posts, in units of the holder's position (§7.6)."""
        el, spec = self.model.elites, self.spec
        gain = spec.purge_transfer * el.power[name] / max(el.power[el.office], 1e-9)
        punishment = el.camps[el.office].spec.punishment
        return decisions.purge_value(el.odds(el.office, name), gain, punishment)

    def _consider_purge(self, target: CampState) -> None:
        """A purge is considered every day of a crisis or of open resistance (the window of
        opportunity), and otherwise with a small daily hazard [C-tandems-unstable,
        C-step-by-step]; it is attempted with the logit probability of its value."""
        m, el, spec = self.model, self.model.elites, self.spec
        window = not m.situation.calm or target.status == RESISTING
        if not window and m.rng.random() >= spec.tandem_hazard:
            return
        value = self._purge_value(target.spec.name)
        temperature = m.params.expectations.decision_temperature
        if m.rng.random() < decisions.logistic(value, temperature):
            el.purge(target.spec.name)

    def _consider_leaving(self, s: Situation) -> None:
        """Stay and face a showdown with the street and every rival, counting the units that
        actually obey today; flee into exile with whatever safety it offers; or, if one is on
        offer, take a negotiated exit [A-ruler-exit]. A leader who cannot leave safely fights
        on; one whose units no longer obey leaves."""
        m, el = self.model, self.model.elites
        values = self.leaving_values()
        temperature = m.params.expectations.decision_temperature
        names = list(values)
        pick = names[decisions.logit_pick(list(values.values()), temperature, m.rng.random())]
        if pick == "flee":
            el.leave_office()
        elif pick == "pact":
            el.negotiated_exit()

    def leaving_values(self) -> dict[str, float]:
        """Staying, fleeing and (with a pact on offer) a negotiated exit, in units of the
        holder's position."""
        el, spec = self.model.elites, self.spec
        camp = el.camps[el.office].spec
        values = {
            "stay": decisions.fight_value(el.stay_odds(), 1.0, camp.punishment),
            "flee": decisions.exit_value(camp.exit_safety, camp.exit_keeps, camp.punishment),
        }
        if spec.pact_credibility > 0.0:
            values["pact"] = decisions.exit_value(
                spec.pact_credibility, camp.exit_keeps, camp.punishment
            )
        return values

    def _escalate(self, s: Situation) -> None:
        m = self.model
        # Lethal force answers armed violence, not peaceful crowds [A-lethal-force].
        armed = s.sites_seized > 0 or s.armed_share >= self.spec.lethal_force_armed_share
        target = sum(s.active_share >= t for t in self.spec.escalation_thresholds)
        target = 3 if s.sites_seized > 0 else min(target, 3 if armed else 2)
        if target > m.repression_level:
            m.repression_level += 1
            m.log(m.elites.office, "escalate", f"orders {REPRESSION_LABELS[m.repression_level]}")
        elif m.calm_days >= 1 and m.repression_level > 0:
            m.repression_level -= 1
            m.log(
                m.elites.office,
                "deescalate",
                f"repression lowered to {REPRESSION_LABELS[m.repression_level]}",
            )
