"""Write experiments/kz_morris.yaml: the Morris screening of every assumption-sourced number.

    uv run python experiments/kz_morris_spec.py          # rewrite kz_morris.yaml
    uv run python experiments/kz_morris_spec.py --check  # exit 1 if it is out of date

The parameters are every number an `A-` entry of seeds/claims.yaml names in the baseline
(lists element by element, flags and names skipped), except the run settings and the numbers
`inert` names, which the baseline does not use or allows at one value only. Each varies over
half to one and a half times its baseline value, cut at the schema's limits; `SPECIAL` lists
the exceptions and why. Run it after the baseline or the registry changes (a test checks that
the committed file is what this script writes).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from transition_sim.claims import load_registry, yaml_value
from transition_sim.scenario.address import apply_values, scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario, settled_paths

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "kz_morris.yaml"
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"

RUN_SETTINGS = {"days", "replications", "seed"}  # not claims about the world
# Numbers the baseline does not use, or allows at one value only: varying them screens nothing.
# With the crowd of agents, the units' size of blocks; with blocks (the baseline since session
# 26), the rules blocks do not implement (`scenario.schema.settled_paths`: the schema refuses any
# other value, and prior draws leave them).
INERT = {
    "crowd.unit_people": "acts only with crowd.representation: blocks; the baseline's is agents"
}


def inert(data: dict[str, Any]) -> set[str]:
    """The paths of `data` (the baseline as plain data) the screening leaves out."""
    if data["crowd"]["representation"] == "blocks":
        return settled_paths(data)
    return set(INERT)


# path: (low, high, why) where the 0.5x-1.5x rule does not apply.
SPECIAL: dict[str, tuple[float, float, str | None]] = {
    "crowd.citizen_density": (0.6, 0.75, "above 0.75, citizens and 1.5x the units may not fit"),
    # Issue 13's propensities whose baseline is 0 (off): their registry ranges [A-camp-defection]
    "camps.successor.defection": (0.0, 0.2, "the registry's range; off at the baseline"),
    "camps.family.defection": (0.0, 0.2, "the registry's range; off at the baseline"),
    "government.pact_credibility": (0.0, 0.8, "the registry's range; off at the baseline"),
    "violence.peaceful_occupation": (0.0, 1.0, "the registry's range; off at the baseline"),
    "loyalty_dynamics.crowd_size": (0.0, 0.2, "the registry's range [A-loyalty-crowd-size]; off"),
    "loyalty_dynamics.crowd_size_midpoint": (0.01, 0.2, "the registry's range"),
    "loyalty_dynamics.crowd_size_steepness": (1.0, 6.0, "the registry's range"),
    "crowd.gathering": (0.0, 1.0, "the registry's range [A-gathering]; off at the baseline"),
    "crowd.guarding": (0.0, 1.0, "the registry's range [A-guarding]; off at the baseline"),
    "violence.site_guard": (0.0, 100.0, "the registry's range [A-site-guard]; off at the baseline"),
    "crowd.vision": (4, 10, None),
    "crowd.activation_batches": (1, 3, None),
    "crowd.max_jail_term": (15, 45, None),
    "crowd.hardship.low": (0.0, 0.2, None),
    "crowd.hardship_skew": (1.0, 2.0, "below 1 hardship is skewed high, which no claim says"),
    "crowd.hardship.high": (0.4, 0.8, "a third either way, above the lower bound"),
    "crowd.risk_aversion.low": (0.0, 0.2, None),
    "crowd.risk_aversion.high": (0.8, 1.0, "at most 1"),
    "violence.site_radius": (2, 4, "one cell either way"),
    "violence.protester_lethality.0": (0.0, 0.000001, "up to the next level"),
    "protesters.crime_share": (0.0, 0.05, None),
    "government.escalation_thresholds.0": (0.0035, 0.0065, "30% either way keeps them ascending"),
    "government.escalation_thresholds.1": (0.007, 0.013, "30% either way keeps them ascending"),
    "government.escalation_thresholds.2": (0.021, 0.039, "30% either way keeps them ascending"),
    "patron.delay_days.0": (0, 1, "below the maximum delay"),
    "patron.delay_days.1": (1, 4, "above the minimum delay"),
    "patron.withdraw_after_calm_days": (3, 7, None),
    "factions.KNB.sympathy": (0.0, 0.1, None),
    "power.opposition": (0.0, 0.1, None),
}
# Sets that must keep their sum: every member is varied, then all are renormalised.
COUPLED = [
    [f"factions.{f}.loyalty.{k}" for k in ("successor", "family", "self_interest")]
    for f in ("police", "KNB", "army", "guard")
] + [
    ["camps.successor.power", "camps.family.power", "power.security", "power.opposition"],
    ["factions.guard.deployment.Nur-Sultan", "factions.guard.deployment.Almaty"],
]

HEADER = """\
# Morris screening of every assumption-sourced parameter of the Kazakhstan baseline.
# Written by experiments/kz_morris_spec.py (edit that, then run it; a test checks the two agree).
#
# The parameters are every number named by an `A-` entry of seeds/claims.yaml, except the run
# settings (days, replications, seed: not claims about the world) and the values that are not
# numbers (crowd.activation names a rule; site cells are drawn at random). Lists are varied
# element by element (shocks.0.hardship, links.N.weight, violence.protester_lethality.N). Ranges
# follow one rule: half to one and a half times the baseline value, cut at the schema's limits
# (a fraction at most 1), integers widened to whole numbers; the exceptions say why in their
# comment (a baseline value of 0, thresholds that must stay ordered, citizens and units that
# must fit on the grids). That rule is a convention, not knowledge: the screening ranks
# parameters by their effect over these ranges.
#
#   uv run transition-sim sensitivity experiments/kz_morris.yaml --out results/kz_morris
#
# {count} parameters, 10 trajectories (10 x {points_per} = {points:,} points), 5 replications per
# point ({runs:,} runs). sensitivity.json gives each output's noise floor (the mu* that
# replication noise alone produces); only effects above it count. More replications lower the
# floor; more trajectories sharpen mu*.
name: Kazakhstan baseline, Morris screening of the assumptions
description: >
  Elementary effects of every A- parameter of scenarios/kazakhstan_2022.yaml over 0.5x-1.5x
  its baseline value, on every outcome share and metric.
scenario: ../scenarios/kazakhstan_2022.yaml
design: {{method: morris, samples: 10, levels: 4}}
replications: 5
seed: 1905
# Values that must add up keep their sum: all members are varied, then renormalised.
"""


def _numbers(value: Any, path: str) -> list[tuple[str, float]]:
    """Every single number at or below ``path`` (lists element by element, by name if named)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(path, value)]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(v, f"{path}.{k}")]
    if isinstance(value, list):  # items by name where they have one (regions, sites)
        keys = [
            v["name"] if isinstance(v, dict) and "name" in v else i for i, v in enumerate(value)
        ]
        return [n for k, v in zip(keys, value, strict=True) for n in _numbers(v, f"{path}.{k}")]
    return []


def assumption_numbers(data: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(path, baseline value, assumption id) for every number of an A- entry, first id wins."""
    seen: dict[str, tuple[float, str]] = {}
    for entry in load_registry().assumptions:
        for path in entry.parameters:
            for number, value in _numbers(yaml_value(data, path), path):
                seen.setdefault(number, (value, entry.id))
    out = inert(data)
    return [(p, v, i) for p, (v, i) in seen.items() if p not in RUN_SETTINGS and p not in out]


def _valid(data: dict[str, Any], path: str, value: float) -> bool:
    try:
        Scenario.model_validate(apply_values(data, {path: value})[0])
    except (ValidationError, ValueError):
        return False
    return True


def _bounds(data: dict[str, Any], path: str, value: float, coupled: set[str]) -> tuple[Any, ...]:
    if path in SPECIAL:
        return SPECIAL[path]
    if value == 0:
        raise SystemExit(f"{path}: baseline value 0, add a range to SPECIAL")
    low, high = sorted((value * 0.5, value * 1.5))  # a negative effect too
    if isinstance(value, int):
        low, high = math.floor(low), math.ceil(high)
    if path not in coupled and not _valid(data, path, high):  # a fraction: at most 1
        return low, 1.0, "at most 1"
    return low, high, None


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


def spec_text() -> str:
    data = scenario_values(load_scenario(BASELINE))
    coupled = {m for members in COUPLED for m in members}
    lines = ["coupled:", *(f"  - [{', '.join(members)}]" for members in COUPLED), "parameters:"]
    entry = None
    numbers = assumption_numbers(data)
    for path, value, id_ in numbers:
        if id_ != entry:
            lines.append(f"  # [{id_}]")
            entry = id_
        low, high, why = _bounds(data, path, value, coupled)
        note = f"  # base {_number(value)}" + (f"; {why}" if why else "")
        lines.append(f"  - {{path: {path}, bounds: [{_number(low)}, {_number(high)}]}}{note}")
    points_per = len(numbers) + 1
    head = HEADER.format(
        count=len(numbers), points_per=points_per, points=10 * points_per, runs=50 * points_per
    )
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if kz_morris.yaml differs")
    args = parser.parse_args()
    text = spec_text()
    if args.check:
        if SPEC.read_text(encoding="utf-8") != text:
            sys.exit(f"{SPEC} is out of date: run {Path(__file__).name}")
        return
    SPEC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
