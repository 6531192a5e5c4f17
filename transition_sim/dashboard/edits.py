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

__all__ = ["apply_values", "edited_yaml", "error_text", "overrides"]


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
    # default_flow_style=None: mappings and lists of plain values inline, the rest as blocks.
    body = yaml.safe_dump(
        {"extends": extends, **(changes or {})},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
    return "\n".join(header) + "\n" + body


def error_text(err: ScenarioError) -> str:
    """The loader's message (``file:line: field: message`` lines, as on the command line), with
    each file named as the reader knows it: by its name, not by the path of the dashboard's
    working copy."""
    return "\n".join(_DIRECTORY.sub("", line) for line in str(err).splitlines())


# The folders before the file name that opens a message line ("/tmp/x/uploads/ab/").
_DIRECTORY = re.compile(r"^[^:\n]*[/\\](?=[^/\\:]*:)")
