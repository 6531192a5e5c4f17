"""Edited values as a scenario file: a YAML that ``extends:`` the original and sets only what
changed, validated by the same loader as the command line (so errors name file, line, field).

Lists are replaced wholesale when a file extends another, so an edit inside a list (a region's
share, a link's weight) writes the whole list; edits inside mappings write just the changed keys.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import yaml

from transition_sim.claims import yaml_value
from transition_sim.scenario import ScenarioError
from transition_sim.scenario.address import coupled_values

__all__ = [
    "COUPLED_RULE",
    "apply_values",
    "coupled_sets",
    "edited_yaml",
    "error_text",
    "overrides",
    "rebalance",
    "run_name",
    "short_path",
]


def apply_values(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of a scenario's JSON dump with the value at each dotted path replaced."""
    out = copy.deepcopy(data)
    for path, value in values.items():
        parent_path, _, last = path.rpartition(".")
        parent = yaml_value(out, parent_path) if parent_path else out
        if isinstance(parent, list):
            parent[int(last)] = value  # leaves in lists are numbers, addressed by index
        else:
            parent[last] = value
    return out


def overrides(base: Any, edited: Any) -> Any:
    """What ``edited`` changes in ``base``: changed keys of mappings, recursively; any other
    changed value (lists included) whole. None means no change."""
    if isinstance(base, dict) and isinstance(edited, dict):
        out = {}
        for key, value in edited.items():
            if key not in base:
                out[key] = value
                continue
            sub = overrides(base[key], value)
            if sub is not None:
                out[key] = sub
        return out or None
    return None if base == edited else edited


def edited_yaml(extends: str, changes: dict[str, Any] | None, source: str = "") -> str:
    """The text of a scenario file that extends ``extends`` with ``changes``. ``extends`` comes
    first after the comments, so line numbers do not depend on how it is spelled."""
    header = [
        f"# Edited in the transition-sim dashboard on {dt.date.today().isoformat()}"
        + (f" from {source}" if source else "")
        + ".",
        "# Values not written here come from the file it extends.",
    ]
    # Top-level keys as blocks (one per line); below them, default_flow_style=None writes
    # mappings and lists of plain values inline and the rest as blocks.
    body = "".join(
        yaml.safe_dump(
            {key: value},
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=None if isinstance(value, dict | list) else False,
            width=100,
        )
        for key, value in {"extends": extends, **(changes or {})}.items()
    )
    return "\n".join(header) + "\n" + body


def error_text(err: ScenarioError) -> str:
    """The loader's message (``file:line: field: message`` lines, as on the command line), with
    each file named as the reader knows it: by its name, not by the path of the dashboard's
    working copy."""
    return "\n".join(_DIRECTORY.sub("", line) for line in str(err).splitlines())


# The folders before the file name that opens a message line ("/tmp/x/uploads/ab/").
_DIRECTORY = re.compile(r"^[^:\n]*[/\\](?=[^/\\:]*:)")


# -- coupled sets and run names -------------------------------------------------------------------
# The rule for values that must add up (a faction's loyalty and deployment, the power shares) is
# the experiment engine's (`coupled_values`), shown to the reader in these words.
COUPLED_RULE = (
    "These values add up to a fixed total. Change one and the others you have not changed share"
    " what is left, in proportion to their values in the scenario; change them all and they are"
    " scaled to add up again (the rule of `coupled:` in sweeps)."
)
NAME_EDITS = 3  # edits named in a run's name; more are counted


def coupled_sets(data: dict[str, Any]) -> list[list[str]]:
    """The sets of dotted paths in a scenario's JSON dump whose values must keep their sum:
    each faction's loyalty and deployment, and the camps' power with security's and the
    opposition's."""
    sets: list[list[str]] = []
    for name, faction in (data.get("factions") or {}).items():
        for part in ("loyalty", "deployment"):
            keys = list(faction.get(part) or {})
            if len(keys) > 1:
                sets.append([f"factions.{name}.{part}.{k}" for k in keys])
    power = [f"camps.{c['name']}.power" for c in data.get("camps") or []]
    power += [f"power.{k}" for k in ("security", "opposition") if k in (data.get("power") or {})]
    if len(power) > 1:
        sets.append(power)
    return sets


def rebalance(
    base: dict[str, Any], touched: dict[str, Any], sets: list[list[str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every value to set: the ``touched`` ones (set by the reader) and, for each coupled set
    with a touched member, the others completed by the engine's rule. Also an error message per
    touched path whose set cannot be completed (its touched members exceed the set's sum)."""
    values = dict(touched)
    errors: dict[str, str] = {}
    for members in sets:
        mine = {m: touched[m] for m in members if m in touched}
        if not mine or not all(_is_number(v) for v in mine.values()):
            continue
        try:
            completed = coupled_values(mine, base, [members])
        except ValueError as err:
            errors.update(dict.fromkeys(mine, f"{err}; lower one of them"))
            continue
        # Rounded so that 0.24 is not shown as 0.24000000000000002; sums stay 1 within 1e-9.
        values.update({p: round(v, 10) for p, v in completed.items()})
    return values, errors


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def short_path(path: str) -> str:
    """A path as a run's name shows it: ``factions.KNB.loyalty.successor`` ->
    ``KNB loyalty successor``."""
    for section in ("factions.", "camps.", "regions."):
        if path.startswith(section):
            path = path.removeprefix(section)
            break
    return path.replace(".", " ")


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def run_name(base: dict[str, Any], values: dict[str, Any], order: list[str] | None = None) -> str:
    """A run named by what changed, e.g. ``KNB loyalty successor 0.25→0.7``: the values in
    ``order`` (the ones the reader set; default: all of ``values``) that differ from ``base``,
    then how many more. The scenario's own name if nothing changed."""
    changed = [
        p
        for p in (order if order is not None else list(values))
        if p in values and _base(base, p) != values[p]
    ]
    if not changed:
        return str(base.get("name", "scenario"))
    parts = [
        f"{short_path(p)} {_shown(_base(base, p))}→{_shown(values[p])}"
        for p in changed[:NAME_EDITS]
    ]
    if len(changed) > NAME_EDITS:
        parts.append(f"{len(changed) - NAME_EDITS} more")
    return "; ".join(parts)


def _base(base: dict[str, Any], path: str) -> Any:
    try:
        return yaml_value(base, path)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
