"""The dashboard's controls as plain data, generated from the scenario's JSON Schema and the
claims registry, so that they follow the schema as it changes.

`parameters(scenario)` walks the resolved scenario alongside its schema and returns one `Param`
per value a reader can set (numbers, switches, choices; names and labels are not parameters),
each with its bounds from the schema and its sources from `seeds/claims.yaml` (the panelist's
quote and speaker, the fact and its source, or the assumption and its reason). Paths are the
registry's: dots between keys, named list items by name, other list items by index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from transition_sim import claims
from transition_sim.scenario import Scenario, json_schema

# Set by the run controls (replications, seed), not by a parameter control.
RUN_SETTINGS = ("replications", "seed")
GENERAL = "scenario"  # the group of top-level values (days, ...)

Kind = Literal["number", "integer", "boolean", "choice"]

__all__ = ["RUN_SETTINGS", "Group", "Param", "Source", "group_params", "parameters", "sources"]


@dataclass(frozen=True)
class Source:
    """What grounds a parameter: a claim (quote by speaker), a fact (statement, source) or an
    assumption (reason)."""

    id: str
    kind: Literal["claim", "fact", "assumption"]
    text: str
    by: str  # the speaker, the fact's source, or "assumption"


@dataclass(frozen=True)
class Param:
    path: str
    group: str  # the section or actor it belongs to: "crowd", "factions.KNB", "regions.Almaty"
    kind: Kind
    value: Any
    title: str  # the path below its group, for the label
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    nullable: bool = False  # empty means "not set" (e.g. a region inherits the national share)
    options: tuple[Any, ...] = ()
    sources: tuple[Source, ...] = ()

    @property
    def bounds(self) -> str:
        """The allowed range in words, e.g. ``0 to 1``, ``at least 1``, ``above 0``."""
        if self.kind not in ("number", "integer"):
            return ""
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            left = "above " if self.exclusive_minimum else ""
            right = " (excluded)" if self.exclusive_maximum else ""
            return f"{left}{lo:g} to {hi:g}{right}"
        if lo is not None:
            return f"{'above' if self.exclusive_minimum else 'at least'} {lo:g}"
        if hi is not None:
            return f"{'below' if self.exclusive_maximum else 'at most'} {hi:g}"
        return ""


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    description: str
    params: list[Param] = field(default_factory=list)


def sources(registry: claims.Registry, paths: list[str]) -> dict[str, tuple[Source, ...]]:
    """The registry entries naming each path (or a section containing it)."""
    by_id: dict[str, Source] = {}
    for c in registry.claims:
        by_id[c.id] = Source(c.id, "claim", c.quote, c.speaker)
    for f in registry.facts:
        by_id[f.id] = Source(f.id, "fact", f.statement, f.source or "no source given")
    for a in registry.assumptions:
        by_id[a.id] = Source(a.id, "assumption", a.reason, "assumption")
    return {
        path: tuple(by_id[i] for i in ids if i in by_id)
        for path, ids in claims.coverage(registry, paths).items()
    }


class _Walker:
    """Walks a scenario's JSON dump alongside its JSON Schema, collecting parameters."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.found: list[Param] = []
        self.groups: dict[str, tuple[str, str]] = {}  # key -> (title, description)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow ``$ref``; keys written next to it (a field's description) win."""
        while "$ref" in node:
            target = self.defs[node["$ref"].rsplit("/", 1)[-1]]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def arm(self, node: dict[str, Any], value: Any) -> tuple[dict[str, Any] | None, bool]:
        """For ``anyOf`` (mostly ``X | None``): the arm that fits ``value``, and whether null
        is allowed."""
        if "anyOf" not in node:
            return node, False
        arms = [self.resolve(a) for a in node["anyOf"]]
        concrete = [a for a in arms if a.get("type") != "null"]
        nullable = len(concrete) < len(arms)
        wanted = {
            dict: ("object",),
            list: ("array",),
            bool: ("boolean",),
            int: ("integer", "number"),
            float: ("number",),
            str: ("string",),
        }.get(type(value), ())
        fitting = [a for a in concrete if a.get("type") in wanted or "enum" in a]
        if value is None:
            fitting = [a for a in concrete if a.get("type") in ("number", "integer")]
        if len(fitting) != 1:
            return None, nullable
        extra = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
        return {**fitting[0], **extra}, nullable

    def walk(self, value: Any, node: dict[str, Any], path: str, group: str) -> None:
        node, nullable = self.arm(self.resolve(node), value)
        if node is None:
            return
        kind = node.get("type")
        if kind == "object" and isinstance(value, dict):
            if "properties" in node:
                children = [(k, node["properties"][k]) for k in node["properties"] if k in value]
            else:
                item = node.get("additionalProperties")
                children = [(k, item) for k in value] if isinstance(item, dict) else []
            for key, child in children:
                sub = f"{path}.{key}" if path else key
                if path == "" and key in RUN_SETTINGS:
                    continue
                named = "properties" not in node  # a dict's keys name its items
                self.walk(value[key], child, sub, self.enter(group, sub, path, child, named))
        elif kind == "array" and isinstance(value, list):
            prefix = node.get("prefixItems")
            for i, item in enumerate(value):
                child = prefix[i] if prefix and i < len(prefix) else node.get("items", {})
                named = isinstance(item, dict) and isinstance(item.get("name"), str)
                sub = f"{path}.{item['name'] if named else i}"
                self.walk(item, child, sub, self.enter(group, sub, path, child, named))
        else:
            self.leaf(value, node, path, group, nullable)

    def enter(self, group: str, sub: str, parent: str, child: dict[str, Any], named: bool) -> str:
        """The group of ``sub``: a top-level section ("scenario" for top-level values), or a
        named item of a top-level collection (a faction, a region): an actor or place."""
        resolved = self.resolve(child)
        if parent == "":
            if resolved.get("type") not in ("object", "array"):
                self.groups.setdefault(
                    GENERAL,
                    (GENERAL, "Length of the run and other settings of the whole scenario."),
                )
                return GENERAL
            self.groups.setdefault(sub, (sub, resolved.get("description", "")))
            return sub
        if parent == group and named:
            title = sub.replace(".", " › ", 1)
            self.groups.setdefault(sub, (title, resolved.get("description", "")))
            return sub
        return group

    def leaf(self, value: Any, node: dict[str, Any], path: str, group: str, nullable: bool) -> None:
        kind: Kind
        if "enum" in node or "const" in node:
            kind, options = "choice", tuple(node.get("enum", [node.get("const")]))
        elif node.get("type") == "boolean":
            kind, options = "boolean", ()
        elif node.get("type") in ("number", "integer"):
            kind, options = node["type"], ()
        else:
            return  # names, labels, dates: not parameters
        lo = node.get("minimum", node.get("exclusiveMinimum"))
        hi = node.get("maximum", node.get("exclusiveMaximum"))
        title = path.removeprefix(group).lstrip(".") or path
        self.found.append(
            Param(
                path=path,
                group=group,
                kind=kind,
                value=value,
                title=title.replace(".", " › "),
                description=plain(node.get("description", "")),
                minimum=lo,
                maximum=hi,
                exclusive_minimum="exclusiveMinimum" in node,
                exclusive_maximum="exclusiveMaximum" in node,
                nullable=nullable,
                options=options,
            )
        )


def parameters(scenario: Scenario, registry: claims.Registry | None = None) -> list[Group]:
    """The scenario's settable values, grouped by section and actor in schema order, each with
    its sources from the registry (default: the repository's ``seeds/claims.yaml``)."""
    walker = _Walker(json_schema())
    walker.walk(scenario.model_dump(mode="json"), json_schema(), "", "")
    if registry is None:
        try:
            registry = claims.load_registry()
        except OSError:  # installed without the seeds folder: controls without help text
            registry = claims.Registry([], [], [])
    found = sources(registry, [p.path for p in walker.found])
    params = [Param(**{**p.__dict__, "sources": found.get(p.path, ())}) for p in walker.found]
    return group_params(params, walker.groups)


def plain(text: str) -> str:
    """Help text from a docstring, its reStructuredText literals shown as plain words."""
    return re.sub(r"``([^`]+)``", r"\1", text)


def group_params(params: list[Param], titles: dict[str, tuple[str, str]]) -> list[Group]:
    """Params collected into their groups, groups in first-seen order."""
    groups: dict[str, Group] = {}
    for p in params:
        title, description = titles.get(p.group, (p.group, ""))
        groups.setdefault(p.group, Group(p.group, title, plain(description))).params.append(p)
    return list(groups.values())
