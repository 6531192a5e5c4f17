"""The typed scenario: every parameter the model reads, with its range and meaning.

One pydantic model tree, validated once when a scenario file is loaded; the simulation core reads
only from a validated `Scenario` and never from raw YAML. Defaults are neutral: with nothing
switched on, a scenario is Epstein's (2002) Model 1 on one 40x40 torus, as in Mesa's example.
Parameter paths (``crowd.vision``, ``factions.KNB.loyalty.family``) are what `seeds/claims.yaml`
points at.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]

# Names used as `faction.stance` values and in the output tables.
STANCES = ("obey", "stand_aside", "side_with_family", "defect")
Stance = Literal["obey", "stand_aside", "side_with_family", "defect"]


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, not silently ignored; so are nan and
    infinite numbers (`.nan`, `.inf` in YAML), which no parameter has a meaning for."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Range(Strict):
    """A uniform distribution U(low, high)."""

    low: Fraction = 0.0
    high: Fraction = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class Scale(Strict):
    """How agents map to people (see docs/ODD.md, 'Scale')."""

    people_per_agent: Annotated[int, Field(ge=1)] = 1
    protesters_per_active_agent: Positive = 1.0


class Crowd(Strict):
    """The citizens' rule: Epstein's Model 1 plus social signal, memory and contagion."""

    citizen_density: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.7
    vision: Annotated[int, Field(ge=1, le=20)] = 7
    neighborhood: Literal["von_neumann", "moore"] = "von_neumann"
    arrest_constant: Positive = 2.3
    active_threshold: NonNegative = 0.1
    max_jail_term: Annotated[int, Field(ge=0)] = 1000
    movement: bool = True
    # Mesa's one-at-a-time order, or random batches whose citizens decide on the state at the
    # start of their batch (docs/ODD.md §3); activation_batches is read only for "batches".
    activation: Literal["random_sequential", "batches"] = "random_sequential"
    activation_batches: Annotated[int, Field(ge=1, le=64)] = 8
    hardship: Range = Range()
    risk_aversion: Range = Range()
    social_signal: NonNegative = 0.0
    contagion: NonNegative = 0.0
    memory_gain: Fraction = 0.0
    memory_decay: Fraction = 0.0
    memory_effect: NonNegative = 0.0


class Protesters(Strict):
    """The three kinds of protester the panel names; peaceful urban citizens are the rest."""

    violent_share: Fraction = 0.0
    crime_share: Fraction = 0.0
    crime_sponsor: Literal["none", "family"] = "none"
    crime_motivation: Fraction = 0.0

    @model_validator(mode="after")
    def _shares(self) -> Self:
        if self.violent_share + self.crime_share > 1.0:
            raise ValueError("violent_share + crime_share must not exceed 1")
        return self


class Violence(Strict):
    """Casualties, site seizures and the legitimacy cost of repression."""

    protester_lethality: Annotated[list[NonNegative], Field(min_length=4, max_length=4)] = [
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    violent_lethality: NonNegative = 0.0
    peaceful_exposure: Fraction = 0.0
    peaceful_repression_cost: NonNegative = 0.0
    site_radius: Annotated[int, Field(ge=0, le=10)] = 2
    seizure_ratio: Positive = 3.0


class Site(Strict):
    """A strategic cell whose control counts towards who holds the state.

    ``cell`` is (row, column) on the region's grid (see `transition_sim.core.regions.grid_side`);
    without it, the cell is drawn at random.
    """

    name: str
    cell: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] | None = None
    weight: Positive = 1.0


class Region(Strict):
    """A city; `violent_share` and `crime_share` override the `protesters` section's."""

    name: str
    urban_population: Annotated[int, Field(ge=1)]
    hardship_shift: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    violent_share: Fraction | None = None
    crime_share: Fraction | None = None
    sites: list[Site] = []


class Link(Strict):
    """An undirected edge of the region network along which protest spreads."""

    a: str
    b: str
    weight: Fraction = 1.0


class Loyalty(Strict):
    """How a faction's allegiance divides between principals; the three parts add up to 1."""

    successor: Fraction
    family: Fraction = 0.0
    self_interest: Fraction = 0.0

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        total = self.successor + self.family + self.self_interest
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"successor + family + self_interest must add up to 1 (they add up to {total:g})"
            )
        return self


class Faction(Strict):
    """A security service: 'a state within the state' with its own loyalties."""

    units: Annotated[int, Field(ge=0)]
    deployment: dict[str, Fraction] | None = None
    loyalty: Loyalty
    cohesion: Fraction = 1.0
    repression_aversion: NonNegative = 0.0
    sympathy: NonNegative = 0.0
    initial_stance: Stance = "obey"
    autonomous: bool = True


class Successor(Strict):
    """The sitting president (in Kazakhstan, Tokayev)."""

    enabled: bool = False
    legitimacy: Fraction = 0.8
    performance: Fraction = 0.8
    legitimacy_adjustment: Fraction = 0.0
    concession_threshold: Fraction = 0.05
    concession_relief: Fraction = 0.5
    escalation_thresholds: Annotated[list[Fraction], Field(min_length=3, max_length=3)] = [
        0.02,
        0.05,
        0.10,
    ]
    lethal_force_armed_share: Fraction = 0.0  # shoot to kill only once armed actives reach this
    dismiss_government_threshold: Fraction = 0.05
    dismissal_legitimacy_gain: Fraction = 0.0
    purge_window: Fraction = 0.05
    purge_confidence: Fraction = 0.5
    purge_transfer: Fraction = 0.3
    purge_legitimacy_gain: Fraction = 0.0
    invite_threshold: Fraction = 0.6
    invite_min_severity: Fraction = 0.05
    offers_guarantees: bool = True
    tandem_hazard: Fraction = 0.0

    @field_validator("escalation_thresholds")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if value != sorted(value):
            raise ValueError(f"thresholds must be in ascending order (got {value})")
        return value


class Family(Strict):
    """The former leader's family and clan (in Kazakhstan, Nazarbayev's)."""

    enabled: bool = False
    legitimacy: Fraction = 0.2
    cohesion: Fraction = 1.0
    sabotage_propensity: Fraction = 0.0
    sabotage_opening: Fraction = 0.05
    exit_threshold: Fraction = 0.3
    restoration_threshold: Fraction = 0.6


class Patron(Strict):
    """The foreign patron (CSTO/Russia): answers an invitation from the incumbent."""

    enabled: bool = False
    name: str = "patron"
    accept_probability: Fraction = 0.0
    delay_days: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] = (1, 1)
    troops: Annotated[int, Field(ge=0)] = 0
    units: Annotated[int, Field(ge=0)] = 0
    withdraw_after_calm_days: Annotated[int, Field(ge=1)] = 7
    dependence_cost: Fraction = 0.0

    @model_validator(mode="after")
    def _delay_ordered(self) -> Self:
        if self.delay_days[0] > self.delay_days[1]:
            raise ValueError("delay_days must be [min, max] with min <= max")
        return self


class Expectations(Strict):
    """How elites read the balance of force (a Tullock contest over camps' strengths)."""

    contest_exponent: Positive = 2.0
    bandwagon: NonNegative = 1.0
    protest_weight: NonNegative = 1.0
    patron_weight: NonNegative = 1.0
    stance_temperature: Positive = 0.1
    inertia: NonNegative = 0.0


class Aftermath(Strict):
    """Reforms and legitimacy after the crisis (months to years)."""

    reform_interval_days: Annotated[int, Field(ge=1)] = 90
    political_reform_preference: Fraction = 0.0
    delivery_probability: Fraction = 0.5
    tandem_delivery_penalty: Fraction = 0.0
    reform_performance_gain: Fraction = 0.0
    disappointment_hardship: Fraction = 0.0
    liberalization_gain: Fraction = 0.0


class Shock(Strict):
    """A scripted exogenous change at the start of a day (Mesa event)."""

    day: Annotated[int, Field(ge=0)]
    label: str
    region: str = "all"
    hardship: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    performance: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    legitimacy: Annotated[
        float,
        Field(
            ge=-1.0,
            le=1.0,
            description="A one-off change of the successor's (the incumbent's) legitimacy,"
            " e.g. a stolen election.",
        ),
    ] = 0.0


class Power(Strict):
    """Initial power shares of the holders of the state; they add up to 1."""

    successor: Fraction = 1.0
    family: Fraction = 0.0
    security: Fraction = 0.0
    opposition: Fraction = 0.0

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        total = self.successor + self.family + self.security + self.opposition
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"power shares must add up to 1 (they add up to {total:g})")
        return self


def _default_region() -> list[Region]:
    return [Region(name="city", urban_population=1120)]


class Scenario(Strict):
    """A complete, validated scenario: the one input of `simulate(scenario, seed)`.

    `factions` is keyed by name; in a file that ``extends`` another, ``factions: {KNB: null}``
    removes the inherited faction KNB (see `transition_sim.scenario.loader`).
    """

    name: str
    description: str = ""
    start_date: dt.date = dt.date(2022, 1, 1)
    days: Annotated[int, Field(ge=1, le=3650)] = 60
    replications: Annotated[int, Field(ge=1)] = 100
    seed: Annotated[int, Field(ge=0)] = 0

    scale: Scale = Scale()
    crowd: Crowd = Crowd()
    protesters: Protesters = Protesters()
    violence: Violence = Violence()
    regions: Annotated[list[Region], Field(min_length=1)] = Field(default_factory=_default_region)
    links: list[Link] = []
    factions: dict[str, Faction] = {
        "police": Faction(units=118, loyalty=Loyalty(successor=1.0), autonomous=False)
    }
    power: Power = Power()
    successor: Successor = Successor()
    family: Family = Family()
    patron: Patron = Patron()
    expectations: Expectations = Expectations()
    aftermath: Aftermath = Aftermath()
    shocks: list[Shock] = []

    @model_validator(mode="after")
    def _references(self) -> Self:
        """Every region or faction named anywhere must be defined."""
        names = [r.name for r in self.regions]
        first: dict[str, int] = {}  # a dict, not names[:i]: linear in the number of regions
        for i, name in enumerate(names):
            if name in first:
                raise ValueError(
                    f"regions.{i}.name: region {name!r} is already defined"
                    f" (regions.{first[name]}.name)"
                )
            first[name] = i
        known = set(names)
        self._check_regions()
        for i, link in enumerate(self.links):
            for end in ("a", "b"):
                if getattr(link, end) not in known:
                    raise ValueError(
                        f"links.{i}.{end}: region {getattr(link, end)!r} is not defined"
                        f" (regions: {', '.join(names)})"
                    )
        for fname, faction in self.factions.items():
            for region in faction.deployment or {}:
                if region not in known:
                    raise ValueError(
                        f"factions.{fname}.deployment: region {region!r} is not defined"
                        f" (regions: {', '.join(names)})"
                    )
            if faction.deployment is not None:
                total = sum(faction.deployment.values())
                if abs(total - 1.0) > 1e-6:
                    raise ValueError(
                        f"factions.{fname}.deployment: shares must add up to 1 (they add up to"
                        f" {total:g})"
                    )
        for i, shock in enumerate(self.shocks):
            if shock.region != "all" and shock.region not in known:
                raise ValueError(f"shocks.{i}.region: region {shock.region!r} is not defined")
            if shock.day >= self.days:
                raise ValueError(
                    f"shocks.{i}.day: day {shock.day} is past the horizon ({self.days})"
                )
        if not self.factions:
            raise ValueError("factions: at least one security faction is needed")
        if self.successor.enabled and self.family.enabled is False and self.power.family > 0:
            raise ValueError("power.family: the family holds power but family.enabled is false")
        return self

    @model_validator(mode="after")
    def _dates_in_range(self) -> Self:
        """The last day is a valid date (Python's dates end with year 9999)."""
        if self.start_date > dt.date.max - dt.timedelta(days=self.days - 1):
            last = dt.date.max - dt.timedelta(days=self.days - 1)
            raise ValueError(
                f"start_date: {self.days} days from {self.start_date} run past {dt.date.max},"
                f" the last date there is; start by {last} or run fewer days"
            )
        return self

    def _check_regions(self) -> None:
        """Each region's protester shares add up to at most 1; explicit site cells are on its
        grid."""
        # Imported here: the core imports this module.
        from transition_sim.core.regions import grid_side

        for i, region in enumerate(self.regions):
            violent, crime = self.protester_shares(region)
            if violent + crime > 1.0:
                raise ValueError(
                    f"regions.{i}: violent_share + crime_share must not exceed 1"
                    f" ({violent:g} + {crime:g}; a share not given here is the protesters' one)"
                )
            if all(site.cell is None for site in region.sites):
                continue
            try:
                side = grid_side(
                    region.urban_population, self.scale.people_per_agent, self.crowd.citizen_density
                )
            except OverflowError:
                continue  # no such grid can be built: scenario.feasibility reports it
            for j, site in enumerate(region.sites):
                if site.cell is not None and max(site.cell) >= side:
                    raise ValueError(
                        f"regions.{i}.sites.{j}.cell: {list(site.cell)} is off the region's"
                        f" {side}x{side} grid (row and column must be below {side})"
                    )

    def protester_shares(self, region: Region) -> tuple[float, float]:
        """(violent, crime) shares in `region`: its own, else the `protesters` section's."""
        p = self.protesters
        violent = p.violent_share if region.violent_share is None else region.violent_share
        crime = p.crime_share if region.crime_share is None else region.crime_share
        return violent, crime

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=self.days - 1)
