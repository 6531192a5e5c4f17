"""The typed scenario: every parameter the model reads, with its range and meaning.

One pydantic model tree, validated once when a scenario file is loaded; the simulation core reads
only from a validated `Scenario` and never from raw YAML. Defaults are neutral: with nothing
switched on, a scenario is Epstein's (2002) Model 1 on one 40x40 torus, as in Mesa's example.
Parameter paths (``crowd.vision``, ``factions.KNB.loyalty.family``) are what `seeds/claims.yaml`
points at.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from transition_sim.scenario.geometry import grid_side

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]

MAX_VISION_CELLS = 40  # a radius in cells derived from vision_people is capped here

# Reserved holder names: power outside the camps, and a faction's loyalty to itself.
SECURITY, OPPOSITION, SELF_INTEREST, NONE = "security", "opposition", "self_interest", "none"
RESERVED_NAMES = (SECURITY, OPPOSITION, SELF_INTEREST, NONE)
# Stances that need no camp; a faction may also `side_with_<camp>` (docs/ODD.md §7.5).
BASIC_STANCES = ("obey", "stand_aside", "defect")
# The outcome classes (docs/ODD.md §7.12): what a case's `observed.outcome` may be, and what the
# model's classifier (`transition_sim.core.outcomes`) returns.
OUTCOMES = (
    "incumbent_holds",  # the reference holder rules; no rival camp keeps posts (or none existed)
    "power_sharing",  # the reference holder rules beside a rival that keeps posts, with no fight
    "insider_takeover",  # a regime insider took the office: a coup, a palace move or a junta
    "rival_restoration",  # a former ruler's camp took the office back
    "popular_transition",  # the office passed to the opposition
    "unresolved",  # the reference holder still rules, but the fight is open at the end
)


# Elite actors: each day every faction weighs the odds of every camp (O(factions^2) today:
# 8,000 factions took 92 s per simulated day), and reports draw a series per camp and faction.
MAX_FACTIONS = 200
MAX_CAMPS = 50
MAX_NAME = 64  # characters in a region, site, camp or faction name (the longest shipped: 24)
MAX_TEXT = 200  # characters in a label or a scenario's name (they title charts and events)
# Words that mean something else where names appear: region "all" is the national total in
# the time series (and a shock's "every region"), so no region, camp or faction may take it.
RESERVED_WORDS = ("all",)
# Unicode categories a name may not contain: control, format (zero-width, bidi overrides),
# surrogate, private-use and unassigned code points, line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _visible_text(text: str, limit: int) -> str:
    """Text that shows what it is: at most ``limit`` characters, in NFC (one spelling for what
    looks the same), no invisible or control characters, no leading or trailing space."""
    if len(text) > limit:
        raise ValueError(f"at most {limit} characters (this has {len(text):,})")
    if unicodedata.normalize("NFC", text) != text:
        raise ValueError("must be in Unicode NFC form (it looks like, but is not, its NFC form)")
    for char in text:
        if unicodedata.category(char) in _INVISIBLE:
            raise ValueError(f"cannot contain invisible or control characters (U+{ord(char):04X})")
    if text != text.strip():
        raise ValueError("cannot begin or end with a space")
    return text


def _path_name(name: str) -> str:
    """A name is one part of a dotted parameter path (``regions.NAME.weight``,
    ``factions.NAME.units``): a dot in it would split the path, and an empty one names nothing.
    It is also shown in charts and events: short and visible (`_visible_text`), and not a
    reserved word."""
    if not name.strip():
        raise ValueError("a name cannot be empty")
    try:
        _visible_text(name, MAX_NAME)
    except ValueError as err:
        raise ValueError(f"a name: {err}") from None
    if "." in name:
        raise ValueError("a name cannot contain '.' (it is one part of a dotted parameter path)")
    if name.casefold() in RESERVED_WORDS:
        raise ValueError(f"{name!r} is a reserved word (region 'all' is the national total)")
    return name


def _text(text: str) -> str:
    try:
        return _visible_text(text, MAX_TEXT)
    except ValueError as err:
        raise ValueError(f"text: {err}") from None


Name = Annotated[str, AfterValidator(_path_name)]
Text = Annotated[str, AfterValidator(_text)]
EliteEvent = Literal["death", "dismissal", "arrest", "loyalty", "transfer_office", "invite_patron"]
# Generic triggers of a crisis (scenarios/cases/README.md, "Triggers"); the wording of a shock
# comes from its `label`, its effect per unit from the `triggers` section.
TRIGGER_KINDS = (
    "price_rise",
    "disputed_election",
    "term_limit_evasion",
    "policy_reversal",
    "focal_killing",
    "leader_illness",
    "long_decline",
)
TriggerKind = Literal[
    "price_rise",
    "disputed_election",
    "term_limit_evasion",
    "policy_reversal",
    "focal_killing",
    "leader_illness",
    "long_decline",
    "other",
]
Shift = Annotated[float, Field(ge=-1.0, le=1.0)]


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
    """How agents map to people (docs/ODD.md §2, 'Scales'): a citizen agent stands for
    ``people_per_agent`` urban residents, and an active one for as many protesters."""

    people_per_agent: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="before")
    @classmethod
    def _removed(cls, data: object) -> object:
        if isinstance(data, dict) and "protesters_per_active_agent" in data:
            raise ValueError(
                "protesters_per_active_agent was removed: an active agent is people_per_agent"
                " protesters (set violence.protester_lethality per protester and"
                " violence.detention_share instead)"
            )
        return data


# Crowd rules the blocks representation does not implement: with blocks, each must keep its
# value here (the schema refuses any other, and prior draws leave it there).
BLOCKS_REFUSE: dict[str, tuple[float, str]] = {
    "hardship_skew": (1.0, "their exact shares assume a uniform hardship"),
    "gathering": (0.0, "blocks are places and do not move"),
}


def settled_paths(data: dict[str, Any]) -> set[str]:
    """The paths a scenario (plain data) allows at their value only, so that no prior draws
    them: with a crowd of blocks, the rules blocks do not implement (`BLOCKS_REFUSE`)."""
    if data["crowd"]["representation"] != "blocks":
        return set()
    return {f"crowd.{name}" for name in BLOCKS_REFUSE}


DEFAULT_VISION = 7  # cells, Epstein's (2002) vision, when a scenario gives neither vision


class Crowd(Strict):
    """The citizens' rule: Epstein's Model 1 plus social signal, memory and contagion."""

    citizen_density: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.7
    # Vision in cells (Epstein's), or in residents within sight: the radius in cells then
    # follows from people_per_agent and citizen_density (`Scenario.vision_cells`). At most one;
    # with neither, 7 cells (`DEFAULT_VISION`, set by `_default_vision`).
    vision: Annotated[int, Field(ge=1, le=20)] | None = None
    vision_people: Positive | None = None
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
    # What a citizen agent is: one person's state scaled up ("agents": all active or all quiet,
    # Epstein's), or a block of people_per_agent residents holding the share of them who are
    # active ("blocks", `transition_sim.core.blocks`; docs/ODD.md §7.13).
    representation: Literal["agents", "blocks"] = "agents"
    # With blocks only: the deterrence-equivalents a unit agent stands for, fixed so that the
    # units in a citizen's sight do not depend on people_per_agent (with agents a unit agent
    # stands for people_per_agent of them).
    unit_people: Positive = 1000.0
    # How hardship spreads over its range: H = low + (high - low) * U**hardship_skew, U uniform
    # (1: Epstein's uniform H; above 1, few citizens have much hardship, so a shock tips a
    # graded share of them rather than the whole city, Granovetter 1978) [A-hardship-skew].
    hardship_skew: Annotated[float, Field(gt=0.0, le=10.0)] = 1.0
    # The ratio of units to actives in sight in the estimated arrest probability
    # P = 1 - exp(-k C / A): rounded to an integer (Epstein's as in Mesa's example: P = 0 once
    # actives outnumber units about two to one, so crowds tip all or nothing), or exact
    # (P grows smoothly with the units per active) [A-arrest-ratio].
    arrest_ratio: Literal["rounded", "exact"] = "rounded"
    # The chance that a peaceful active's move heads for a site, as an armed active's always
    # does (0: Epstein's random walk; real nonviolent crowds converge on a focal square and the
    # seat of power) [A-gathering].
    gathering: Fraction = 0.0
    # The chance that a deterring unit's move heads for a site, as an armed active's always does
    # (0: Epstein's random walk; regimes post forces at the seat of power and strategic sites)
    # [A-guarding]. With blocks too: their units stand at points (docs/ODD.md §7.13).
    guarding: Fraction = 0.0

    @field_validator(*BLOCKS_REFUSE)
    @classmethod
    def _agents_only(cls, value: float, info: ValidationInfo) -> float:
        default, why = BLOCKS_REFUSE[info.field_name]
        if value != default and info.data.get("representation") == "blocks":
            raise ValueError(
                f"a {info.field_name} other than {default:g} is not implemented for"
                f" representation: blocks ({why})"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_vision(cls, data: Any) -> Any:
        """With neither vision given, 7 cells as a value of the scenario's, not a fallback: a
        prior then draws it, as it does a vision the scenario gives (`claims.draw_priors`)."""
        if not isinstance(data, dict):  # not a section: the model's own error says so
            return data
        neither = data.get("vision") is None and data.get("vision_people") is None
        return {**data, "vision": DEFAULT_VISION} if neither else data

    @field_validator("vision_people")
    @classmethod
    def _one_vision(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("vision") is not None:
            raise ValueError("give crowd.vision (cells) or vision_people (residents), not both")
        return value


class Protesters(Strict):
    """The three kinds of protester the panel names; peaceful urban citizens are the rest."""

    violent_share: Fraction = 0.0
    crime_share: Fraction = 0.0
    crime_sponsor: str = NONE  # a camp that pays organized crime while it resists, or "none"
    crime_motivation: Fraction = 0.0

    @model_validator(mode="after")
    def _shares(self) -> Self:
        if self.violent_share + self.crime_share > 1.0:
            raise ValueError("violent_share + crime_share must not exceed 1")
        return self


class Violence(Strict):
    """Casualties, detentions, site seizures and the legitimacy cost of repression.

    Lethalities are daily death probabilities per protester (an active agent is
    ``scale.people_per_agent`` protesters); ``detention_share`` is the share of the protesters
    in an arrested agent who are detained (the rest disperse)."""

    protester_lethality: Annotated[list[NonNegative], Field(min_length=4, max_length=4)] = [
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    violent_lethality: NonNegative = 0.0
    detention_share: Fraction = 1.0
    peaceful_exposure: Fraction = 0.0
    peaceful_repression_cost: NonNegative = 0.0
    site_radius: Annotated[int, Field(ge=0, le=10)] = 2
    seizure_ratio: Positive = 3.0
    # How much a peaceful active counts, against an armed one, in a site contest: 0 = only armed
    # crowds take sites; 1 = a peaceful crowd that fills a site occupies it (docs/ODD.md §7.4).
    peaceful_occupation: Fraction = 0.0
    # How decisive numbers are at a site: the Tullock exponent of the site contest (the old
    # cut-off at `seizure_ratio` is the limit of a large exponent; at any value, attackers
    # `seizure_ratio` times the defenders take a site half the time a day).
    site_exponent: Positive = 4.0
    # A site's own standing guard: people who hold the building whatever the units do (door
    # guards, the post inside), counted with its deterring units in the contest for a site its
    # holder still has, one person as one armed active (docs/ODD.md §7.4). 0 = none (the old
    # contest: any armed force takes a site no unit is near). [A-site-guard]
    site_guard: Annotated[float, Field(ge=0.0, le=1000.0)] = 0.0


class Site(Strict):
    """A strategic cell whose control counts towards who holds the state.

    ``cell`` is (row, column) on the region's grid (see `scenario.geometry.grid_side`);
    without it, the cell is drawn at random.
    """

    name: Name
    cell: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] | None = None
    weight: Positive = 1.0
    seat: bool = False  # the seat of power: a crowd that holds it may oust the office holder


class Region(Strict):
    """A city; `violent_share` and `crime_share` override the `protesters` section's."""

    name: Name
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


class Faction(Strict):
    """A security service: 'a state within the state' with its own loyalties.

    ``loyalty`` divides its allegiance between the elite camps (by name), the street
    (``opposition``) and its own interest (``self_interest``); the parts add up to 1, a camp
    left out counts 0. With `loyalty_dynamics` switched on the loyalty moves day by day
    (docs/ODD.md §7.5); ``kind``, ``stacked`` and ``counterweight`` say how firmly it is tied to
    the ruler's camp (Bellin 2012; Quinlivan 1999; Makara 2013), and ``guardian`` how much it
    weighs removing the ruler to save the regime from the street (Casper & Tyson 2014).

    Its size is exactly one of ``units_per_1000`` (units per 1,000 urban residents of the
    scenario: a unit stands for ``people_per_agent`` deterrence-equivalents as a citizen agent
    does for residents, so the ratio of units to citizens on the grid does not depend on the
    resolution) or ``units`` (an absolute number of unit agents, as in Epstein's model).
    """

    units: Annotated[int, Field(ge=0)] | None = None
    units_per_1000: Annotated[NonNegative | None, Field(validate_default=True)] = None
    deployment: dict[str, Fraction] | None = None
    loyalty: dict[str, Fraction]
    cohesion: Fraction = 1.0
    repression_aversion: NonNegative = 0.0
    sympathy: NonNegative = 0.0
    initial_stance: str = "obey"  # obey, stand_aside, defect or side_with_<camp>
    autonomous: bool = True
    # institutional: a professional force loyal to the state, which drifts with the street and
    # protects the regime rather than the ruler; patrimonial: tied to the ruler's person.
    kind: Literal["institutional", "patrimonial"] = "institutional"
    stacked: Fraction = 0.0  # share of officers tied to the ruler's camp by kin or ethnicity
    counterweight: bool = False  # a parallel force built to balance the others
    guardian: Fraction = 0.0  # weight on removing the ruler to save the regime from the street

    @field_validator("loyalty")
    @classmethod
    def _adds_up(cls, value: dict[str, float]) -> dict[str, float]:
        total = sum(value.values())
        if abs(total - 1.0) > 1e-6:
            parts = " + ".join(value) or "nothing"
            raise ValueError(f"{parts} must add up to 1 (they add up to {total:g})")
        return value

    @field_validator("units_per_1000")
    @classmethod
    def _one_size(cls, value: float | None, info: ValidationInfo) -> float | None:
        if (value is None) == (info.data.get("units") is None) and "units" not in info.data:
            return value  # `units` itself was invalid: its own error is reported
        if (value is None) == (info.data.get("units") is None):
            raise ValueError(
                "give exactly one of units_per_1000 (per 1,000 residents) or units (unit agents)"
            )
        return value


class Camp(Strict):
    """An elite camp: a leader and the network that holds posts for them (docs/ODD.md §2).

    Exactly one camp holds the top office at the start (``incumbent``). The others are rivals:
    they may resist, take an exit, or strike for the office (docs/ODD.md §7.7).
    """

    name: Name
    label: Text | None = None  # how events name the camp (default: its name)
    incumbent: bool = False
    former_ruler: bool = False  # its return to office counts as a restoration
    power: Fraction = 0.0
    legitimacy: Fraction = 0.5
    cohesion: Fraction = 1.0
    resistance: Fraction = 0.0  # daily propensity to start (or stop) resisting
    punishment: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0  # losing costs this, in positions
    exit_keeps: Fraction = 0.5  # the share of its position a safe exit lets it keep
    exit_safety: Fraction = 0.0  # credibility of a safe exit with no guarantee (e.g. exile)
    ally_of: str | None = None  # an allied camp: never purged by it
    defection: Fraction = 0.0  # daily propensity to weigh going over to the expected winner

    @property
    def display(self) -> str:
        return self.label or self.name


class Government(Strict):
    """The office holder's rules, whichever camp holds the office: towards the street
    (concession, repression, dismissing the government, inviting the patron) and towards its
    rivals (guarantees, purges). Off (``enabled: false``) the office holder does nothing."""

    enabled: bool = False
    performance: Fraction = 0.8
    legitimacy_adjustment: Fraction = 0.0
    concession_threshold: Fraction = 0.05
    concession_relief: Fraction = 0.5
    concession_label: str = "makes an economic concession"
    escalation_thresholds: Annotated[list[Fraction], Field(min_length=3, max_length=3)] = [
        0.02,
        0.05,
        0.10,
    ]
    lethal_force_armed_share: Fraction = 0.0  # shoot to kill only once armed actives reach this
    dismiss_government_threshold: Fraction = 0.05
    dismissal_legitimacy_gain: Fraction = 0.0
    invite_threshold: Fraction = 0.6
    # 0: invite as soon as the loyal capacity is below the threshold (a cut-off); > 0: invite
    # with probability logistic((threshold - loyal capacity) / invite_temperature) a day.
    invite_temperature: NonNegative = 0.0
    invite_min_severity: Fraction = 0.05
    offers_guarantees: bool = True
    guarantee_credibility: Fraction = 0.5
    purge_transfer: Fraction = 0.3
    purge_legitimacy_gain: Fraction = 0.0
    tandem_hazard: Fraction = 0.0
    # A purged or dismissed camp loses its posts with a chance that falls smoothly with the power
    # it keeps: 1 / (1 + (power / removal_power)^2), one half at exactly removal_power
    # (docs/ODD.md §7.6).
    removal_power: Fraction = 0.02
    # How long a camp the office holder moved against stays threatened: the threat fades
    # linearly to nothing over this many days; none (the default) = it never fades.
    threat_memory_days: Annotated[int, Field(ge=1)] | None = None
    pact_credibility: Fraction = 0.0  # a negotiated exit under pressure: 0 = none on offer

    @field_validator("escalation_thresholds")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if value != sorted(value):
            raise ValueError(f"thresholds must be in ascending order (got {value})")
        return value


class Opposition(Strict):
    """The street's side: how events name it, and the legitimacy citizens grant a government it
    forms after a popular transition."""

    label: str = "the opposition"
    legitimacy: Fraction = 0.8


class Patron(Strict):
    """A foreign patron, aligned with one camp, with the opposition, or with nobody.

    Invited by the office holder, it accepts with probability ``1 - cost`` if the inviter is the
    camp it is aligned with, and never otherwise. Aligned with the opposition, it backs it openly
    from the start (docs/ODD.md §7.8).
    """

    enabled: bool = False
    name: Text = "patron"
    aligned_with: str = NONE  # a camp, "opposition" or "none"
    cost: Fraction = 0.0
    delay_days: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] = (1, 1)
    troops: Annotated[int, Field(ge=0)] = 0
    # Units on the grid: at most one of units (agents) or units_per_1000 (per 1,000 urban
    # residents of the scenario, like a faction's); neither is 0.
    units: Annotated[int, Field(ge=0)] | None = None
    units_per_1000: NonNegative | None = None
    withdraw_after_calm_days: Annotated[int, Field(ge=1)] = 7
    dependence_cost: Fraction = 0.0

    @field_validator("units_per_1000")
    @classmethod
    def _one_size(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("units") is not None:
            raise ValueError("give patron.units or units_per_1000, not both")
        return value

    @model_validator(mode="after")
    def _delay_ordered(self) -> Self:
        if self.delay_days[0] > self.delay_days[1]:
            raise ValueError("delay_days must be [min, max] with min <= max")
        return self


class Expectations(Strict):
    """How elites read the balance of force (one Tullock contest over holders' strengths) and
    how noisily they choose."""

    contest_exponent: Positive = 2.0
    bandwagon: NonNegative = 1.0
    protest_weight: NonNegative = 1.0
    patron_weight: NonNegative = 1.0
    stance_temperature: Positive = 0.1
    inertia: NonNegative = 0.0
    power_weight: NonNegative = 1.0  # a camp's share of power, as strength in a showdown
    decision_temperature: Positive = 0.05  # camps' risky choices (purge, exit, strike)
    coup_penalty: NonNegative = 1.0  # a failed coup's cost in a faction's stance utility
    # The coup trap (docs/ODD.md §7.5; A-coup-trap): the log of the factor by which one recent
    # successful coup in the country's past (`regime.coups`) multiplies a faction's odds of
    # choosing a coup on a day, and the half-life in years over which a past coup's weight fades.
    # 0 (the default): the history does nothing, as before the mechanism existed.
    coup_trap: NonNegative = 0.0
    coup_memory: Positive = 10.0


class Regime(Strict):
    """Features of the regime recorded before the crisis (scenarios/cases/README.md, rule 15).

    ``coups``: the dates of the successful coups in the country's past (Powell & Thyne 2011's
    global data set: an attempt by the military or other elites within the state apparatus to
    unseat the sitting executive, successful if its perpetrators held power for at least seven
    days), all before the crisis's first day. The coup trap (`expectations.coup_trap`) weighs
    each by its age (half-life `expectations.coup_memory`)."""

    coups: list[dt.date] = []

    def coup_history(self, on: dt.date, half_life: float) -> float:
        """The recency-weighted count of past coups on date ``on``: each coup counts
        ``0.5 ** (age in years / half_life)`` (1 on the day, a half after ``half_life`` years).
        0 without coups; rises with every coup and falls with each one's age."""
        return sum(0.5 ** (((on - d).days / 365.25) / half_life) for d in self.coups)


class LoyaltyDynamics(Strict):
    """Daily rates at which factions' loyalty moves (docs/ODD.md §7.5). Every rate is 0 by
    default: loyalty then stays what the scenario says, as before these mechanisms existed."""

    backfire: NonNegative = 0.0  # repression of peaceful crowds -> loyalty to the street
    crowd_pressure: NonNegative = 0.0  # a large peaceful crowd facing the units -> the street
    # The crowd's size as a public signal: how many of its city's residents are in the streets,
    # a logistic in the log of that share (midpoint, steepness) -> the street [A-loyalty-crowd-size]
    crowd_size: NonNegative = 0.0
    crowd_size_midpoint: Annotated[float, Field(gt=0.0, le=1.0)] = 0.035
    crowd_size_steepness: Positive = 2.0
    cascade: NonNegative = 0.0  # other units not obeying -> loyalty away from the ruler
    cascade_spread: Positive = 0.1  # how gradual the cascade's threshold is
    cascade_thresholds: Range = Range(low=0.2, high=0.6)  # per faction, drawn each run
    elite_split: NonNegative = 0.0  # a resisting camp's odds -> loyalty to it
    patron_pay: NonNegative = 0.0  # a patron's troops on the ground -> loyalty to its client
    recovery: NonNegative = 0.0  # when calm, drift back to the initial loyalty
    # The share of drift to the street that a patrimonial (or counterweight) force does not make:
    # its loyalty stays with the ruler's camp and falls with it.
    patrimonial_anchor: Fraction = 0.0


class Aftermath(Strict):
    """Reforms and legitimacy after the crisis (months to years)."""

    reform_interval_days: Annotated[int, Field(ge=1)] = 90
    political_reform_preference: Fraction = 0.0
    delivery_probability: Fraction = 0.5
    tandem_delivery_penalty: Fraction = 0.0
    reform_performance_gain: Fraction = 0.0
    disappointment_hardship: Fraction = 0.0
    liberalization_gain: Fraction = 0.0


class TriggerEffect(Strict):
    """What one unit of a trigger does: hardship added where it applies, the office holder's
    legitimacy and the government's performance shifted once, and an outrage that cuts
    citizens' activation threshold where it applies and then fades (`Triggers.outrage_decay`).

    ``allies`` is the share of the legitimacy shift that also falls on each camp in play allied
    with the office holder (`ally_of` either way) when the shock fires: an act of the ruling
    coalition (a stolen election, a term-limit evasion) discredits its partners in government
    too [A-coalition-blame]. 0, the default, leaves them untouched."""

    hardship: Shift = 0.0
    legitimacy: Shift = 0.0
    performance: Shift = 0.0
    outrage: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    allies: Fraction = 0.0


class Triggers(Strict):
    """Each kind of trigger's effect per unit of a shock's `magnitude` (a price rise: the rise
    as a multiple of the old price, 1 = doubled; an event: 1 = one event as the rules define
    it). All zero by default: a shock of a kind does nothing the scenario does not state."""

    price_rise: TriggerEffect = TriggerEffect()
    disputed_election: TriggerEffect = TriggerEffect()
    term_limit_evasion: TriggerEffect = TriggerEffect()
    policy_reversal: TriggerEffect = TriggerEffect()
    focal_killing: TriggerEffect = TriggerEffect()
    leader_illness: TriggerEffect = TriggerEffect()
    long_decline: TriggerEffect = TriggerEffect()
    outrage_decay: Fraction = 1.0  # share of an outrage that fades each day (1: a day's worth)

    def effect(self, kind: str) -> TriggerEffect:
        """The effect per unit of ``kind`` (nothing for `other`)."""
        return getattr(self, kind) if kind in TRIGGER_KINDS else TriggerEffect()


class Order(Strict):
    """When the street counts as calm (days to order, protest waves, the crisis window): under
    ``max_active_share`` of citizens active, with no strategic site held by rebels, for
    ``calm_days`` days in a row (docs/ODD.md §7.12)."""

    max_active_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.005
    calm_days: Annotated[int, Field(ge=1, le=365)] = 3


class Shock(Strict):
    """A scripted change at the start of a day (Mesa event): hardship, performance and
    legitimacy, and optionally an elite event (docs/ODD.md §6):

    - ``death`` of ``camp``'s leader (or incapacity): the camp leaves the game; if it held the
      office, the office passes to ``to`` (a designated successor) or, without one, to the
      strongest camp in a showdown;
    - ``dismissal`` of ``camp``'s leader from state posts (the camp loses a purge's share of its
      power and is threatened), or of ``faction``'s chief (its loyalty to camps other than the
      office holder passes to the office holder);
    - ``arrest`` of ``camp``'s leader: the camp is removed;
    - ``loyalty``: ``faction``'s loyalty becomes ``loyalty``;
    - ``transfer_office`` to ``to`` (a negotiated handover; the old holder stays in the game);
    - ``invite_patron``: the office holder asks the patron for help (the patron decides).

    ``kind`` names the trigger (a price rise, a disputed election, a focal killing ...): its
    effect is ``magnitude`` times the `triggers` section's effect per unit of that kind, added to
    any explicit ``hardship``, ``legitimacy`` and ``performance`` of the shock.
    """

    day: Annotated[int, Field(ge=0)]
    label: str
    kind: TriggerKind = "other"
    magnitude: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    region: str = "all"
    hardship: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    performance: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    legitimacy: Annotated[
        float,
        Field(
            ge=-1.0,
            le=1.0,
            description="A one-off change of the office holder's legitimacy,"
            " e.g. a stolen election.",
        ),
    ] = 0.0
    event: EliteEvent | None = None
    camp: str | None = None
    faction: str | None = None
    to: str | None = None
    loyalty: dict[str, Fraction] | None = None

    @model_validator(mode="after")
    def _event_fields(self) -> Self:
        needs = {
            "death": ("camp",),
            "arrest": ("camp",),
            "loyalty": ("faction", "loyalty"),
            "transfer_office": ("to",),
        }.get(self.event or "", ())
        for field in needs:
            if getattr(self, field) is None:
                raise ValueError(f"event {self.event!r} needs `{field}`")
        if self.event == "dismissal" and (self.camp is None) == (self.faction is None):
            raise ValueError("event 'dismissal' needs exactly one of `camp` or `faction`")
        if self.loyalty is not None and abs(sum(self.loyalty.values()) - 1.0) > 1e-6:
            raise ValueError("loyalty: the parts must add up to 1")
        return self


class Power(Strict):
    """Initial power held outside the camps (each camp's own share is ``camps[i].power``)."""

    security: Fraction = 0.0
    opposition: Fraction = 0.0


class PeakCrowd(Strict):
    """The largest crowd a source reports during the crisis: people on the street in one region
    (or ``all``, the whole country), as a range [low, high] of people, with its source. A record,
    read by `transition-sim backtest`; the model never reads it."""

    region: Text
    range: tuple[Positive, Positive]
    source: Annotated[str, Field(min_length=1)]

    @field_validator("range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"low ({value[0]:g}) must not exceed high ({value[1]:g})")
        return value


class Observed(Strict):
    """What history recorded, for a case in the library (`transition-sim backtest`): the
    outcome class at the horizon, the kind of crisis (which literature base rate applies) and,
    where a source gives it, the peak crowd."""

    outcome: str
    crisis: Literal["mass_protest", "leader_death", "elite_split"]
    date: dt.date | None = None
    summary: str = ""
    sources: list[str] = []
    peak_crowd: PeakCrowd | None = None


def _default_camps() -> list[Camp]:
    return [Camp(name="incumbent", incumbent=True, power=1.0, legitimacy=0.8)]


def _default_region() -> list[Region]:
    return [Region(name="city", urban_population=1120)]


class Scenario(Strict):
    """A complete, validated scenario: the one input of `simulate(scenario, seed)`.

    `factions` is keyed by name; in a file that ``extends`` another, ``factions: {KNB: null}``
    removes the inherited faction KNB (see `transition_sim.scenario.loader`). `camps`, like
    `regions`, is a list: a file that sets it replaces the inherited list wholesale.
    """

    name: Text
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
        "police": Faction(units=118, loyalty={"incumbent": 1.0}, autonomous=False)
    }
    camps: Annotated[list[Camp], Field(min_length=1)] = Field(default_factory=_default_camps)
    power: Power = Power()
    government: Government = Government()
    opposition: Opposition = Opposition()
    patron: Patron = Patron()
    expectations: Expectations = Expectations()
    # Left out of dumps when empty, so a scenario without a coup history hashes and prints as
    # before the section existed.
    regime: Annotated[Regime, Field(exclude_if=lambda v: not v.coups)] = Regime()
    loyalty_dynamics: LoyaltyDynamics = LoyaltyDynamics()
    aftermath: Aftermath = Aftermath()
    order: Order = Order()
    triggers: Triggers = Triggers()
    shocks: list[Shock] = []
    observed: Observed | None = None
    # A fitted posterior the parameters are drawn from (`transition_sim.scenario.posterior`):
    # relative to the file that writes it; the loader checks it and stores it resolved. Left
    # out of dumps when unset, so a scenario without one hashes and prints as before.
    from_posterior: Annotated[
        str | None,
        Field(
            exclude_if=lambda v: v is None,
            description="Posterior folder (or posterior.parquet) the parameters are drawn"
            " from, relative to this file.",
        ),
    ] = None

    @model_validator(mode="after")
    def _references(self) -> Self:
        """Every region, camp or faction named anywhere must be defined."""
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
            try:
                _path_name(fname)
            except ValueError as err:
                shown = fname if len(fname) <= MAX_NAME else "<a long name>"
                raise ValueError(f"factions.{shown}: {err}") from None
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
        crowd = self.observed.peak_crowd if self.observed is not None else None
        if crowd is not None and crowd.region != "all" and crowd.region not in known:
            raise ValueError(
                f"observed.peak_crowd.region: region {crowd.region!r} is not defined"
                f" (regions: {', '.join(names)}; or all)"
            )
        listed: set[dt.date] = set()
        for i, coup in enumerate(self.regime.coups):
            if coup in listed:  # a copy slip: the coup would count twice
                raise ValueError(f"regime.coups.{i}: {coup} is listed twice")
            listed.add(coup)
            if coup >= self.start_date:
                raise ValueError(
                    f"regime.coups.{i}: {coup} is not before the crisis's first day"
                    f" (start_date {self.start_date}): only coups in the country's past count"
                )
        if not self.factions:
            raise ValueError("factions: at least one security faction is needed")
        if len(self.factions) > MAX_FACTIONS:
            raise ValueError(
                f"factions: at most {MAX_FACTIONS} factions (this scenario has"
                f" {len(self.factions):,}): each day every faction weighs every camp's odds"
            )
        if len(self.camps) > MAX_CAMPS:
            raise ValueError(
                f"camps: at most {MAX_CAMPS} camps (this scenario has {len(self.camps):,})"
            )
        self._check_elites()
        return self

    def _check_elites(self) -> None:
        """Camps are uniquely named, one holds the office, power adds up, and every loyalty,
        stance, sponsor, alignment and elite event names a camp or faction that exists."""
        camps = [c.name for c in self.camps]
        for i, name in enumerate(camps):
            if name in camps[:i]:
                raise ValueError(f"camps.{i}.name: camp {name!r} is already defined")
            if name in RESERVED_NAMES or name.startswith("side_with_"):
                raise ValueError(f"camps.{i}.name: {name!r} is a reserved name")
        incumbents = [i for i, c in enumerate(self.camps) if c.incumbent]
        if len(incumbents) != 1:
            raise ValueError(
                f"camps: exactly one camp must be the incumbent (found {len(incumbents)})"
            )
        total = sum(c.power for c in self.camps) + self.power.security + self.power.opposition
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"power: the camps' power plus security and opposition must add up to 1"
                f" (they add up to {total:g})"
            )
        listed = f"camps: {', '.join(camps)}"
        for fname, faction in self.factions.items():
            for key in faction.loyalty:
                if key not in (SELF_INTEREST, OPPOSITION) and key not in camps:
                    raise ValueError(
                        f"factions.{fname}.loyalty.{key}: no camp named {key!r} ({listed};"
                        f" or {SELF_INTEREST}, {OPPOSITION})"
                    )
            stance = faction.initial_stance
            if stance not in self.stances():
                raise ValueError(
                    f"factions.{fname}.initial_stance: {stance!r} is not a stance"
                    f" ({', '.join(self.stances())})"
                )
        for i, camp in enumerate(self.camps):
            if camp.ally_of is not None and camp.ally_of not in camps:
                raise ValueError(f"camps.{i}.ally_of: no camp named {camp.ally_of!r} ({listed})")
            if camp.ally_of == camp.name:
                raise ValueError(f"camps.{i}.ally_of: a camp cannot be its own ally")
        if self.protesters.crime_sponsor not in (NONE, *camps):
            raise ValueError(
                f"protesters.crime_sponsor: no camp named {self.protesters.crime_sponsor!r}"
                f" ({listed}; or {NONE})"
            )
        if self.patron.enabled and self.patron.aligned_with not in (NONE, OPPOSITION, *camps):
            raise ValueError(
                f"patron.aligned_with: no camp named {self.patron.aligned_with!r}"
                f" ({listed}; or {OPPOSITION}, {NONE})"
            )
        for i, shock in enumerate(self.shocks):
            for field in ("camp", "to"):
                value = getattr(shock, field)
                if value is not None and value not in camps:
                    raise ValueError(f"shocks.{i}.{field}: no camp named {value!r} ({listed})")
            if shock.event == "death" and shock.to is not None and shock.to == shock.camp:
                raise ValueError(f"shocks.{i}.to: the dying leader's camp cannot succeed itself")
            if shock.faction is not None and shock.faction not in self.factions:
                raise ValueError(
                    f"shocks.{i}.faction: no faction named {shock.faction!r}"
                    f" (factions: {', '.join(self.factions)})"
                )
            for key in shock.loyalty or {}:
                if key != SELF_INTEREST and key not in camps:
                    raise ValueError(f"shocks.{i}.loyalty.{key}: no camp named {key!r} ({listed})")
        if self.observed is not None and self.observed.outcome not in OUTCOMES:
            raise ValueError(
                f"observed.outcome: {self.observed.outcome!r} is not an outcome"
                f" ({', '.join(OUTCOMES)})"
            )

    def stances(self) -> tuple[str, ...]:
        """Every stance a faction can take in this scenario."""
        return (*BASIC_STANCES, *(f"side_with_{c.name}" for c in self.camps))

    @property
    def incumbent(self) -> Camp:
        """The camp holding the office at the start."""
        return next(c for c in self.camps if c.incumbent)

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
    def urban_population(self) -> int:
        return sum(r.urban_population for r in self.regions)

    def unit_count(self, units: int | None, units_per_1000: float | None) -> int:
        """Unit agents for a size given as agents or per 1,000 urban residents: a unit agent
        stands for ``people_per_agent`` deterrence-equivalents, so a finer grid gets more units
        in proportion to its citizens (docs/ODD.md §2); with blocks, for ``crowd.unit_people``."""
        if units_per_1000 is None:
            return units or 0
        blocks = self.crowd.representation == "blocks"
        per_unit = self.crowd.unit_people if blocks else self.scale.people_per_agent
        count = units_per_1000 * self.urban_population / 1000 / per_unit
        return round(count) if count < 2**62 else 2**62  # too many: feasibility reports it

    def faction_units(self, name: str) -> int:
        f = self.factions[name]
        return self.unit_count(f.units, f.units_per_1000)

    def patron_units(self) -> int:
        return self.unit_count(self.patron.units, self.patron.units_per_1000)

    def vision_cells(self) -> int:
        """The vision radius in cells: ``crowd.vision``, or the radius whose cells hold the
        nearest number of residents to ``crowd.vision_people`` (at least 1)."""
        c = self.crowd
        if c.vision_people is None:
            return DEFAULT_VISION if c.vision is None else c.vision  # (`_default_vision`)
        cells = c.vision_people / (c.citizen_density * self.scale.people_per_agent)
        best, radius = math.inf, 1
        for r in range(1, MAX_VISION_CELLS + 1):
            k = 2 * r * (r + 1) if c.neighborhood == "von_neumann" else (2 * r + 1) ** 2 - 1
            if abs(k - cells) < best:
                best, radius = abs(k - cells), r
        return radius

    @property
    def end_date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=self.days - 1)
