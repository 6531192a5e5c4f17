"""TransitionModel: regions' crowds, the elite actors and the foreign patron, one tick a day.

A day (one Mesa step at time d+1 simulates day d; a scripted shock for day d fires at time d,
before that step):
1. every region's crowd acts (Epstein rule + extensions), given yesterday's legitimacy,
   stances and signals;
2. strategic sites change hands, casualties are drawn;
3. the public situation is computed (active share, seized sites, who elites expect to win);
4. elite actors decide in a fixed order: patron, security factions, rival camps, the office
   holder's government (their shared state is `ElitePolitics`, `transition_sim.core.elites`);
5. legitimacy and aftermath reforms are updated, and the day is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import partial

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa

from transition_sim.core import decisions, loyalty, outcomes
from transition_sim.core.actors import (
    ForeignPatron,
    Government,
    RivalCamp,
    SecurityFaction,
    Situation,
)
from transition_sim.core.blocks import BlockCrowd
from transition_sim.core.crowd import (
    CRIME,
    PEACEFUL,
    VIOLENT,
    CrowdRules,
    RegionCrowd,
    hardship_draw,
)
from transition_sim.core.daily import exposure
from transition_sim.core.elites import RESISTING, ElitePolitics, is_turned
from transition_sim.core.kernel import N_STATS, STAT_ACTIVE, STAT_ARRESTS, STAT_ENGAGED, STAT_JAILED
from transition_sim.core.population import block_crowd, make_population
from transition_sim.core.regions import SiteState, network_weights
from transition_sim.core.results import RunResult
from transition_sim.scenario.geometry import grid_side, split_units
from transition_sim.scenario.schema import Scenario, Shock

PATRON = -1  # faction index of patron units on the grids
# Columns of the regions x stats array of a day (`kernel.STAT_*`), by kind of protester.
ACTIVES = slice(STAT_ACTIVE, STAT_ACTIVE + 3)
ARRESTS = slice(STAT_ARRESTS, STAT_ARRESTS + 3)
ENGAGED = slice(STAT_ENGAGED, STAT_ENGAGED + 3)
# The columns `_violence` draws casualties and counts detentions from: a day with none of them
# has none.
VIOLENCE = (*range(STAT_ENGAGED, STAT_ENGAGED + 3), *range(STAT_ARRESTS, STAT_ARRESTS + 3))
VIOLENCE += (STAT_ACTIVE + VIOLENT, STAT_ACTIVE + CRIME)
# Columns of a region's day counts by kind: engaged (E) and active (A) peaceful, violent, crime.
EP, EV, EC = (STAT_ENGAGED + k for k in (PEACEFUL, VIOLENT, CRIME))
AV, AC = STAT_ACTIVE + VIOLENT, STAT_ACTIVE + CRIME


class _NotCounted(Mapping[str, float]):
    """`Situation.win` in a run in which no actor reads it: only an autonomous faction (its
    stances) and a camp that may defect (`RivalCamp._defects`) do. Counting it is a contest
    over every holder each day, with no side effect; reading it here is a bug, so it fails."""

    def __getitem__(self, key: str) -> float:
        raise RuntimeError("Situation.win was not counted: no actor of this run reads it")

    def __iter__(self) -> Iterator[str]:
        return self[""]  # fails

    def __len__(self) -> int:
        return self[""]  # fails


NOT_COUNTED = _NotCounted()


class ScriptedShock:
    """A scenario shock kept alive by the model (Mesa holds event callbacks weakly)."""

    def __init__(self, model: TransitionModel, shock: Shock) -> None:
        self.model, self.shock = model, shock

    def fire(self) -> None:
        """The shock's effects: its explicit ones plus ``magnitude`` times its trigger kind's
        effect per unit (`Scenario.triggers`). It fires before the step that simulates its day,
        so the model's day is moved to it first: its events are logged on their own day.

        The kind's legitimacy shift falls on the office holder and, times the kind's ``allies``
        share, on each camp allied with it [A-coalition-blame]. A shock's explicit
        ``legitimacy`` is the office holder's alone: it states what happens to that camp."""
        m, s, el = self.model, self.shock, self.model.elites
        m.day = s.day
        unit = m.params.triggers.effect(s.kind)
        hardship = s.hardship + s.magnitude * unit.hardship
        for i, region in enumerate(m.params.regions):
            if s.region in ("all", region.name):
                m.crowds[i].hardship_extra += hardship
                m.outrage[i] += s.magnitude * unit.outrage
                m.outraged = True
        performance = s.performance + s.magnitude * unit.performance
        m.performance = float(np.clip(m.performance + performance, 0.0, 1.0))
        legitimacy = s.legitimacy + s.magnitude * unit.legitimacy
        if unit.allies > 0.0:
            shared = s.magnitude * unit.legitimacy * unit.allies
            for camp in el.office_allies():
                camp.legitimacy = float(np.clip(camp.legitimacy + shared, 0.0, 1.0))
        el.legitimacy = float(np.clip(el.legitimacy + legitimacy, 0.0, 1.0))
        m.log("scenario", "shock", s.label)
        if s.event is not None:
            self.elite_event()

    def elite_event(self) -> None:
        """A documented elite event (docs/ODD.md §6); void if the run has already removed the
        camp it names, if the office has left the camps, if a transfer would hand the office to a
        removed camp or to its holder, or if it dismisses the office holder. A leader whose
        designated successor is gone dies without one."""
        m, s, el = self.model, self.shock, self.model.elites
        gone = s.camp is not None and not el.camps[s.camp].in_play
        heir = s.to if s.to is not None and el.camps[s.to].in_play else None
        if s.event == "transfer_office" and heir in (None, el.office):
            gone = True
        if s.event == "dismissal" and s.camp is not None and s.camp == el.office:
            gone = True  # nobody above the office holder dismisses it (an arrest can remove it)
        if s.event == "invite_patron":
            if m.patron is not None and m.patron.can_be_invited_by(el.office):
                m.invite_patron()  # whoever holds the office asks, even the opposition
        elif not el.office_is_camp or gone:
            m.log("scenario", "event_void", f"{s.event} no longer applies")
        elif s.event == "death":
            el.death(s.camp, heir)
        elif s.event == "dismissal" and s.camp is not None:
            el.dismiss_camp(s.camp)
        elif s.event == "dismissal":
            faction = m.faction(s.faction)
            el.replace_chief(faction, [k for k in faction.loyalty if k in el.camps])
            m.log(el.office, "dismissal", f"dismisses the {s.faction} chief")
        elif s.event == "arrest":
            el.arrest(s.camp)
        elif s.event == "loyalty":
            m.faction(s.faction).loyalty = dict(s.loyalty)
        elif s.event == "transfer_office":
            el.take_office(heir, "transfer", oust=False, scripted=True)


class TransitionModel(mesa.Model):
    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.params = scenario  # our Scenario; mesa.Model.scenario is Mesa's own
        sc = scenario
        self.day = 0
        self.events: list[tuple[int, str, str, str]] = []
        # A day's record: its day, counts (regions x `kernel.N_STATS`), deaths by region and
        # national values (`_record`; named by `_national_columns`).
        self.rows: list[tuple[int, np.ndarray, np.ndarray, tuple]] = []

        self.performance = sc.government.performance
        self.repression_level = 0
        self.invitation_day: float = math.nan
        self.calm_days = 0
        self.crisis_start: int | None = None
        self.order_day: int | None = None
        self.waves = 0
        self.in_wave = False
        self.reforms = {"socio_economic": 0, "political": 0, "delivered": 0, "disappointed": 0}
        self.liberalization = 0.0
        self.last_reform_day = 0
        self.deaths = 0.0
        self.detained = 0.0
        self.peak_active_share = 0.0
        self.peak_protesters = 0.0
        self.patron_troops_max = 0

        self.factions = [
            SecurityFaction(self, name, spec, i)
            for i, (name, spec) in enumerate(sc.factions.items())
        ]
        for faction in self.factions:  # unit agents at this resolution (per-capita inputs)
            faction.units = sc.faction_units(faction.name)
        self.patron_units = sc.patron_units()
        self.elites = ElitePolitics(sc, self.factions, self.rng, self.log, lambda: self.day)
        self.rivals = [RivalCamp(self, c.name) for c in sc.camps]
        self.government = Government(self) if sc.government.enabled else None
        self.patron = ForeignPatron(self) if sc.patron.enabled else None
        self.elites.patron = self.patron
        # The national columns' names, in the record's order (the holders never change).
        self._national_columns = (
            *[f"power_{holder}" for holder in self.elites.power],
            *("office", "legitimacy", "regime_legitimacy", "repression_level", "sites_seized"),
            "patron_troops",
            *[f"stance_{f.name}" for f in self.factions],
        )
        # Whether any actor reads who elites expect to win (`Situation.win`): see `_NotCounted`.
        self._deciding = any(f.autonomous for f in self.factions)
        self._win_read = self._deciding or any(c.defection > 0.0 for c in sc.camps)
        self._build_regions()
        # A focal event's outrage, by region: a cut of citizens' activation threshold that fades
        # by `triggers.outrage_decay` a day [A-triggers].
        self.outrage = np.zeros(len(self.crowds))
        self.outraged = False  # until a shock stirs outrage it stays 0: no decay to apply
        self._no_deaths = np.zeros(len(self.crowds))  # a day without fighting (kept by records)
        self._no_deaths.flags.writeable = False
        c = sc.crowd
        self._rules = CrowdRules(  # the crowd's rules: `_day` sets the two that change daily
            legitimacy=0.0,
            threshold=c.active_threshold,
            arrest_constant=c.arrest_constant,
            max_jail_term=c.max_jail_term,
            movement=c.movement,
            batches=c.activation_batches if c.activation == "batches" else 0,
            social_signal=c.social_signal,
            contagion_signal=0.0,  # each region's: `_day`
            memory_effect=c.memory_effect,
            memory_gain=c.memory_gain,
            memory_decay=c.memory_decay,
            crime_drive=0.0,
            arrests_per_unit=1,
            exact_ratio=c.arrest_ratio == "exact",
            gathering=c.gathering,
            guarding=c.guarding,
        )
        self.situation = self._situation([0] * N_STATS)
        self._shocks = [ScriptedShock(self, s) for s in sc.shocks]
        # Mesa's event list drives `step`/`run_for`; `run` fires the shocks itself.
        self._shock_events = [self.schedule_event(s.fire, at=s.shock.day) for s in self._shocks]

    # -- construction ---------------------------------------------------------------------------
    def _build_regions(self) -> None:
        sc, rng = self.params, self.rng
        pops = np.array([r.urban_population for r in sc.regions], dtype=float)
        per_region_units = np.zeros((len(sc.factions), len(sc.regions)), dtype=np.int64)
        names = [r.name for r in sc.regions]
        for i, (faction, spec) in enumerate(zip(self.factions, sc.factions.values(), strict=True)):
            shares = (
                np.array([spec.deployment.get(n, 0.0) for n in names])
                if spec.deployment is not None
                else pops
            )
            per_region_units[i] = split_units(faction.units, shares)  # sc.faction_units
        self.crowds: list[RegionCrowd] = []
        self.sites: list[SiteState] = []
        self.unit_follows: list[np.ndarray] = []
        for r, region in enumerate(sc.regions):
            side = grid_side(
                region.urban_population, sc.scale.people_per_agent, sc.crowd.citizen_density
            )
            n = round(sc.crowd.citizen_density * side * side)
            violent, crime = sc.protester_shares(region)
            kind = _kinds(rng, [1.0 - violent - crime, violent, crime], n)
            unit_faction = np.repeat(np.arange(len(sc.factions)), per_region_units[:, r])
            if sc.crowd.representation == "blocks":  # opt-in (docs/ODD.md §7.13)
                crowd = block_crowd(sc, region, rng, side, n, unit_faction)
            else:
                h, ra, shift = sc.crowd.hardship, sc.crowd.risk_aversion, region.hardship_shift
                hardship = hardship_draw(rng, h.low, h.high, sc.crowd.hardship_skew, n)
                hardship = np.clip(hardship + shift, 0.0, 1.0)
                risk = rng.uniform(ra.low, ra.high, n)
                vision, shape = sc.vision_cells(), sc.crowd.neighborhood
                crowd = RegionCrowd(rng, side, n, unit_faction, kind, hardship, risk, vision, shape)
            self.crowds.append(crowd)
            cohesion = np.array([f.cohesion for f in self.factions])[unit_faction]
            self.unit_follows.append(rng.random(len(unit_faction)) < cohesion)
            for site in region.sites:
                cell = (
                    (site.cell[0] % side) * side + site.cell[1] % side
                    if site.cell is not None
                    else int(rng.integers(side * side))
                )
                self.sites.append(SiteState(r, site.name, cell, site.weight))
            crowd.site_cells = np.array(
                [s.cell for s in self.sites if s.region == r], dtype=np.int64
            )
        self.population = make_population(self.crowds)
        self.citizens = sum(c.n for c in self.crowds)
        self._citizens = np.array([c.n for c in self.crowds])
        if sc.crowd.representation == "blocks":  # blocks hold the residents exactly (§7.13)
            self._citizens = np.array([c.citizens for c in self.crowds])
            self.citizens = float(self._citizens.sum())
        self._units_layout = self._exposure_layout = 0  # flat unit indices: stale when != layout
        self._deterrence_set: tuple = ()  # the layout and stances the units' flags were set for
        self.network = network_weights(sc)
        self._site_weight = sum(s.weight for s in self.sites)
        self.region_share = np.zeros(len(self.crowds))
        self._no_share = np.zeros(len(self.crowds)) / self._citizens  # nobody active today
        self._no_share.flags.writeable = False  # shared by the days without actives

    # -- services for the actors ------------------------------------------------------------------
    def log(self, actor: str, action: str, details: str) -> None:
        self.events.append((self.day, actor, action, details))

    def relieve_hardship(self, fraction: float) -> None:
        for crowd in self.crowds:
            crowd.hardship_extra *= 1.0 - fraction

    def loyal_capacity(self) -> float:
        """Share of domestic security units that obey the office holder today."""
        total = sum(f.units for f in self.factions)
        return sum(f.units for f in self.factions if f.stance == "obey") / max(total, 1)

    def faction(self, name: str) -> SecurityFaction:
        return next(f for f in self.factions if f.name == name)

    @property
    def power(self) -> dict[str, float]:
        return self.elites.power

    @property
    def legitimacy(self) -> float:
        """The office holder's legitimacy."""
        return self.elites.legitimacy

    def invite_patron(self) -> None:
        """The office holder asks the patron for help; the patron decides (§7.8)."""
        self.invitation_day = self.day
        self.log(self.elites.office, "invite_patron", f"asks {self.patron.spec.name} for help")
        self.patron.invite(self.elites.office)

    def crime_drive(self) -> float:
        """How hard the armed groups a camp pays act today: only while their sponsor resists, and
        fading with its odds against the office holder [C-official-narrative]."""
        p, el = self.params.protesters, self.elites
        if not el.office_is_camp or not el.resisting(p.crime_sponsor):
            return 0.0
        prospects = el.odds(p.crime_sponsor, el.office)
        start = el.camps[p.crime_sponsor].prospects_at_start
        return decisions.sponsored_drive(p.crime_motivation, prospects, start)

    def deploy_patron_units(self, units: int | None = None) -> None:
        """Patron troops take over strategic sites; the units they free join the loyal side.
        The number of unit agents is the scenario's at this resolution (`units` is ignored)."""
        units = self.patron_units
        weights = np.zeros(len(self.crowds))
        for site in self.sites:
            weights[site.region] += site.weight
        if weights.sum() == 0:
            weights[:] = 1.0
        for crowd, k in zip(self.crowds, split_units(units, weights), strict=True):
            crowd.add_units(int(k), PATRON)
        self.population.refresh()  # the flat arrays hold the new units from now on
        self.patron_troops_max = max(self.patron_troops_max, self.patron.troops)

    def withdraw_patron_units(self) -> None:
        for crowd in self.crowds:
            crowd.remove_units(PATRON)
        self.population.refresh()

    # -- the day --------------------------------------------------------------------------------
    def step(self) -> None:
        """One day (Mesa's step: `run` calls `_day` itself, in a plain loop)."""
        self._day(int(self.time) - 1)

    def _day(self, day: int) -> None:
        sc = self.params
        self.day = day
        level = self.repression_level
        rules = self._rules  # the scenario's, with today's legitimacy and drive
        rules.legitimacy = self.elites.regime_legitimacy()
        rules.crime_drive = self.crime_drive()
        self._set_deterrence()
        if self.region_share is self._no_share:  # nobody active yesterday: no contagion
            signal = self.outrage  # = contagion x (network @ 0) + outrage, but for 0's sign
        else:
            signal = sc.crowd.contagion * (self.network @ self.region_share) + self.outrage
        stats = self.population.step(rules, signal)
        # National counts as Python ints: the day's quick looks (is anyone active?) and sums
        # of counts (exact, whichever the order) need no array operation.
        totals = (stats[0] if len(stats) == 1 else stats.sum(axis=0)).tolist()
        if self.outraged:
            self.outrage *= 1.0 - sc.triggers.outrage_decay
        deaths = self._violence(stats, totals, level)
        self._contest_sites(stats, totals)
        if any(totals[ACTIVES]):
            self.region_share = stats[:, ACTIVES].sum(axis=1).astype(float) / self._citizens
        else:
            self.region_share = self._no_share
        self._track_order()
        self.elites.fade_threats()
        self.situation = self._situation(totals)
        self._update_loyalty(stats, totals)
        if self.patron is not None:
            self.patron.step()
        if self._deciding:  # a faction that is not autonomous never decides (nor reads odds)
            with self.elites.factions_turn():
                for faction in self.factions:
                    faction.step()
        for actor in (*self.rivals, self.government):
            if actor is not None:
                actor.step()
        self._update_legitimacy()
        self._aftermath()
        self._record(stats, deaths)

    def _set_deterrence(self) -> None:
        """Units deter unless their faction does not obey and they follow it; the patron's
        always deter (they come after a region's domestic units). The kernel only reads the
        units' flags, so they are written again only when a stance or the layout changed."""
        p = self.population  # packed: units join and leave through deploy/withdraw
        stances = (p.layout, *[f.stance == "obey" for f in self.factions])
        if stances == self._deterrence_set:
            return
        self._deterrence_set = stances
        if self._units_layout != p.layout:
            self._units_layout = p.layout
            self._not_follows = np.concatenate(
                [
                    np.concatenate([~f, np.zeros(c.m - len(f), dtype=bool)])
                    for c, f in zip(self.crowds, self.unit_follows, strict=True)
                ]
            )
        obey = np.array([f.stance == "obey" for f in self.factions] + [True])  # last: patron
        np.logical_or(obey[p.flat["unit_faction"]], self._not_follows, out=p.flat["unit_deters"])

    def _violence(self, stats: np.ndarray, totals: list[int], level: int) -> np.ndarray:
        """Casualties and detentions in people. An active agent is `people_per_agent`
        protesters, the same reading as the contest's active share (docs/ODD.md §2, §7.4).
        ``totals``: the national sum of each column of ``stats``."""
        if not any(totals[c] for c in VIOLENCE):
            return self._no_deaths  # no fighting, no arrests: no casualties, no detentions
        v, ppa = self.params.violence, self.params.scale.people_per_agent
        lethality, exposure = v.protester_lethality[level], v.peaceful_exposure
        # Each region's death rate, in plain floats (a handful of regions), as the arrays did:
        # the same operations in the same order.
        rate = [
            ppa
            * (
                lethality * (float(r[EV]) + float(r[EC]) + exposure * float(r[EP]))
                + v.violent_lethality * (float(r[AV]) + float(r[AC]))
            )
            for r in stats.tolist()
        ]
        # One scalar draw per region with a nonzero rate, in region order: the same draws as
        # `rng.poisson(rate)` (a zero rate draws nothing there either), at a twentieth the cost.
        poisson = self.rng.poisson
        deaths = np.array([float(poisson(x)) if x else 0.0 for x in rate])
        self.deaths += deaths.sum()
        if not any(totals[ARRESTS]):
            return deaths  # nobody detained: no legitimacy cost
        detained = v.detention_share * ppa * stats[:, ARRESTS].astype(float)
        self.detained += detained.sum()
        # Repressing peaceful crowds costs legitimacy [C-peaceful-middle-class].
        repressed = detained[:, PEACEFUL].sum() * level / 3.0
        self.elites.legitimacy -= v.peaceful_repression_cost * repressed / 1000.0
        return deaths

    def _contest_sites(self, stats: np.ndarray, totals: list[int]) -> None:
        """Each site is contested by the rebels near it (armed actives, and peaceful ones
        weighted by `peaceful_occupation`, plus units of factions that side with a camp or
        defect and do not deter) against the deterring units near it and, while the state holds
        it, its standing guard (`site_guard` people): it changes hands with the odds of a
        Tullock contest in which its holder counts `seizure_ratio` times
        (`decisions.site_falls`). With blocks the rebels are whole people (`BlockCrowd.
        site_forces`). A crowd that has held the seat of power since an earlier day
        and keeps it through today's contest may oust the office holder (`oust_by_crowd`)."""
        v = self.params.violence
        turned_stances = [is_turned(f.stance) for f in self.factions]
        patron_here = self.patron is not None and self.patron.state == "deployed"
        held = [site.seized for site in self.sites]
        any_turned = any(turned_stances)
        armed = totals[STAT_ACTIVE + VIOLENT] + totals[STAT_ACTIVE + CRIME]
        peaceful = v.peaceful_occupation * totals[STAT_ACTIVE + PEACEFUL]
        if not (any(held) or patron_here or armed or peaceful or any_turned):
            return  # nobody near any site could take it (the test below, for every site)
        # the last entry (index -1) is the patron
        turned_faction = np.array([*turned_stances, False])
        by_region = stats[:, ACTIVES].tolist()  # Python ints: cheaper for a quick look
        # The standing guard in deterrence-equivalents: a unit's people (blocks) or an agent's.
        blocks = self.params.crowd.representation == "blocks"
        per = self.params.crowd.unit_people if blocks else self.params.scale.people_per_agent
        guard = v.site_guard / per
        for site in self.sites:
            active = by_region[site.region]
            armed = active[VIOLENT] + active[CRIME]
            peaceful = v.peaceful_occupation * active[PEACEFUL]
            if not (site.seized or patron_here or armed or peaceful or any_turned):
                continue  # nobody near the site could take it
            if patron_here:
                site.seized = False  # patron troops guard the strategic sites: no contest
                continue
            crowd = self.crowds[site.region]
            # whole people (with blocks: docs/ODD.md §7.13, "Sites")
            rebels, turned, defenders = crowd.site_people(site.cell, v.site_radius, turned_faction)
            if peaceful:
                rebels += v.peaceful_occupation * crowd.peaceful_people(site.cell, v.site_radius)
            attackers = rebels + turned
            if not site.seized and self._changes_hands(attackers, defenders + guard):
                site.seized = True
                self.log("crowd", "seize_site", f"rebels take {site.name}")
            elif site.seized and self._changes_hands(defenders, attackers):
                site.seized = False
                self.log("security", "retake_site", f"security retakes {site.name}")
        seat = next(
            (s for s, before in zip(self.sites, held, strict=True)
             if before and s.seized and self._is_seat(s)),
            None,
        )  # fmt: skip
        if seat is not None and self.elites.office_is_camp:
            self.elites.oust_by_crowd(seat.name)

    def _is_seat(self, site: SiteState) -> bool:
        region = self.params.regions[site.region]
        return any(s.seat and s.name == site.name for s in region.sites)

    def _changes_hands(self, challengers: float, holders: float) -> bool:
        """One draw of the site contest (none when its outcome is certain)."""
        v = self.params.violence
        p = decisions.site_falls(challengers, holders, v.seizure_ratio, v.site_exponent)
        if p in (0.0, 1.0):
            return p == 1.0
        return self.rng.random() < p

    def _update_loyalty(self, stats: np.ndarray, totals: list[int]) -> None:
        """Move every faction's loyalty by the day's mechanisms (`transition_sim.core.loyalty`,
        docs/ODD.md §7.5); nothing moves while every rate is 0."""
        d, el = self.params.loyalty_dynamics, self.elites
        rates = (d.backfire, d.crowd_pressure, d.cascade, d.elite_split, d.patron_pay, d.recovery)
        if not (any(rates) or d.crowd_size) or not el.office_is_camp:
            return
        office = el.office
        repression = self._peaceful_repression(totals) if d.backfire else 0.0
        exposure = (  # Python floats: read one at a time below (none without peaceful actives)
            self._exposure(stats, totals).tolist()
            if d.crowd_pressure and totals[STAT_ACTIVE + PEACEFUL]
            else [0.0] * len(self.factions)
        )
        size = (  # 0 by default: nothing computed, nothing moves
            self._size_signal(stats)
            if d.crowd_size and totals[STAT_ACTIVE + PEACEFUL]
            else [0.0] * len(self.factions)
        )
        odds = (
            {
                c.spec.name: el.odds(c.spec.name, office)
                for c in el.rivals()
                if c.status == RESISTING
            }
            if d.elite_split
            else {}
        )
        patron = self.patron
        client = (
            patron.client
            if patron is not None and patron.state == "deployed" and patron.client in el.camps
            else None
        )
        not_obeying = self._not_obeying() if d.cascade else []
        for i, f in enumerate(self.factions):
            lam = f.loyalty
            if lam != f.after_dynamics:  # a discrete event since yesterday moves the level too
                f.base = loyalty.shifted(f.base, f.after_dynamics, lam)
                for key in [k for k in f.base if k in el.camps and not el.camps[k].in_play]:
                    f.base[office] = f.base.get(office, 0.0) + f.base.pop(key)  # as `remove`
            # A mechanism with nothing to move (a zero signal, nobody to follow) returns its
            # input unchanged: it is skipped.
            t = f.tie
            if repression > 0.0:
                lam = loyalty.backfire(lam, office, d.backfire, repression, t)
            if exposure[i] > 0.0:
                lam = loyalty.crowd_pressure(lam, office, d.crowd_pressure, exposure[i], t)
            if size[i] > 0.0:
                lam = loyalty.crowd_size(lam, office, d.crowd_size, size[i], t)
            if d.cascade and not_obeying[i]:
                lam = loyalty.cascade(
                    lam, office, d.cascade, not_obeying[i], f.threshold, d.cascade_spread, t
                )
            if odds:
                lam = loyalty.elite_split(lam, office, d.elite_split, odds, t)
            if client is not None:
                lam = loyalty.patron_pay(lam, client, d.patron_pay, t)
            if self.situation.calm:  # recovered and cut below 1e-12 in one pass
                f.loyalty = loyalty.recover(lam, f.base, d.recovery, floor=1e-12)
            else:
                f.loyalty = {k: v for k, v in lam.items() if v > 1e-12}
            f.after_dynamics = dict(f.loyalty)

    def _peaceful_repression(self, totals: list[int]) -> float:
        """Repression of peaceful crowds today (0..1): the repression level (of 3) times the
        share of peaceful actives arrested today (``totals``: the day's national counts)."""
        arrested = float(totals[STAT_ARRESTS + PEACEFUL])  # integer counts: exact
        active = float(totals[STAT_ACTIVE + PEACEFUL])
        if arrested <= 0.0:
            return 0.0
        return self.repression_level / 3.0 * arrested / (arrested + active)

    def _size_signal(self, stats: np.ndarray) -> list[float]:
        """Per faction, the crowd's size as its units read it (0..1): over its domestic units,
        `loyalty.size_signal` of their city's active share of residents times the city's
        peaceful share of actives [A-loyalty-crowd-size]. A faction without units reads 0."""
        d = self.params.loyalty_dynamics
        self._unit_layout()
        active = stats[:, ACTIVES].sum(axis=1).tolist()
        peaceful = stats[:, STAT_ACTIVE + PEACEFUL].tolist()
        heard = np.zeros(len(self.factions))
        for r, here in enumerate(self._units_by_region):
            if active[r] > 0:
                share = float(self.region_share[r])
                loud = loyalty.size_signal(share, d.crowd_size_midpoint, d.crowd_size_steepness)
                heard += here * (loud * peaceful[r] / active[r])
        units = self._unit_count
        return [float(h / n) if n > 0 else 0.0 for h, n in zip(heard, units, strict=True)]

    def _exposure(self, stats: np.ndarray, totals: list[int]) -> np.ndarray:
        """Per faction, how full of peaceful actives its units' field of vision is (0..1): the
        actives its units see over the citizens that fit in their vision, times the region's
        peaceful share of actives [A-loyalty-crowd-pressure]. Domestic units only (the
        patron's come after them in a region); summed region by region, each in unit order."""
        k, p = len(self.factions), self.population
        if not totals[STAT_ACTIVE + PEACEFUL]:
            return np.zeros(k)  # no peaceful actives: every weight below is 0
        self._unit_layout()
        return exposure(
            stats, STAT_ACTIVE + PEACEFUL, STAT_ACTIVE, p.flat["pos"], p.flat["actives_seen"],
            self._unit_slots, self._unit_cell_at, self._unit_capacity, self._unit_region,
            self._unit_bin, self._unit_count, k,
        )  # fmt: skip

    def _unit_layout(self) -> None:
        """Where the domestic units are in the flat arrays (the patron's come after them in a
        region), their regions and factions, and their counts by region and faction, kept until
        the population's layout changes."""
        k, p = len(self.factions), self.population
        if self._exposure_layout == p.layout:
            return
        self._exposure_layout = p.layout
        m = [len(f) for f in self.unit_follows]
        region = np.repeat(np.arange(len(m)), m)
        self._unit_slots = np.concatenate(
            [p.agent_at[r] + c.n + np.arange(m[r]) for r, c in enumerate(self.crowds)]
        ).astype(np.int64)
        self._unit_cell_at = p.cell_at[region]
        capacity = np.array([_vision_size(c) for c in self.crowds]) * (
            self.params.crowd.citizen_density
        )
        self._unit_capacity = capacity[region]
        self._unit_region = region
        self._unit_bin = region * k + np.concatenate(
            [c.unit_faction[: m[r]] for r, c in enumerate(self.crowds)]
        )
        bins = len(self.crowds) * k
        self._units_by_region = np.bincount(self._unit_bin, minlength=bins).reshape(-1, k)
        self._unit_count = self._units_by_region.sum(0)

    def _not_obeying(self) -> list[dict[str, float]]:
        """For each faction, the other factions' units that do not obey, as shares of all other
        units, by where they went: the services' own interest (standing aside), a camp, or the
        street. Counted once (the day's stances do not move during the loyalty update), so the
        day stays linear in the factions."""
        if all(f.stance == "obey" for f in self.factions):
            return [{} for _ in self.factions]  # everyone obeys (most days)
        units = np.array([f.units for f in self.factions], dtype=float)
        away: dict[str, float] = {}
        for f, n in zip(self.factions, units, strict=True):
            if f.stance != "obey":
                key = "self_interest" if f.stance == "stand_aside" else f.committed_to
                away[key] = away.get(key, 0.0) + float(n)
        total = float(units.sum())
        out = []
        for f, n in zip(self.factions, units, strict=True):
            others = total - float(n)
            if others <= 0:
                out.append({})
                continue
            own = (
                None
                if f.stance == "obey"
                else ("self_interest" if f.stance == "stand_aside" else f.committed_to)
            )
            out.append(
                {
                    key: (count - (float(n) if key == own else 0.0)) / others
                    for key, count in away.items()
                    if count - (float(n) if key == own else 0.0) > 0.0
                }
            )
        return out

    def _situation(self, totals: list[int]) -> Situation:
        """Today's national signals from the day's national counts (zeros before day 0)."""
        by_kind = totals[ACTIVES]
        active = sum(by_kind)
        citizens = max(self.citizens, 1)
        total_w = self._site_weight
        seized = sum(s.weight for s in self.sites if s.seized) / total_w if total_w else 0.0
        street = self.elites.street
        street.active_share = active / citizens
        people = active * self.params.scale.people_per_agent  # protesters today (§2)
        self.peak_protesters = max(self.peak_protesters, float(people))
        sponsored = self.params.protesters.crime_sponsor in self.elites.camps
        street.sponsored_share = float(by_kind[CRIME]) / citizens if sponsored else 0.0
        return Situation(
            day=self.day,
            active_share=active / citizens,
            peaceful_share=float(by_kind[PEACEFUL] / active) if active else 1.0,
            armed_share=float(by_kind[VIOLENT] + by_kind[CRIME]) / citizens,
            sites_seized=float(seized),
            win=self.elites.expected_winner() if self._win_read else NOT_COUNTED,
            calm=self.calm_days > 0 or self.crisis_start is None,
        )

    def _track_order(self) -> None:
        s, order = self.situation, self.params.order
        self.peak_active_share = max(self.peak_active_share, s.active_share)
        calm = s.active_share < order.max_active_share and s.sites_seized == 0
        self.calm_days = self.calm_days + 1 if calm else 0
        if not calm and self.crisis_start is None:
            self.crisis_start = self.day
        if (
            self.crisis_start is not None
            and self.order_day is None
            and self.calm_days >= order.calm_days
        ):
            self.order_day = self.day
            self.log("state", "order_restored", "order holds")
        wave = s.active_share >= 2 * order.max_active_share
        if wave and not self.in_wave:
            self.waves += 1
        self.in_wave = wave if wave else (self.in_wave and not calm)

    def _update_legitimacy(self) -> None:
        camp = self.elites.camps.get(self.elites.office)
        if camp is None:
            return  # the office is not a camp's: its legitimacy is not set (`ElitePolitics`)
        drift = self.params.government.legitimacy_adjustment * (self.performance - camp.legitimacy)
        camp.legitimacy = float(min(max(camp.legitimacy + drift, 0.0), 1.0))  # np.clip, a float

    def _aftermath(self) -> None:
        """Reforms after order is restored [C-new-protests, C-socioeconomic-rights]."""
        a, el = self.params.aftermath, self.elites
        if self.government is None or self.order_day is None or not el.office_is_camp:
            return
        if self.day - max(self.last_reform_day, self.order_day) < a.reform_interval_days:
            return
        self.last_reform_day = self.day
        political = self.rng.random() < a.political_reform_preference
        kind = "political" if political else "socio_economic"
        self.reforms[kind] += 1
        p = a.delivery_probability
        if el.rivals():
            p *= 1.0 - a.tandem_delivery_penalty  # a rival still holding posts blocks delivery
        if self.rng.random() < p:
            self.reforms["delivered"] += 1
            self.performance = min(1.0, self.performance + a.reform_performance_gain)
            if political:
                self.liberalization = min(1.0, self.liberalization + a.liberalization_gain)
            self.log(el.office, "reform_delivered", f"{kind.replace('_', '-')} reform delivered")
        else:
            self.reforms["disappointed"] += 1
            for crowd in self.crowds:
                crowd.hardship_extra += a.disappointment_hardship
            self.log(
                el.office, "reform_disappoints", f"{kind.replace('_', '-')} reform disappoints"
            )

    def _record(self, stats: np.ndarray, deaths: np.ndarray) -> None:
        """Keep today's numbers: per region (rows in scenario order) and national. The day's
        counts are kept as the compiled day returned them (a fresh array, read-only from
        here on) and turned into the table's columns once, in `_timeseries_table`; the national
        values as a tuple in the order of `_national_columns` (a dict a day cost twice as much)."""
        el, patron = self.elites, self.patron
        national = (
            *el.power.values(),
            el.office,
            el.legitimacy,
            el.regime_legitimacy(),
            self.repression_level,
            self.situation.sites_seized,
            patron.troops if patron and patron.state == "deployed" else 0,
            *[f.stance for f in self.factions],
        )
        self.rows.append((self.day, stats, deaths, national))

    def timeseries_table(self) -> pa.Table:
        """One row per (day, region) plus region "all" (the sum over regions), as columns."""
        return _timeseries_table(self.rows, self._national_columns, self.params)

    def timeseries(self) -> pd.DataFrame:
        return self.timeseries_table().to_pandas()

    # -- running and results --------------------------------------------------------------------
    def run(self) -> None:
        """The whole run, as `run_for(days)` runs it, in a plain loop: at time t the step that
        simulates day t - 1 (Mesa's steps come first at a time), then the shocks of day t in
        the scenario's order; shocks of day `days` fire after the last step, later ones never.
        Mesa's event list is left unused (the shocks' events cancelled)."""
        days = self.params.days
        if self.time != 0:  # already stepped through Mesa: go on through Mesa
            self.run_for(days)
            return
        for event in self._shock_events:
            event.cancel()
        pending = sorted(self._shocks, key=lambda s: s.shock.day)  # stable: scenario order
        due = 0
        for t in range(days + 1):
            if t > 0:
                self._day(t - 1)
            while due < len(pending) and pending[due].shock.day == t:
                pending[due].fire()
                due += 1
        # Mesa's clock once, at the end: nothing in a day reads it, and setting `time` (an
        # observable: it signals each change) cost a few microseconds a day.
        self.steps += days
        self.time = float(days)

    def final_state(self) -> outcomes.FinalState:
        el = self.elites
        return outcomes.FinalState(
            office=el.office,
            reference=el.reference,
            former_rulers=frozenset(c.name for c in self.params.camps if c.former_ruler),
            rivals={c.spec.name: c.status for c in el.rivals()},
            services_split=el.office_is_camp
            and any(f.stance != "obey" for f in self.factions if f.autonomous),
            sites_held_by_rebels=any(site.seized for site in self.sites),
        )

    def metrics(self) -> dict[str, float]:
        el = self.elites
        days_to_order = (
            self.order_day - self.crisis_start if self.order_day is not None else math.nan
        )
        return {
            "deaths": float(self.deaths),
            "detained": float(self.detained),
            "peak_active_share": float(self.peak_active_share),
            "peak_protesters": float(self.peak_protesters),
            "invitation_day": float(self.invitation_day),
            "patron_troops": float(self.patron_troops_max),
            "days_to_order": float(days_to_order),
            **{f"power_{holder}": share for holder, share in self.power.items()},
            "legitimacy": float(self.legitimacy),
            "purges": float(el.tally["purges"]),
            "purges_failed": float(el.tally["purges_failed"]),
            "coups": float(el.tally["coups"]),
            "coups_won": float(el.tally["coups_won"]),
            "strikes": float(el.tally["strikes"]),
            "strikes_won": float(el.tally["strikes_won"]),
            "rival_exits": float(el.tally["exits"]),
            "resistance_days": float(sum(c.resisting_days for c in el.camps.values())),
            "rivals_removed": float(
                sum(c.status != "in_office" and c.status != RESISTING for c in el.camps.values())
            ),
            "camp_out_day": min(
                (float(c.out_day) for c in el.camps.values() if c.out_day is not None),
                default=math.nan,
            ),
            "guarantees_offered": float(el.guarantees_offered),
            "office_changes": float(el.tally["office_changes"]),
            "protest_waves": float(self.waves),
            "reforms_delivered": float(self.reforms["delivered"]),
            "liberalization": float(self.liberalization),
        }

    def events_table(self) -> pa.Table:
        return _events_table(self.events, self.params)

    def close(self) -> None:
        """Let go of the regions' crowds and their packed arrays now (`simulate` calls it once
        it holds the result, which never reads them): a model is a cycle of references (its
        actors hold it), freed only when the collector finds it, and until then its arrays
        (megabytes of jail rings with blocks) keep the next replication from reusing their
        memory, so that it takes fresh pages from the system (page faults, zeroing). The model
        cannot step after this; its records, metrics and result stay."""
        self.crowds, self.population = [], None

    def result(self) -> RunResult:
        """The run's result. Its tables are built on first use (an ensemble that keeps only
        summaries never builds them), from copies of today's lists of days and events."""
        return RunResult(
            outcome=outcomes.classify(self.final_state()),
            metrics=self.metrics(),
            timeseries=partial(
                _timeseries_table, list(self.rows), self._national_columns, self.params
            ),
            events=partial(_events_table, list(self.events), self.params),
        )


def _kinds(rng: np.random.Generator, shares: list[float], n: int) -> np.ndarray:
    """``rng.choice(3, size=n, p=shares)`` as int8, by the operations it does for that call
    (numpy's `Generator.choice` with ``p`` and replacement: the same draws), without its checks
    of ``p``, which cost as much as the draws (each region of each replication)."""
    cdf = np.cumsum(shares)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right").astype(np.int8)


def _vision_size(crowd: RegionCrowd | BlockCrowd) -> float:
    """The cells in a crowd's vision (a block crowd's outer ring counts by its share)."""
    if isinstance(crowd, BlockCrowd):
        return float(crowd.vision_weights.sum())
    return crowd.neighbors.shape[1]


def _timeseries_table(
    rows: list[tuple[int, np.ndarray, np.ndarray, tuple]],
    national: tuple[str, ...],
    scenario: Scenario,
) -> pa.Table:
    """`TransitionModel.timeseries_table` of the recorded ``rows`` (their national values named
    by ``national``)."""
    regions = [r.name for r in scenario.regions] + ["all"]
    k, n = len(regions), len(rows)
    days = np.array([day for day, _, _, _ in rows], dtype=np.int64)
    stats = np.array([s for _, s, _, _ in rows]).reshape(n, k - 1, N_STATS)
    # active by kind, quiet, jailed, arrests, deaths: per region, then summed over regions
    regional = np.empty((n, k - 1, 7))
    regional[:, :, :5] = stats[:, :, STAT_ACTIVE : STAT_JAILED + 1]
    regional[:, :, 5] = stats[:, :, ARRESTS].sum(axis=2)
    del stats  # memory: the table's peak is the records, `regional` and `values`
    regional[:, :, 6] = np.array([d for _, _, d, _ in rows], dtype=float).reshape(n, k - 1)
    values = np.concatenate([regional, regional.sum(axis=1, keepdims=True)], axis=1)
    values = values.reshape(n * k, -1)
    start = np.datetime64(scenario.start_date, "D")
    # active by kind, quiet, jailed, arrests: whole agents for the agents crowd; a crowd of
    # blocks holds shares of its people, so its counts are agents' worth as floats (truncating
    # them kind by kind made the record's spread, 0.5% of a region, need a number of whole
    # agents that depends on the resolution: experiments/session26/res/README.md)
    blocks = scenario.crowd.representation == "blocks"
    counts = values[:, :6] if blocks else values[:, :6].astype(np.int64)
    columns = {
        "day": np.repeat(days, k),
        "date": pa.array(np.repeat(start + days, k), pa.date32()),
        "region": pa.array(regions * n, pa.string()),
        "active": counts[:, :3].sum(axis=1),
        "active_peaceful": counts[:, PEACEFUL],
        "active_violent": counts[:, VIOLENT],
        "active_crime": counts[:, CRIME],
        "quiet": counts[:, 3],
        "jailed": counts[:, 4],
        "arrests": counts[:, 5],
        "deaths": values[:, 6],
    }
    for i, name in enumerate(national if rows else ()):
        columns[name] = np.repeat(np.array([nat[i] for _, _, _, nat in rows]), k)
    return pa.table(columns)


def _events_table(events: list[tuple[int, str, str, str]], scenario: Scenario) -> pa.Table:
    """`TransitionModel.events_table` of the logged ``events``."""
    days = np.array([day for day, _, _, _ in events], dtype=np.int64)
    start = np.datetime64(scenario.start_date, "D")
    return pa.table(
        {
            "day": days,
            "date": pa.array(start + days, pa.date32()),
            **{
                name: pa.array([e[i] for e in events], pa.string())
                for i, name in enumerate(("actor", "action", "details"), start=1)
            },
        }
    )
