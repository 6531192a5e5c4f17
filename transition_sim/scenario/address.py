"""Parameters addressed by dotted path into a scenario, and the rule for coupled values.

A path follows `seeds/claims.yaml`: keys between dots, list items by their ``name`` if they have
one (``regions.Almaty.violent_share``, ``regions.Almaty.sites.KNB building.weight``), else by
index (``shocks.0.hardship``, ``links.3.weight``, ``violence.protester_lethality.3``). Faction
names are keys (``factions.KNB.loyalty.successor``). Only a single number can be varied: a path to
a section, a list, a flag or a name is an error.

Coupled values. Some values must add up to a total (a faction's loyalty, the power shares, a
deployment): varying one alone makes an invalid scenario. A spec declares such a set under
``coupled:``, and the set keeps its sum in the base scenario:

- members the design varies take their values;
- members it does not vary share what is left, in proportion to their base values (equally if
  those are all zero);
- if the design varies every member, all are scaled by the same factor so that they add up to
  the sum again (renormalised); the stored values are the scaled ones.

A point whose varied members alone exceed the sum, while others remain to absorb it, is an
invalid point and reported before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from transition_sim.scenario.schema import Scenario

__all__ = [
    "PathError",
    "apply_values",
    "base_value",
    "coupled_values",
    "fewest_refused",
    "refusal",
    "scenario_values",
    "set_value",
    "yaml_value",
]


def segment(item: Any, index: int) -> str:
    """How a list item is named in a path: by its `name` if it has one, else by its index."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return item["name"]
    return str(index)


def yaml_value(data: Any, path: str) -> Any:
    """The value at a dotted path of raw scenario YAML; KeyError if it is not set there."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list):
            named = [item for i, item in enumerate(node) if segment(item, i) == part]
            if not named:
                raise KeyError(path)
            node = named[0]
        else:
            raise KeyError(path)
    return node


class PathError(ValueError):
    """A path that does not name a single number of the scenario."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def scenario_values(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (every field, defaults included), ready to edit and
    validate again."""
    return scenario.model_dump(mode="json")


def base_value(data: Mapping[str, Any], path: str) -> float | int:
    """The number at ``path`` in ``data`` (see `scenario_values`); `PathError` if there is none."""
    try:
        value = yaml_value(data, path)
    except KeyError:
        raise PathError(_missing(data, path)) from None
    if not _is_number(value):
        raise PathError(_not_a_number(path, value))
    return value


def _missing(data: Mapping[str, Any], path: str) -> str:
    """Say which part of ``path`` is missing and what could come there instead."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "the scenario"
        options = _children(node)
        if part not in options:
            if not isinstance(node, dict | list):
                return f"{where} is a single value; nothing is below it"
            shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
            return f"no {part!r} in {where}" + (f" (it has: {shown})" if options else "")
        node = yaml_value(data, ".".join(parts[: i + 1]))
    return f"no value at {path!r}"  # pragma: no cover - every part was found


def _children(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [str(k) for k in node]
    if isinstance(node, list):
        return [
            item["name"] if isinstance(item, dict) and isinstance(item.get("name"), str) else str(i)
            for i, item in enumerate(node)
        ]
    return []


def _not_a_number(path: str, value: Any) -> str:
    if isinstance(value, list) and value and all(_is_number(v) for v in value):
        return f"is a list of {len(value)} numbers: vary one of them, e.g. {path}.0"
    if isinstance(value, dict | list):
        return "is a section, not a single number: vary one of its values"
    if isinstance(value, bool):
        return "is a flag (true/false), not a number: write one scenario per value instead"
    if value is None:
        return "is not set in the base scenario (null): set it there first"
    return f"is {value!r}, not a number"


def set_value(data: dict[str, Any], path: str, value: Any) -> Any:
    """Set the value at ``path`` in ``data`` in place and return what was set: a number where
    a number was (integers stay integers, rounded), else a value of the same type."""
    parent_path, _, last = path.rpartition(".")
    try:
        parent = yaml_value(data, parent_path) if parent_path else data
        key: str | int = last if isinstance(parent, dict) else _children(parent).index(last)
        old = parent[key]
    except (KeyError, ValueError, TypeError):
        raise PathError(_missing(data, path)) from None
    if _is_number(old) and _is_number(value):
        new = round(value) if isinstance(old, int) else float(value)
    elif type(value) is type(old):
        new = value
    else:
        raise PathError(f"is {old!r} ({_kind(old)}), cannot set {value!r} ({_kind(value)})")
    parent[key] = new
    return new


def _kind(value: Any) -> str:
    """What a value is, in a message: a field's type and what was given differ."""
    if isinstance(value, bool):
        return "a flag"
    if _is_number(value):
        return "a number"
    if value is None:
        return "null"
    return {str: "text", list: "a list", dict: "a section"}.get(type(value), type(value).__name__)


def coupled_values(
    values: Mapping[str, float], base: Mapping[str, Any], coupled: Sequence[Sequence[str]]
) -> dict[str, float]:
    """``values`` completed by the rule for coupled sets (module docstring).

    Returns every value to set: the varied ones (rescaled when a whole set is varied) and the
    unvaried members of any set that has a varied member. `ValueError` if the varied members of
    a set leave a negative remainder.
    """
    out = dict(values)
    for members in coupled:
        varied = [m for m in members if m in values]
        if not varied:
            continue
        total = sum(float(base_value(base, m)) for m in members)
        rest = [m for m in members if m not in values]
        taken = sum(values[m] for m in varied)
        if not rest:
            if taken <= 0:
                raise ValueError(f"the coupled set {', '.join(members)} is all zero")
            for m in varied:
                out[m] = values[m] * total / taken
            continue
        left = total - taken
        if left < -1e-9:
            raise ValueError(
                f"{' + '.join(varied)} = {taken:g} exceeds the coupled set's sum {total:g}"
            )
        weights = [float(base_value(base, m)) for m in rest]
        if sum(weights) <= 0:
            weights = [1.0] * len(rest)
        for m, w in zip(rest, weights, strict=True):
            out[m] = max(0.0, left) * w / sum(weights)
    return out


def apply_values(
    data: Mapping[str, Any], values: Mapping[str, float], coupled: Sequence[Sequence[str]] = ()
) -> tuple[dict[str, Any], dict[str, float]]:
    """A copy of ``data`` (see `scenario_values`) with ``values`` set and coupled sets completed,
    and the values actually set (rescaled, integers rounded).

    Raises `PathError` for a bad path and `ValueError` for a coupled set that cannot be
    completed; whether the result is a valid scenario is for `Scenario.model_validate` to say.
    """
    out = json.loads(json.dumps(data))  # a deep copy; plain data, and faster than deepcopy
    applied = coupled_values(values, out, coupled)
    return out, {path: float(set_value(out, path, value)) for path, value in applied.items()}


def refusal(data: Mapping[str, Any], values: Mapping[str, float]) -> str | None:
    """Why the scenario refuses ``data`` (see `scenario_values`) with ``values`` set, as
    ``field: message`` (pydantic's first error), or None if it is a valid scenario: a draw or
    particle there would stop a run midway."""
    from pydantic import ValidationError

    try:
        Scenario.model_validate(apply_values(data, values)[0])
    except ValidationError as err:
        first = err.errors()[0]
        return ".".join(str(k) for k in first["loc"]) + ": " + first["msg"]
    except ValueError as err:  # a value its path cannot take (a list's length, say)
        return str(err)
    return None


def fewest_refused(
    values: Mapping[str, float], why: str, refused: Callable[[dict[str, float]], str | None]
) -> tuple[dict[str, float], str]:
    """The fewest of ``values`` (refused for ``why``) that ``refused`` still refuses, and why:
    each value left out in turn, and kept out if the refusal stays (a refused draw or corner
    narrowed to the priors that make it so)."""
    kept = dict(values)
    for path in list(kept):
        fewer = {k: v for k, v in kept.items() if k != path}
        still = refused(fewer)
        if still is not None:
            kept, why = fewer, still
    return kept, why
