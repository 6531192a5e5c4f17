"""TransitionModel: regions' crowds, the elite actors and the foreign patron, one tick a day.

A day (one Mesa step at time d+1 simulates day d; a scripted shock for day d fires at time d,
before that step):
1. every region's crowd acts (Epstein rule + extensions), given yesterday's legitimacy,
   stances and signals;
2. strategic sites change hands, casualties are drawn;
3. the public situation is computed (active share, seized sites, who elites expect to win);
4. elite actors decide in a fixed order: patron, security factions, family, successor;
5. legitimacy, collapse and aftermath reforms are updated, and the day is recorded.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa

from transition_sim.core import outcomes
from transition_sim.core.actors import CAMPS, Family, ForeignPatron, SecurityFaction, Situation
from transition_sim.core.actors import Successor as SuccessorActor
from transition_sim.core.crowd import CRIME, PEACEFUL, VIOLENT, CrowdRules, Population, RegionCrowd
from transition_sim.core.regions import SiteState, grid_side, network_weights, split_units
from transition_sim.scenario.schema import Scenario, Shock
from transition_sim.simulate import RunResult

PATRON = -1  # faction index of patron units on the grids


class ScriptedShock:
    """A scenario shock kept alive by the model (Mesa holds event callbacks weakly)."""

    def __init__(self, model: TransitionModel, shock: Shock) -> None:
        self.model, self.shock = model, shock

    def fire(self) -> None:
        m, s = self.model, self.shock
        for i, region in enumerate(m.params.regions):
            if s.region in ("all", region.name):
                m.crowds[i].hardship_extra += s.hardship
        m.performance = float(np.clip(m.performance + s.performance, 0.0, 1.0))
        m.legitimacy = float(np.clip(m.legitimacy + s.legitimacy, 0.0, 1.0))
        m.log("scenario", "shock", s.label)


class TransitionModel(mesa.Model):
    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.params = scenario  # our Scenario; mesa.Model.scenario is Mesa's own
        sc = scenario
        self.day = 0
        self.events: list[tuple[int, str, str, str]] = []
        self.rows: list[dict] = []

        # Elite state shared by the actors.
        self.power = sc.power.model_dump()
        self.legitimacy = sc.successor.legitimacy
        self.performance = sc.successor.performance
        self.repression_level = 0
        self.guarantees_offered = False
        self.invitation_day: float = math.nan
        self.purges = 0
        self.collapsed_to: str | None = None
        self.low_win_days = 0
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
        self.patron_troops_max = 0

        self.factions = [
            SecurityFaction(self, name, spec, i)
            for i, (name, spec) in enumerate(sc.factions.items())
        ]
        self.family = Family(self) if sc.family.enabled else None
        self.successor = SuccessorActor(self) if sc.successor.enabled else None
        self.patron = ForeignPatron(self) if sc.patron.enabled else None
        self._build_regions()
        self.situation = self._situation([])
        self._shocks = [ScriptedShock(self, s) for s in sc.shocks]
        for shock in self._shocks:
            self.schedule_event(shock.fire, at=shock.shock.day)

    # -- construction ---------------------------------------------------------------------------
    def _build_regions(self) -> None:
        sc, rng = self.params, self.rng
        pops = np.array([r.urban_population for r in sc.regions], dtype=float)
        per_region_units = np.zeros((len(sc.factions), len(sc.regions)), dtype=np.int64)
        names = [r.name for r in sc.regions]
        for i, spec in enumerate(sc.factions.values()):
            shares = (
                np.array([spec.deployment.get(n, 0.0) for n in names])
                if spec.deployment is not None
                else pops
            )
            per_region_units[i] = split_units(spec.units, shares)
        self.crowds: list[RegionCrowd] = []
        self.sites: list[SiteState] = []
        self.unit_follows: list[np.ndarray] = []
        for r, region in enumerate(sc.regions):
            side = grid_side(
                region.urban_population, sc.scale.people_per_agent, sc.crowd.citizen_density
            )
            n = round(sc.crowd.citizen_density * side * side)
            violent, crime = sc.protester_shares(region)
            kind = rng.choice(3, size=n, p=[1.0 - violent - crime, violent, crime]).astype(np.int8)
            h, ra = sc.crowd.hardship, sc.crowd.risk_aversion
            hardship = np.clip(rng.uniform(h.low, h.high, n) + region.hardship_shift, 0.0, 1.0)
            risk = rng.uniform(ra.low, ra.high, n)
            unit_faction = np.repeat(np.arange(len(sc.factions)), per_region_units[:, r])
            crowd = RegionCrowd(
                rng,
                side,
                n,
                unit_faction,
                kind,
                hardship,
                risk,
                sc.crowd.vision,
                sc.crowd.neighborhood,
            )
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
        self.population = Population(self.crowds)
        self.citizens = sum(c.n for c in self.crowds)
        self.network = network_weights(sc)
        self.region_share = np.zeros(len(self.crowds))

    # -- services for the actors ------------------------------------------------------------------
    def log(self, actor: str, action: str, details: str) -> None:
        self.events.append((self.day, actor, action, details))

    def transfer_power(self, source: str, target: str, amount: float) -> None:
        amount = min(amount, self.power[source])
        self.power[source] -= amount
        self.power[target] += amount

    def relieve_hardship(self, fraction: float) -> None:
        for crowd in self.crowds:
            crowd.hardship_extra *= 1.0 - fraction

    def loyal_capacity(self) -> float:
        """Share of domestic security units that obey the successor today."""
        total = sum(f.units for f in self.factions)
        return sum(f.units for f in self.factions if f.stance == "obey") / max(total, 1)

    @property
    def family_sabotaging(self) -> bool:
        return self.family is not None and self.family.state == "sabotage"

    def deploy_patron_units(self, units: int) -> None:
        """Patron troops take over strategic sites; the units they free join the loyal side."""
        weights = np.zeros(len(self.crowds))
        for site in self.sites:
            weights[site.region] += site.weight
        if weights.sum() == 0:
            weights[:] = 1.0
        for crowd, k in zip(self.crowds, split_units(units, weights), strict=True):
            crowd.add_units(int(k), PATRON)
        self.patron_troops_max = max(self.patron_troops_max, self.patron.troops)

    def withdraw_patron_units(self) -> None:
        for crowd in self.crowds:
            crowd.remove_units(PATRON)

    # -- the day --------------------------------------------------------------------------------
    def step(self) -> None:
        sc = self.params
        self.day = int(self.time) - 1
        contagion = self.network @ self.region_share
        level = self.repression_level
        rules = dict(
            legitimacy=self.regime_legitimacy(),
            threshold=sc.crowd.active_threshold,
            arrest_constant=sc.crowd.arrest_constant,
            max_jail_term=sc.crowd.max_jail_term,
            movement=sc.crowd.movement,
            batches=sc.crowd.activation_batches if sc.crowd.activation == "batches" else 0,
            social_signal=sc.crowd.social_signal,
            memory_effect=sc.crowd.memory_effect,
            memory_gain=sc.crowd.memory_gain,
            memory_decay=sc.crowd.memory_decay,
            crime_drive=sc.protesters.crime_motivation
            if sc.protesters.crime_sponsor == "family" and self.family_sabotaging
            else 0.0,
            arrests_per_unit=1,
        )
        self._set_deterrence()
        stats = self.population.step(
            [
                CrowdRules(contagion_signal=sc.crowd.contagion * contagion[r], **rules)
                for r in range(len(self.crowds))
            ]
        )
        deaths = self._violence(stats, level)
        self._contest_sites(stats)
        active = np.array([s.active.sum() for s in stats], dtype=float)
        self.region_share = active / np.array([c.n for c in self.crowds])
        self.situation = self._situation(stats)
        self._track_order()
        for actor in (self.patron, *self.factions, self.family, self.successor):
            if actor is not None:
                actor.step()
        self._update_legitimacy()
        self._check_collapse()
        self._aftermath()
        self._record(stats, deaths)

    def regime_legitimacy(self) -> float:
        """Legitimacy citizens grant the regime: the tandem's, weighted by power
        [C-unhappy-families]: anger at the ruling families lowers it while they hold power."""
        s, f = self.power["successor"], self.power["family"]
        if s + f <= 0:
            return 0.0
        return (s * self.legitimacy + f * self.params.family.legitimacy) / (s + f)

    def _set_deterrence(self) -> None:
        obey = np.array([f.stance == "obey" for f in self.factions] + [True])  # last: patron
        for crowd, follows in zip(self.crowds, self.unit_follows, strict=True):
            k = len(follows)
            crowd.unit_deters[:k] = obey[crowd.unit_faction[:k]] | ~follows
            crowd.unit_deters[k:] = True

    def _violence(self, stats: list, level: int) -> np.ndarray:
        """Casualties (people) by region; detentions accumulate in people too."""
        v, ppa = self.params.violence, self.params.scale.protesters_per_active_agent
        engaged = np.array([s.engaged for s in stats], dtype=float)
        active = np.array([s.active for s in stats], dtype=float)
        arrests = np.array([s.arrests for s in stats], dtype=float)
        exposed = (
            engaged[:, VIOLENT] + engaged[:, CRIME] + v.peaceful_exposure * engaged[:, PEACEFUL]
        )
        rate = ppa * (
            v.protester_lethality[level] * exposed
            + v.violent_lethality * (active[:, VIOLENT] + active[:, CRIME])
        )
        deaths = self.rng.poisson(rate).astype(float) if rate.any() else np.zeros(len(stats))
        self.deaths += deaths.sum()
        self.detained += ppa * arrests.sum()
        # Repressing peaceful crowds costs legitimacy [C-peaceful-middle-class].
        repressed = ppa * arrests[:, PEACEFUL].sum() * level / 3.0
        self.legitimacy -= v.peaceful_repression_cost * repressed / 1000.0
        return deaths

    def _contest_sites(self, stats: list) -> None:
        """A site falls when rebels near it outnumber its defenders `seizure_ratio` to one;
        units of factions that side with the family or defect hand their sites over."""
        v = self.params.violence
        turned_faction = np.array(
            [f.stance in ("side_with_family", "defect") for f in self.factions] + [False]
        )  # the last entry (index -1) is the patron
        patron_here = self.patron is not None and self.patron.state == "deployed"
        for site in self.sites:
            armed = stats[site.region].active[VIOLENT] + stats[site.region].active[CRIME]
            if not (site.seized or patron_here or armed or turned_faction.any()):
                continue  # nobody near the site could take it
            crowd = self.crowds[site.region]
            rebels, units = crowd.count_near(site.cell, v.site_radius)
            deters = crowd.unit_deters[units]
            turned = turned_faction[crowd.unit_faction[units]]
            attackers = rebels + int((turned & ~deters).sum())
            defenders = int(deters.sum())
            if patron_here:
                site.seized = False  # patron troops guard the strategic sites
            elif not site.seized and attackers > 0 and attackers >= v.seizure_ratio * defenders:
                site.seized = True
                self.log("crowd", "seize_site", f"rebels take {site.name}")
            elif site.seized and defenders > 0 and defenders >= v.seizure_ratio * attackers:
                site.seized = False
                self.log("security", "retake_site", f"security retakes {site.name}")

    def _situation(self, stats: list) -> Situation:
        """Today's national signals from the regions' day statistics (none before day 0)."""
        by_kind = sum((s.active for s in stats), np.zeros(3, dtype=np.int64))
        active = int(by_kind.sum())
        citizens = max(self.citizens, 1)
        total_w = sum(s.weight for s in self.sites)
        seized = sum(s.weight for s in self.sites if s.seized) / total_w if total_w else 0.0
        return Situation(
            day=self.day,
            active_share=active / citizens,
            peaceful_share=float(by_kind[PEACEFUL] / active) if active else 1.0,
            armed_share=float(by_kind[VIOLENT] + by_kind[CRIME]) / citizens,
            sites_seized=float(seized),
            win=self._expected_winner(active / citizens, float(by_kind[CRIME]) / citizens),
        )

    def _expected_winner(self, active_share: float, crime_share: float) -> dict[str, float]:
        """Who elites expect to win: a Tullock contest over the camps' strengths
        [Casper & Tyson 2014: protest size is a public signal for elites]."""
        ex = self.params.expectations
        total = max(sum(f.units for f in self.factions), 1)
        strength = dict.fromkeys(CAMPS, 0.0)
        for f in self.factions:
            cap = f.units / total
            if f.stance == "obey":
                strength["successor"] += cap
            elif f.stance == "side_with_family":
                strength["family"] += cap
            elif f.stance == "defect":
                strength["opposition"] += cap
            else:
                strength["security"] += cap * f.loyalty["self_interest"]
        if self.patron is not None and self.patron.committed:
            strength["successor"] += ex.patron_weight
        strength["opposition"] += ex.protest_weight * (active_share - crime_share)
        strength["family"] += ex.protest_weight * crime_share
        if self.successor is None and self.family is None:
            return {c: float(c == "successor") for c in CAMPS}
        powered = {c: s**ex.contest_exponent for c, s in strength.items()}
        norm = sum(powered.values()) or 1.0
        return {c: v / norm for c, v in powered.items()}

    def tandem_balance(self) -> float:
        """The successor's expected chance in a showdown with the family: each faction counts
        for whom its loyalty lies with (patronage ties), not only for its stance today; the
        committed patron counts for the successor [C-one-part-leaving, C-russia-acts-in-crisis]."""
        ex = self.params.expectations
        total = max(sum(f.units for f in self.factions), 1)
        s = sum(
            f.units / total * f.loyalty["successor"] for f in self.factions if f.stance == "obey"
        )
        fam = sum(f.units / total * f.loyalty["family"] for f in self.factions)
        if self.patron is not None and self.patron.committed:
            s += ex.patron_weight
        s, fam = s**ex.contest_exponent, fam**ex.contest_exponent
        return s / (s + fam) if s + fam > 0 else 1.0

    def _track_order(self) -> None:
        s = self.situation
        self.peak_active_share = max(self.peak_active_share, s.active_share)
        calm = s.active_share < outcomes.ORDER_MAX_ACTIVE_SHARE and s.sites_seized == 0
        self.calm_days = self.calm_days + 1 if calm else 0
        if not calm and self.crisis_start is None:
            self.crisis_start = self.day
        if (
            self.crisis_start is not None
            and self.order_day is None
            and self.calm_days >= outcomes.ORDER_CALM_DAYS
        ):
            self.order_day = self.day
            self.log("state", "order_restored", "order holds")
        wave = s.active_share >= 2 * outcomes.ORDER_MAX_ACTIVE_SHARE
        if wave and not self.in_wave:
            self.waves += 1
        self.in_wave = wave if wave else (self.in_wave and not calm)

    def _update_legitimacy(self) -> None:
        spec = self.params.successor
        self.legitimacy += spec.legitimacy_adjustment * (self.performance - self.legitimacy)
        self.legitimacy = float(np.clip(self.legitimacy, 0.0, 1.0))

    def _check_collapse(self) -> None:
        if self.successor is None or self.collapsed_to is not None:
            return
        win = self.situation.win
        self.low_win_days = (
            self.low_win_days + 1 if win["successor"] < outcomes.COLLAPSE_MAX_WIN_PROBABILITY else 0
        )
        if self.low_win_days >= outcomes.COLLAPSE_DAYS:
            self.collapsed_to = max(("family", "opposition", "security"), key=win.__getitem__)
            self.transfer_power("successor", self.collapsed_to, self.power["successor"])
            self.log(
                "successor", "collapse", f"the successor falls; power passes to {self.collapsed_to}"
            )

    def _aftermath(self) -> None:
        """Reforms after order is restored [C-new-protests, C-socioeconomic-rights]."""
        a = self.params.aftermath
        if self.successor is None or self.order_day is None or self.collapsed_to is not None:
            return
        if self.day - max(self.last_reform_day, self.order_day) < a.reform_interval_days:
            return
        self.last_reform_day = self.day
        political = self.rng.random() < a.political_reform_preference
        kind = "political" if political else "socio_economic"
        self.reforms[kind] += 1
        p = a.delivery_probability
        if self.family is not None and self.family.in_game:
            p *= 1.0 - a.tandem_delivery_penalty  # the family still around blocks delivery
        if self.rng.random() < p:
            self.reforms["delivered"] += 1
            self.performance = min(1.0, self.performance + a.reform_performance_gain)
            if political:
                self.liberalization = min(1.0, self.liberalization + a.liberalization_gain)
            self.log("successor", "reform_delivered", f"{kind.replace('_', '-')} reform delivered")
        else:
            self.reforms["disappointed"] += 1
            for crowd in self.crowds:
                crowd.hardship_extra += a.disappointment_hardship
            self.log(
                "successor", "reform_disappoints", f"{kind.replace('_', '-')} reform disappoints"
            )

    def _record(self, stats: list, deaths: np.ndarray) -> None:
        """Keep today's numbers: per region (rows in scenario order) and national."""
        regional = np.array(
            [
                [*s.active, s.quiet, s.jailed, s.arrests.sum(), d]
                for s, d in zip(stats, deaths, strict=True)
            ],
            dtype=float,
        )
        national = {
            "power_successor": self.power["successor"],
            "power_family": self.power["family"],
            "power_security": self.power["security"],
            "power_opposition": self.power["opposition"],
            "legitimacy": self.legitimacy,
            "regime_legitimacy": self.regime_legitimacy(),
            "repression_level": self.repression_level,
            "sites_seized": self.situation.sites_seized,
            "patron_troops": self.patron.troops
            if self.patron and self.patron.state == "deployed"
            else 0,
            **{f"stance_{f.name}": f.stance for f in self.factions},
        }
        self.rows.append((self.day, regional, national))

    def timeseries_table(self) -> pa.Table:
        """One row per (day, region) plus region "all" (the sum over regions), as columns."""
        regions = [r.name for r in self.params.regions] + ["all"]
        k, n = len(regions), len(self.rows)
        days = np.array([day for day, _, _ in self.rows], dtype=np.int64)
        regional = np.array([reg for _, reg, _ in self.rows], dtype=float).reshape(n, k - 1, -1)
        values = np.concatenate([regional, regional.sum(axis=1, keepdims=True)], axis=1)
        values = values.reshape(n * k, -1)
        start = np.datetime64(self.params.start_date, "D")
        counts = values[:, :6].astype(np.int64)  # active by kind, quiet, jailed, arrests
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
        for name in self.rows[0][2] if self.rows else ():
            columns[name] = np.repeat(np.array([nat[name] for _, _, nat in self.rows]), k)
        return pa.table(columns)

    def timeseries(self) -> pd.DataFrame:
        return self.timeseries_table().to_pandas()

    # -- running and results --------------------------------------------------------------------
    def run(self) -> None:
        self.run_for(self.params.days)

    def final_state(self) -> outcomes.FinalState:
        return outcomes.FinalState(
            power=dict(self.power),
            collapsed_to=self.collapsed_to,
            family_restored=self.family is not None and self.family.state == "restored",
            order_holds=self.calm_days >= outcomes.ORDER_CALM_DAYS or self.crisis_start is None,
        )

    def metrics(self) -> dict[str, float]:
        days_to_order = (
            self.order_day - self.crisis_start if self.order_day is not None else math.nan
        )
        return {
            "deaths": float(self.deaths),
            "detained": float(self.detained),
            "peak_active_share": float(self.peak_active_share),
            "invitation_day": float(self.invitation_day),
            "patron_troops": float(self.patron_troops_max),
            "days_to_order": float(days_to_order),
            "power_successor": self.power["successor"],
            "power_family": self.power["family"],
            "power_security": self.power["security"],
            "power_opposition": self.power["opposition"],
            "legitimacy": float(self.legitimacy),
            "purges": float(self.purges),
            "protest_waves": float(self.waves),
            "reforms_delivered": float(self.reforms["delivered"]),
            "liberalization": float(self.liberalization),
        }

    def events_table(self) -> pa.Table:
        days = np.array([day for day, _, _, _ in self.events], dtype=np.int64)
        start = np.datetime64(self.params.start_date, "D")
        return pa.table(
            {
                "day": days,
                "date": pa.array(start + days, pa.date32()),
                **{
                    name: pa.array([e[i] for e in self.events], pa.string())
                    for i, name in enumerate(("actor", "action", "details"), start=1)
                },
            }
        )

    def result(self) -> RunResult:
        return RunResult(
            outcome=outcomes.classify(self.final_state()),
            metrics=self.metrics(),
            timeseries=self.timeseries_table(),
            events=self.events_table(),
        )
