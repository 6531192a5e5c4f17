"""Elite state and what changes it: who holds power and the office, each camp's standing, and
the resolution of purges, coups, strikes, exits and scripted elite events (docs/ODD.md §7.5–7.9).

The actors (`transition_sim.core.actors`) decide; this module keeps the state and applies the
consequences, so every change of power or office happens in one place. All odds come from one
coercive contest (`decisions.tullock`) over the holders' strengths (`ElitePolitics.strengths`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from transition_sim.core import decisions
from transition_sim.scenario.schema import OPPOSITION, SECURITY, SELF_INTEREST, Camp, Scenario

if TYPE_CHECKING:
    from transition_sim.core.actors import ForeignPatron, SecurityFaction

# A camp's status. "in_office": it holds posts and cooperates; "resisting": it holds posts and
# works against the office holder; "exited": it gave up its posts for safety; "removed": purged,
# arrested, defeated, dead or ousted; "defected": it went over to another side with its posts.
IN_OFFICE, RESISTING, EXITED, REMOVED = "in_office", "resisting", "exited", "removed"
DEFECTED = "defected"
IN_PLAY = (IN_OFFICE, RESISTING)  # `CampState.in_play`

LogFn = Callable[[str, str, str], None]
# Ways the office changes hands by the rules, in which the new holder inherits its legitimacy.
INHERITING = ("transfer", "succession")


@dataclass
class CampState:
    """A camp's standing in the run."""

    spec: Camp
    legitimacy: float
    status: str = IN_OFFICE
    # How much the office holder's last move against it still weighs (1 right after the move,
    # fading to 0 over `government.threat_memory_days`): while it weighs, the tandem is over.
    threat: float = 0.0
    reference_power: float = 0.0  # its power when it began resisting (its position = 1)
    prospects_at_start: float = 0.0  # its odds against the office holder when it began resisting
    resisting_days: int = 0
    out_day: int | None = None  # the day it left the game (exited or removed)

    @property
    def in_play(self) -> bool:
        return self.status in IN_PLAY

    @property
    def threatened(self) -> bool:
        """The office holder's move against it still weighs."""
        return self.threat > 0.0

    @threatened.setter
    def threatened(self, value: bool) -> None:
        self.threat = 1.0 if value else 0.0


@dataclass
class CoupView:
    """The coup view's strengths (`ElitePolitics.coup_odds`): their total, and each faction's
    part of it by holder."""

    total: dict[str, float]
    parts: dict[str, dict[str, float]]


@dataclass
class Street:
    """Today's street, as elites weigh it: active citizens' share and the armed part of it that a
    sponsor pays (both of all citizens)."""

    active_share: float = 0.0
    sponsored_share: float = 0.0


class FactionsTurn:
    """`ElitePolitics.factions_turn`: a class rather than a generator, entered every day (a
    quarter of the cost)."""

    __slots__ = ("elites",)

    def __init__(self, elites: ElitePolitics) -> None:
        self.elites = elites

    def __enter__(self) -> None:
        self.elites._in_factions_turn, self.elites.turn_context = True, None

    def __exit__(self, *exc: object) -> None:
        el = self.elites
        el._in_factions_turn, el.turn_context = False, None
        el._coup_view_cache = None


class ElitePolitics:
    """The elite state of one run, shared by the actors."""

    def __init__(
        self,
        scenario: Scenario,
        factions: list[SecurityFaction],
        rng: np.random.Generator,
        log: LogFn,
        day: Callable[[], int],
    ) -> None:
        self.params = scenario
        self.rng = rng
        self.log = log
        self.day = day
        self.changed_on: int | None = None  # the day the office last changed hands
        self.factions = factions
        self.patron: ForeignPatron | None = None
        self.camps = {c.name: CampState(c, legitimacy=c.legitimacy) for c in scenario.camps}
        self.power = {c.name: c.power for c in scenario.camps}
        self.power |= {SECURITY: scenario.power.security, OPPOSITION: scenario.power.opposition}
        self.office = scenario.incumbent.name
        self.reference = self.office  # the holder the outcome is judged against (§7.12)
        self.taken_by: str | None = None  # how the office last changed hands in the model
        self.frozen_legitimacy: float | None = None  # a junta keeps the regime's last value
        self.guarantees_offered = False
        self.street = Street()
        self.tally: Counter[str] = Counter()  # elite moves in this run (they become metrics)
        self.total_units = max(sum(f.units for f in factions), 1)
        self._coup_view_cache: CoupView | None = None
        self._in_factions_turn = False
        # What the factions' options share on a day (`actors._turn`): kept for the turn.
        self.turn_context: tuple | None = None

    # -- names and sets ----------------------------------------------------------------------------
    def label(self, holder: str) -> str:
        """How events name a holder of power."""
        if holder in self.camps:
            return self.camps[holder].spec.display
        if holder == OPPOSITION:
            return self.params.opposition.label
        return "the security services"

    @property
    def office_is_camp(self) -> bool:
        """False once the office has passed out of the camps (to the street or a junta): the
        elite game is over and only the crowd goes on."""
        return self.office in self.camps

    def rivals(self) -> list[CampState]:
        """Camps still in play other than the office holder."""
        office = self.office  # (status in IN_PLAY: `in_play` inline, several times a day)
        return [c for name, c in self.camps.items() if c.status in IN_PLAY and name != office]

    def in_play(self) -> list[str]:
        """Every holder that can still win: the camps in play, the security services, the street."""
        return [n for n, c in self.camps.items() if c.status in IN_PLAY] + [SECURITY, OPPOSITION]

    def resisting(self, name: str) -> bool:
        return name in self.camps and self.camps[name].status == RESISTING

    def allied(self, a: str, b: str) -> bool:
        """Whether camps ``a`` and ``b`` are allies (either names the other in `ally_of`)."""
        ca, cb = self.camps.get(a), self.camps.get(b)
        if ca is None or cb is None:
            return False
        return ca.spec.ally_of == b or cb.spec.ally_of == a

    def office_allies(self) -> list[CampState]:
        """Camps in play allied with the office holder (its coalition partners); none when the
        office is out of the camps."""
        office = self.office
        return [c for c in self.rivals() if self.allied(office, c.spec.name)]

    def can_receive(self, holder: str) -> bool:
        """Whether a defecting camp can go over to ``holder``: the street, or a camp in play."""
        return holder == OPPOSITION or (holder in self.camps and self.camps[holder].in_play)

    # -- legitimacy --------------------------------------------------------------------------------
    @property
    def legitimacy(self) -> float:
        """The office holder's legitimacy (the street's, or a junta's frozen value, after a
        takeover from outside the camps)."""
        if self.office in self.camps:
            return self.camps[self.office].legitimacy
        if self.office == OPPOSITION:
            return self.params.opposition.legitimacy
        return self.frozen_legitimacy or 0.0

    @legitimacy.setter
    def legitimacy(self, value: float) -> None:
        if self.office in self.camps:
            self.camps[self.office].legitimacy = value

    def regime_legitimacy(self) -> float:
        """What citizens grant the regime: the legitimacy of the camps in play, weighted by their
        power [C-unhappy-families]; after a takeover from outside, the new holder's."""
        if self.office not in self.camps:
            return self.legitimacy
        power, powers, weighted = self.power, [], []  # twice a day: lists, not generators
        for name, camp in self.camps.items():
            if camp.status in IN_PLAY:
                powers.append(power[name])
                weighted.append(power[name] * camp.legitimacy)
        total = sum(powers)
        return sum(weighted) / total if total > 0 else 0.0

    # -- power and strength ------------------------------------------------------------------------
    def transfer_power(self, source: str, target: str, amount: float) -> None:
        amount = min(max(amount, 0.0), self.power[source])
        self.power[source] -= amount
        self.power[target] += amount

    def strengths(
        self, *, showdown: bool = False, commit: tuple[str, str] | None = None
    ) -> dict[str, float]:
        """Each holder's strength today, in one of two views (docs/ODD.md §7.9).

        A faction's units count by their share of all domestic units. The share ``cohesion``
        that follows the chief goes to the side its stance names; the rest divides by the
        faction's loyalty (self-interest counts for the security services).

        - *On the street* (``showdown=False``: who elites expect to prevail): ``obey`` is the
          office holder's side, ``side_with_<camp>`` that camp's, ``defect`` the opposition's,
          and a faction that stands aside sits out.
        - *In a showdown between camps* (purges, coups, strikes): a faction that has not taken a
          side (it obeys or stands aside) divides wholly by its loyalty, and each camp adds
          ``power_weight`` times its share of power (the posts and money it commands).

        ``commit = (faction, side)`` counts a faction as committed to ``side`` (a coup being
        weighed). Both views add ``patron_weight`` to the side a committed patron backs, and the
        street: ``protest_weight`` times the active share to the opposition, except the armed
        groups a camp pays, which count for that camp.
        """
        s = dict.fromkeys(self.power, 0.0)
        view = "coup" if commit is not None else "showdown" if showdown else "street"
        for f in self.factions:
            committed = commit[1] if commit is not None and commit[0] == f.name else None
            if committed is None and SECURITY not in f.loyalty:
                self._add_faction_part(s, f, view)
                continue
            for key, value in self._faction_part(f, committed, view).items():
                s[key] += value
        for key, value in self._holders_part(showdown=showdown).items():
            s[key] += value
        for name, camp in self.camps.items():
            if camp.status not in IN_PLAY:
                s[name] = 0.0
        return s

    def expected_winner(self) -> dict[str, float]:
        """Who elites expect to prevail on the street among all holders still in play (Casper &
        Tyson 2014: protest size is a public signal for elites)."""
        s = self.strengths()
        return decisions.tullock({k: s[k] for k in self.in_play()}, self._exponent)

    def stay_odds(self) -> float:
        """The office holder's chance in `obeying_contest`."""
        return self.obeying_contest()[self.office]

    def street_odds(self) -> float:
        """The street's chance against the office holder alone in `obeying_contest`."""
        c = self.obeying_contest()
        total = c[OPPOSITION] + c[self.office]
        return c[OPPOSITION] / total if total > 0.0 else 0.0

    def obeying_contest(self) -> dict[str, float]:
        """Each side's chance in a showdown with the street and every rival in play that
        counts who actually obeys today [A-ruler-exit]: the units that deter (a faction that
        obeys, and the followers of no chief elsewhere) for the holder, a turned faction's
        followers for its side, the street for the opposition, the patron for its client, and
        each side's posts (`power_weight` times its power; the holder's allies' for it)."""
        ex = self.params.expectations
        s = dict.fromkeys(self.in_play(), 0.0)
        office = self.office
        for f in self.factions:
            share = f.units / self.total_units
            side = office if f.stance == "obey" else committed_side(f.stance)
            followers = share if f.stance == "obey" else share * f.cohesion
            if side is not None and side in s:
                s[side] += followers
            if f.stance != "obey":
                s[office] += share * (1.0 - f.cohesion)  # who does not follow the chief obeys
        for name, camp in self.camps.items():
            if camp.status not in IN_PLAY:
                continue
            side = office if self.allied(office, name) and camp.status != RESISTING else name
            s[side] += ex.power_weight * self.power[name]
        s[OPPOSITION] += ex.power_weight * self.power[OPPOSITION]
        backs = self.patron.backs if self.patron is not None else None
        if backs in s:
            s[backs] += ex.patron_weight
        street = self.street
        s[OPPOSITION] += ex.protest_weight * max(street.active_share - street.sponsored_share, 0.0)
        sponsor = self.params.protesters.crime_sponsor
        if sponsor in s:
            s[sponsor] += ex.protest_weight * street.sponsored_share
        s.pop(SECURITY, None)  # the services that stand aside fight for nobody
        return decisions.tullock(s, self._exponent)

    def odds(self, a: str, b: str, commit: tuple[str, str] | None = None) -> float:
        """The chance that ``a`` prevails over ``b`` in a showdown between the two."""
        return decisions.showdown(
            self.strengths(showdown=True, commit=commit), a, b, self._exponent
        )

    def coup_odds(self, faction: SecurityFaction, side: str) -> float:
        """``odds(side, office, commit=(faction, side))``. During the factions' turn
        (`factions_turn`) it makes no pass over every faction: each faction weighs a coup every
        day, so recounting all of them for each one made the elite layer's day quadratic in the
        factions (issue 14). The coup view is counted once a turn and each faction's own part
        is swapped for its committed one; a stance change updates it (`note_stance`), and a
        coup, which can change anything, has it counted again."""
        if self._coup_view_cache is None and not self._in_factions_turn:
            return self.odds(side, self.office, commit=(faction.name, side))
        office = self.office
        if side == office:
            return self.odds(side, office, commit=(faction.name, side))
        view = self._coup_view()
        own = view.parts[faction.name]
        # The faction's part committed to ``side`` (`_faction_part(faction, side, "coup")`),
        # the same sums, kept only for the two sides the showdown reads.
        share = faction.units / self.total_units
        to_side, to_office = share * faction.cohesion, None
        share *= 1.0 - faction.cohesion
        for key, weight in faction.loyalty.items():
            holder = SECURITY if key == SELF_INTEREST else key
            if holder == side:
                to_side = to_side + share * weight
            elif holder == office:
                to_office = (0.0 if to_office is None else to_office) + share * weight
        for_side = self._swapped(view.total, own, side, to_side)
        for_office = self._swapped(view.total, own, office, to_office)
        return decisions.pair(for_side, for_office, self._exponent)

    def _swapped(
        self, total: dict[str, float], own: dict[str, float], holder: str, part: float | None
    ) -> float:
        """``holder``'s strength in a view whose ``total`` counts a faction's ``own`` parts, with
        them swapped for ``part`` (nothing added if None); 0 for a camp out of play."""
        camp = self.camps.get(holder)
        if camp is not None and camp.status not in IN_PLAY:
            return 0.0
        strength = total.get(holder, 0.0)
        if holder in own:
            strength -= own[holder]
        return strength if part is None else strength + part

    def factions_turn(self) -> FactionsTurn:
        """The factions step one after another: between two of them only their own stance
        changes (`note_stance`) or a coup (`forget_coup_view`) move strengths. A context
        manager (`with el.factions_turn(): ...`)."""
        return FactionsTurn(self)

    @property
    def in_factions_turn(self) -> bool:
        return self._in_factions_turn

    def note_stance(self, faction: SecurityFaction) -> None:
        """``faction`` has just changed its stance: its part of the coup view follows."""
        view = self._coup_view_cache
        if view is None:
            return
        for key, value in view.parts[faction.name].items():
            view.total[key] -= value
        part = self._faction_part(faction, None, "coup")
        for key, value in part.items():
            view.total[key] += value
        view.parts[faction.name] = part

    def forget_coup_view(self) -> None:
        """A coup can move anything: the turn's shared values are counted again too."""
        self._coup_view_cache, self.turn_context = None, None

    def _coup_view(self) -> CoupView:
        if self._coup_view_cache is None:
            parts = {f.name: self._faction_part(f, None, "coup") for f in self.factions}
            total = self._holders_part(showdown=True)
            for part in parts.values():
                for key, value in part.items():
                    total[key] += value
            self._coup_view_cache = CoupView(total, parts)
        return self._coup_view_cache

    def _faction_part(
        self, f: SecurityFaction, committed: str | None, view: str
    ) -> dict[str, float]:
        """What faction ``f`` adds to each holder's strength in a view (`strengths`):
        ``"street"``, ``"showdown"``, or ``"coup"`` (a showdown in which a counterweight that
        obeys counts for the office holder); ``committed`` is the side of a coup it weighs."""
        side, share = self._side_and_share(f, committed, view)
        part: dict[str, float] = {}
        if side is not None:
            part[side] = share * f.cohesion
            share *= 1.0 - f.cohesion
        get = part.get
        for key, weight in f.loyalty.items():
            holder = SECURITY if key == SELF_INTEREST else key
            part[holder] = get(holder, 0.0) + share * weight
        return part

    def _side_and_share(
        self, f: SecurityFaction, committed: str | None, view: str
    ) -> tuple[str | None, float]:
        """The side faction ``f``'s followers count for in a view, if any, and the share of all
        units it counts with (`_faction_part`)."""
        share = f.units / self.total_units
        if committed is not None:
            return committed, share
        if view == "coup" and f.counterweight and f.stance == "obey":
            # A counterweight that obeys defends the office holder against any coup by
            # others (Quinlivan 1999) [A-coup-proofing].
            return self.office, share
        if view == "street":
            if f.stance == "obey":
                return self.office, share
            if f.stance == "stand_aside":
                share *= 1.0 - f.cohesion  # the chief's followers sit out
        side = committed_side(f.stance)
        if side is None and view != "street":
            # In a showdown between camps, a chief who is a resisting camp's man more than the
            # office holder's brings his followers to its side, as he follows its order to
            # stand aside (`SecurityFaction.ordered_aside`) [C-knb-disloyal].
            side = self.camp_man(f)
        return side, share

    def camp_man(self, f: SecurityFaction) -> str | None:
        """The resisting camp whose man faction ``f``'s chief is: the one it is most loyal to,
        if more than to the office holder; None if there is none."""
        best, top = None, f.loyalty.get(self.office, 0.0)
        for name, camp in self.camps.items():
            if camp.status == RESISTING and name != self.office:
                value = f.loyalty.get(name, 0.0)
                if value > top:
                    best, top = name, value
        return best

    def _add_faction_part(self, s: dict[str, float], f: SecurityFaction, view: str) -> None:
        """``s[key] += _faction_part(f, None, view)[key]`` for every key, without the part's
        dict: each holder gets the same one sum (the side's share plus the loyalty to it),
        and different holders' sums do not interact. (A loyalty key never names the security
        services, so no two keys add to one holder; `strengths` checks.)"""
        side, share = self._side_and_share(f, None, view)
        if side is None:
            for key, weight in f.loyalty.items():
                s[SECURITY if key == SELF_INTEREST else key] += 0.0 + share * weight
            return
        own = share * f.cohesion
        share *= 1.0 - f.cohesion
        for key, weight in f.loyalty.items():
            holder = SECURITY if key == SELF_INTEREST else key
            if holder == side:
                own = own + share * weight
            else:
                s[holder] += 0.0 + share * weight
        s[side] += own

    def _holders_part(self, *, showdown: bool) -> dict[str, float]:
        """Every holder's strength from outside the factions: posts (in a showdown), the
        patron and the street."""
        ex = self.params.expectations
        s = dict.fromkeys(self.power, 0.0)
        if showdown:
            for name in (*self.camps, OPPOSITION):
                s[name] += ex.power_weight * self.power[name]
        backs = self.patron.backs if self.patron is not None else None
        if backs is not None:
            s[backs] += ex.patron_weight
        street = self.street
        s[OPPOSITION] += ex.protest_weight * max(street.active_share - street.sponsored_share, 0.0)
        sponsor = self.params.protesters.crime_sponsor
        if sponsor in s:
            s[sponsor] += ex.protest_weight * street.sponsored_share
        return s

    @property
    def _exponent(self) -> float:
        return self.params.expectations.contest_exponent

    # -- camps' standing ---------------------------------------------------------------------------
    def begin_resisting(self, name: str) -> None:
        camp = self.camps[name]
        camp.status = RESISTING
        camp.reference_power = max(self.power[name], 1e-9)
        camp.prospects_at_start = self.odds(name, self.office)

    def remove(self, name: str, status: str = REMOVED) -> None:
        """Camp ``name`` leaves the game; its power and the loyalty owed to it pass to the office
        holder (to the services' own interest if the office is not a camp's)."""
        camp = self.camps[name]
        camp.status, camp.out_day = status, self.day()
        heir = self.office if self.office != name else SECURITY
        self.transfer_power(name, heir, self.power[name])
        for f in self.factions:
            owed = f.loyalty.pop(name, 0.0)
            if owed:
                key = heir if heir in self.camps else SELF_INTEREST
                f.loyalty[key] = f.loyalty.get(key, 0.0) + owed
                if f.stance == f"side_with_{name}":
                    f.stance = "stand_aside"

    def fade_threats(self) -> None:
        """A day passes: each camp's threat fades by one day's share of the memory (docs/ODD.md
        §7.7); without a memory it never fades."""
        days = self.params.government.threat_memory_days
        if days is None:
            return
        for camp in self.camps.values():
            # Rounded so that `days` steps of 1/days end at exactly 0, not at 1e-17.
            if camp.threat > 0.0:
                camp.threat = max(round(camp.threat - 1.0 / days, 12), 0.0)

    def loses_posts(self, name: str) -> bool:
        """After a purge or a dismissal: does camp ``name`` lose its posts? The chance falls
        smoothly with the power it keeps, ``1 / (1 + (power / removal_power)^2)``: one half at
        ``removal_power``, about 1 in 26 at five times it, certain with nothing left."""
        r, power = self.params.government.removal_power, self.power[name]
        chance = 1.0 / (1.0 + (power / r) ** 2) if r > 0.0 else float(power <= 0.0)
        return bool(self.rng.random() < chance)

    def replace_chief(self, faction: SecurityFaction, away_from: Iterable[str]) -> None:
        """A faction's chief is replaced by the office holder's appointee: the loyalty it owed to
        ``away_from`` passes to the office holder, and the faction obeys."""
        if not self.office_is_camp:
            return
        for key in away_from:
            if key != self.office:
                moved = faction.loyalty.pop(key, 0.0)
                faction.loyalty[self.office] = faction.loyalty.get(self.office, 0.0) + moved
        faction.stance = "obey"

    def take_office(
        self, holder: str, how: str, *, oust: bool = True, scripted: bool = False
    ) -> None:
        """The office passes to ``holder``. The old holder is ousted (removed, its power to the new
        one) unless ``oust`` is false (a negotiated handover). A scripted change (a documented
        event of the scenario) also moves the reference against which the outcome is judged.

        A successor by the rules (``how`` is a ``transfer`` or a ``succession``) inherits the
        office's legitimacy: citizens judge the office, not the camp that fills it; a holder
        who takes the office by force keeps its own."""
        old = self.office
        if how in INHERITING and old in self.camps and holder in self.camps:
            self.camps[holder].legitimacy = self.camps[old].legitimacy
        if holder == SECURITY:
            self.frozen_legitimacy = self.legitimacy  # a junta keeps the ousted holder's
        self.office = holder
        self.changed_on = self.day()
        self.tally["office_changes"] += 1
        if scripted:
            self.reference = holder
        else:
            self.taken_by = how
        if holder in self.camps:
            self.camps[holder].status = IN_OFFICE
            self.camps[holder].threatened = False
        if old in self.camps and oust:
            self.remove(old)
        self.log(
            holder,
            "take_office",
            f"the office passes from {self.label(old)} to {self.label(holder)} ({how})",
        )

    # -- resolving risky moves ---------------------------------------------------------------------
    def purge(self, target: str) -> bool:
        """The office holder moves against ``target``'s posts; it succeeds with the showdown odds
        (docs/ODD.md §7.6). Success takes ``purge_transfer`` of the target's power, dismisses the
        chief of the faction most loyal to it and may leave it without posts; failure gives the
        target as much of the holder's power, hardens it (it resists), and the faction whose chief
        was to go sides with it."""
        gov, office = self.params.government, self.office
        self.tally["purges"] += 1
        p = self.odds(office, target)
        camp = self.camps[target]
        camp.threatened = True
        chief = self.chief_of(target)
        who = self.label(target)
        if self.rng.random() < p:
            self.transfer_power(target, office, gov.purge_transfer * self.power[target])
            self.legitimacy += gov.purge_legitimacy_gain
            if chief is not None:
                self.replace_chief(chief, [target])
                self.log(office, "purge", f"dismisses the {chief.name} chief, {who}'s ally")
            else:
                self.log(office, "purge", f"removes {who}'s people from state posts")
            if self.loses_posts(target):
                self.remove(target)
                self.log(target, "loses_posts", f"{who} has lost its posts")
            return True
        self.tally["purges_failed"] += 1
        self.transfer_power(office, target, gov.purge_transfer * self.power[office])
        if camp.status != RESISTING:
            self.begin_resisting(target)
        if chief is not None and chief.autonomous:
            chief.stance = f"side_with_{target}"
        self.log(office, "purge_failed", f"a move against {who} fails; {who} hardens")
        return False

    def chief_of(self, target: str) -> SecurityFaction | None:
        """The chief a purge of ``target`` dismisses: drawn among the factions more loyal to the
        target than to the office holder, with probability in proportion to that loyalty; none if
        no faction is (the holder does not dismiss its own men). One candidate needs no draw."""
        office = self.office
        candidates = [
            f for f in self.factions if f.loyalty.get(target, 0.0) > f.loyalty.get(office, 0.0)
        ]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        weights = np.array([f.loyalty[target] for f in candidates])
        pick = int(np.searchsorted(np.cumsum(weights), self.rng.random() * weights.sum()))
        return candidates[min(pick, len(candidates) - 1)]

    def coup(self, faction: SecurityFaction, side: str) -> bool:
        """``faction`` stages a coup for ``side`` (a camp, or the security services themselves);
        it succeeds with the showdown odds with the faction committed to that side. Failed
        plotters are purged: the chief is replaced and the camp they acted for is threatened."""
        self.tally["coups"] += 1
        p = self.odds(side, self.office, commit=(faction.name, side))
        self.log(faction.name, "coup", f"{faction.name} stages a coup for {self.label(side)}")
        if self.rng.random() < p:
            self.tally["coups_won"] += 1
            faction.stance = "obey"
            self.take_office(side, "coup")
            return True
        self.replace_chief(faction, [SELF_INTEREST if side == SECURITY else side])
        if side in self.camps:
            self.camps[side].threatened = True
        self.log(
            faction.name, "coup_failed", f"the coup fails; the {faction.name} plotters are purged"
        )
        return False

    def strike(self, name: str) -> bool:
        """A resisting camp strikes for the office with its network; it wins with the showdown
        odds. A camp that loses is removed, and the chiefs who sided with it are replaced."""
        self.tally["strikes"] += 1
        p = self.odds(name, self.office)
        who = self.label(name)
        self.log(name, "strike", f"{who} moves to take the office")
        if self.rng.random() < p:
            self.tally["strikes_won"] += 1
            self.take_office(
                name, "restoration" if self.camps[name].spec.former_ruler else "palace"
            )
            return True
        sided = [f for f in self.factions if f.stance == f"side_with_{name}"]
        self.remove(name)
        for f in sided:
            self.replace_chief(f, [name])
        self.log(name, "strike_failed", f"{who}'s move fails; it is removed")
        return False

    def leave_office(self) -> None:
        """The office holder gives up (flees): the office passes to the holder elites expect to
        prevail."""
        heir = self._heir()
        self.log(self.office, "leave_office", f"{self.label(self.office)} gives up the office")
        self.take_office(heir, self._how(heir))

    def negotiated_exit(self) -> None:
        """The office holder negotiates its exit [A-ruler-exit]: the office passes to the holder
        elites expect to prevail, and the old holder keeps its posts (it stays in the game)."""
        self.tally["pacts"] += 1
        heir = self._heir()
        self.log(self.office, "pact", f"{self.label(self.office)} negotiates its exit")
        self.take_office(heir, self._how(heir), oust=False)

    def _heir(self) -> str:
        win = self.expected_winner()
        return max((k for k in win if k != self.office), key=win.__getitem__)

    def _how(self, heir: str) -> str:
        how = {OPPOSITION: "popular", SECURITY: "junta"}.get(heir, "palace")
        if heir in self.camps and self.camps[heir].spec.former_ruler:
            how = "restoration"
        return how

    def oust_by_crowd(self, site: str) -> bool:
        """A crowd holds the seat of power: it ousts the office holder with the street's odds
        against it in a showdown that counts who obeys today (a handful of rebels in the palace
        against loyal services rarely, a mass crowd whose guards stand aside almost surely), and
        the office passes to the opposition (a popular transition) [A-peaceful-occupation]."""
        if self.rng.random() >= self.street_odds():
            return False
        self.tally["ousters"] += 1
        self.log(OPPOSITION, "occupy_seat", f"the crowd holds {site}")
        self.take_office(OPPOSITION, "popular")
        return True

    def defect(self, name: str, to: str) -> None:
        """Camp ``name`` goes over to ``to`` (the street or another camp) with its posts: its
        power and the loyalty owed to it pass to ``to``, and the factions that sided with it
        follow [A-camp-defection]."""
        camp = self.camps[name]
        self.tally["defections"] += 1
        camp.status, camp.out_day = DEFECTED, self.day()
        self.transfer_power(name, to, self.power[name])
        for f in self.factions:
            owed = f.loyalty.pop(name, 0.0)
            if owed:
                f.loyalty[to] = f.loyalty.get(to, 0.0) + owed
            if f.stance == f"side_with_{name}":
                f.stance = "defect" if to == OPPOSITION else f"side_with_{to}"
        self.log(name, "defect", f"{self.label(name)} goes over to {self.label(to)}")

    # -- scripted elite events (docs/ODD.md §6) ----------------------------------------------------
    def death(self, name: str, successor: str | None) -> None:
        """``name``'s leader dies or is incapacitated; a camp that held the office hands it to
        the designated successor, or to the strongest camp in play if none is named."""
        held = name == self.office
        self.log(name, "death", f"{self.label(name)}: the leader dies")
        if held and successor is not None:
            self.take_office(successor, "succession", scripted=True)
        elif held:
            self.succeed_strongest(name)
        else:
            self.remove(name)

    def succeed_strongest(self, name: str) -> None:
        """The office holder ``name`` has lost its leader: the strongest other camp in play takes
        the office. With no other camp, nobody inside the camps can succeed by the rules: the
        stronger of the security services and the street takes it (a junta, or the street)."""
        strengths = self.strengths(showdown=True)
        others = [n for n, c in self.camps.items() if c.in_play and n != name]
        if others:
            self.take_office(max(others, key=strengths.__getitem__), "succession")
            return
        heir = max((SECURITY, OPPOSITION), key=strengths.__getitem__)
        self.take_office(heir, "junta" if heir == SECURITY else "popular")

    def dismiss_camp(self, name: str) -> None:
        """The office holder dismisses ``name``'s leader from state posts (a purge that is known
        to have happened)."""
        gov = self.params.government
        self.transfer_power(name, self.office, gov.purge_transfer * self.power[name])
        self.camps[name].threatened = True
        self.log(self.office, "dismissal", f"{self.label(name)}'s leader is dismissed")
        if self.loses_posts(name):
            self.remove(name)

    def arrest(self, name: str) -> None:
        """``name``'s leader is arrested: the camp is removed. The office holder's own arrest
        (by its own state) is a palace move: the office passes as after a death with no
        designated successor."""
        self.log(self.office, "arrest", f"{self.label(name)}'s leader is arrested")
        if name == self.office:
            self.succeed_strongest(name)
        else:
            self.remove(name)


@cache
def committed_side(stance: str) -> str | None:
    """The side a stance commits a faction to in a contest, if any (`committed_to`; a cache:
    a handful of stances, read many times a day)."""
    if stance == "defect":
        return OPPOSITION
    if stance.startswith("side_with_"):
        return stance.removeprefix("side_with_")
    return None


@cache
def is_turned(stance: str) -> bool:
    """Whether a stance takes a faction's units against the office holder at the sites."""
    return stance == "defect" or stance.startswith("side_with_")
