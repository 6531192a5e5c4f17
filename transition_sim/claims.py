"""The claims registry: what grounds each parameter of a scenario.

`seeds/claims.yaml` holds three lists: the panelists' claims (a verbatim quote from the article
and the direction it gives parameters), facts with a public source (which may pin a value), and
the modeller's assumptions (parameters no claim or fact settles, with the reason for their value).
Everything here is plain functions over plain data; the tests in `tests/test_claims.py` check the
registry against the article, the schema, the baseline scenario and the code.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from transition_sim.scenario.address import segment, yaml_value
from transition_sim.scenario.loader import load_scenario, unwrap_annotation
from transition_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_PATH = ROOT / "seeds" / "claims.yaml"
ARTICLE_PATH = ROOT / "seeds" / "000_fc8d88c85769860e.txt"
BASELINE_PATH = ROOT / "scenarios" / "kazakhstan_2022.yaml"

# A citation in code or docs: one or several ids in one bracket, separated by ", ".
CITATION = re.compile(r"\[([CFA]-[a-z0-9-]+)(?:, *[CFA]-[a-z0-9-]+)*\]")
ID = re.compile(r"[CFA]-[a-z0-9-]+")


@dataclass(frozen=True)
class ClaimParameter:
    path: str
    direction: str


@dataclass(frozen=True)
class Claim:
    id: str
    speaker: str
    quote: str
    mechanism: str
    parameters: list[ClaimParameter]


@dataclass(frozen=True)
class FactParameter:
    path: str
    value: Any = None  # None: the fact informs the parameter without pinning its value


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str
    source: str
    verified: bool
    parameters: list[FactParameter]


@dataclass(frozen=True)
class Assumption:
    id: str
    parameters: list[str]
    reason: str
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # plausible [low, high]


@dataclass(frozen=True)
class Registry:
    claims: list[Claim]
    facts: list[Fact]
    assumptions: list[Assumption]

    def ids(self) -> list[str]:
        """Every id, in file order (duplicates kept, so they can be found)."""
        return [e.id for e in (*self.claims, *self.facts, *self.assumptions)]

    def ranges(self) -> dict[str, tuple[float, float]]:
        """The stated plausible range of each parameter that has one."""
        return {path: r for a in self.assumptions for path, r in a.ranges.items()}

    def paths_by_id(self) -> dict[str, list[str]]:
        """The parameter paths each entry names."""
        out = {c.id: [p.path for p in c.parameters] for c in self.claims}
        out |= {f.id: [p.path for p in f.parameters] for f in self.facts}
        out |= {a.id: list(a.parameters) for a in self.assumptions}
        return out


# -- loading ------------------------------------------------------------------------------------
def load_registry(path: str | Path | None = None) -> Registry:
    """Read the registry (default: the repository's `seeds/claims.yaml`)."""
    data = yaml.safe_load(Path(path or REGISTRY_PATH).read_text(encoding="utf-8")) or {}
    claims = [
        Claim(
            id=c["id"],
            speaker=c["speaker"],
            quote=c["quote"],
            mechanism=c["mechanism"],
            parameters=[
                ClaimParameter(p["path"], str(p["direction"])) for p in c.get("parameters") or []
            ],
        )
        for c in data.get("claims") or []
    ]
    facts = [
        Fact(
            id=f["id"],
            statement=f["statement"],
            source=f.get("source") or "",
            verified=bool(f["verified"]),
            parameters=[
                FactParameter(p["path"], p.get("value")) for p in f.get("parameters") or []
            ],
        )
        for f in data.get("facts") or []
    ]
    assumptions = [
        Assumption(
            id=a["id"],
            parameters=list(a.get("parameters") or []),
            reason=a["reason"],
            ranges={k: (float(lo), float(hi)) for k, (lo, hi) in (a.get("ranges") or {}).items()},
        )
        for a in data.get("assumptions") or []
    ]
    return Registry(claims, facts, assumptions)


# -- parameter paths ----------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_leaves(value: Any, path: str, out: set[str]) -> None:
    if _is_number(value):
        out.add(path)
    elif isinstance(value, dict):
        for key, child in value.items():
            _numeric_leaves(child, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        if value and all(_is_number(v) for v in value):
            out.add(path)  # a list of numbers is one parameter
            return
        for i, child in enumerate(value):
            _numeric_leaves(child, f"{path}.{segment(child, i)}", out)


def numeric_parameter_paths(scenario_yaml_path: str | Path) -> set[str]:
    """Every numeric value a scenario file itself sets (not defaults, not `extends`)."""
    data = yaml.safe_load(Path(scenario_yaml_path).read_text(encoding="utf-8")) or {}
    out: set[str] = set()
    _numeric_leaves(data, "", out)
    return out


def _covers(entry_path: str, path: str) -> bool:
    return path == entry_path or path.startswith(entry_path + ".")


def coverage(registry: Registry, paths: set[str] | list[str]) -> dict[str, list[str]]:
    """For each path, the ids of the entries that name it (or a section containing it)."""
    named = registry.paths_by_id()
    return {
        path: [
            id_ for id_, entry_paths in named.items() if any(_covers(p, path) for p in entry_paths)
        ]
        for path in sorted(paths)
    }


def uncovered(registry: Registry, paths: set[str] | list[str]) -> list[str]:
    """The paths no claim, fact or assumption names."""
    return [path for path, ids in coverage(registry, paths).items() if not ids]


# -- claims' directions against a scenario ---------------------------------------------------------
_COMPARISON = re.compile(r"(>=|<=|>|<|=) *(-?\d+(?:\.\d+)?)")
_RELATIVE = re.compile(r"^(greater|less) than (\S+)$")
_OPERATORS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
}


def direction_violations(
    registry: Registry, scenario_path: str | Path = BASELINE_PATH
) -> list[str]:
    """Claims' directions that the (resolved) scenario contradicts.

    Only the checkable forms are checked: ``enabled``, comparisons with numbers that open the
    direction (``> 0``, ``> 0 and < 0.5``) and ``greater/less than <path>``; prose directions
    ("small", "close to 1") are left to the reader.
    """
    values = load_scenario(scenario_path).model_dump(mode="json")
    problems = []
    for claim in registry.claims:
        for p in claim.parameters:
            try:
                value = yaml_value(values, p.path)
            except KeyError:
                continue
            direction = p.direction.strip()
            relative = _RELATIVE.match(direction)
            if direction == "enabled":
                ok = value is True
            elif relative:
                other = yaml_value(values, relative[2])
                ok = value > other if relative[1] == "greater" else value < other
            elif _COMPARISON.match(direction) and _is_number(value):
                ok = all(
                    _OPERATORS[op](value, float(x)) for op, x in _COMPARISON.findall(direction)
                )
            else:
                continue
            if not ok:
                problems.append(f"{claim.id}: {p.path} = {value!r}, claim says {direction!r}")
    return problems


# -- checks against the schema ------------------------------------------------------------------


def _path_problem(path: str, baseline: Scenario) -> str | None:
    """Why `path` is not a parameter of the schema, or None if it is.

    Walks the `Scenario` model's fields alongside the baseline scenario: dict keys (factions,
    deployment) are free, named list items (regions, sites) must exist in the baseline, other
    list items (shocks, links) and tuple/list elements are indices.
    """
    annotation: Any = Scenario
    value: Any = baseline
    for part in path.split("."):
        annotation = unwrap_annotation(annotation)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part not in annotation.model_fields:
                return f"{path}: {part!r} is not a field of {annotation.__name__}"
            annotation = annotation.model_fields[part].annotation
            value = getattr(value, part, None)
        elif origin is dict:
            annotation = get_args(annotation)[1]
            value = value.get(part) if isinstance(value, dict) else None
        elif origin is list:
            item = unwrap_annotation(get_args(annotation)[0])
            annotation = item
            if (
                isinstance(item, type)
                and issubclass(item, BaseModel)
                and "name" in item.model_fields
            ):
                names = [x.name for x in value or []]
                if part not in names:
                    return f"{path}: no {item.__name__.lower()} named {part!r} in the baseline"
                value = value[names.index(part)]
            elif part.isdigit():
                value = value[int(part)] if value is not None and int(part) < len(value) else None
            else:
                return f"{path}: {part!r} should be a list index"
        elif origin is tuple:
            if not part.isdigit() or int(part) >= len(get_args(annotation)):
                return f"{path}: {part!r} is not an index of a pair"
            annotation = get_args(annotation)[int(part)]
            value = None
        else:
            return f"{path}: {part!r} goes below a single value"
    return None


def schema_paths_exist(registry: Registry, baseline_path: str | Path = BASELINE_PATH) -> list[str]:
    """Problems with the parameter paths the registry names (empty when all exist)."""
    baseline = load_scenario(baseline_path)
    problems = []
    for id_, paths in registry.paths_by_id().items():
        for path in paths:
            problem = _path_problem(path, baseline)
            if problem:
                problems.append(f"{id_}: {problem}")
    return problems


# -- citations ----------------------------------------------------------------------------------
def code_references(root: Path = ROOT) -> dict[str, list[str]]:
    """Where each id is cited (``file:line``) in `transition_sim/**/*.py` and `docs/*.md`."""
    files = sorted((root / "transition_sim").rglob("*.py")) + sorted((root / "docs").glob("*.md"))
    refs: dict[str, list[str]] = {}
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            for match in CITATION.finditer(line):
                for id_ in ID.findall(match.group(0)):
                    refs.setdefault(id_, []).append(f"{file.relative_to(root)}:{number}")
    return refs


# -- printing -----------------------------------------------------------------------------------
def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_claims(console: Console) -> None:
    """The registry as tables: claims (with where the code uses them), facts, assumptions."""
    registry = load_registry()
    refs = code_references()

    def used(id_: str) -> str:
        files = {
            ref.rpartition(":")[0].removeprefix("transition_sim/") for ref in refs.get(id_, [])
        }
        return "\n".join(sorted(files)) or "—"

    claims = Table(title=f"Claims ({len(registry.claims)})", show_lines=True)
    claims.add_column("id", no_wrap=True)
    for column in ("speaker", "quote", "parameters", "used in"):
        claims.add_column(column)
    for c in registry.claims:
        params = "\n".join(f"{p.path} {p.direction}" for p in c.parameters) or "— (not modelled)"
        claims.add_row(c.id, c.speaker, _short(c.quote), params, used(c.id))
    console.print(claims)

    facts = Table(title=f"Facts ({len(registry.facts)})", show_lines=True)
    facts.add_column("id", no_wrap=True)
    for column in ("statement", "source", "verified", "parameters"):
        facts.add_column(column)
    for f in registry.facts:
        params = "\n".join(
            p.path if p.value is None else f"{p.path} = {p.value}" for p in f.parameters
        )
        facts.add_row(f.id, _short(f.statement), f.source, "yes" if f.verified else "NO", params)
    console.print(facts)

    assumptions = Table(title=f"Assumptions ({len(registry.assumptions)})", show_lines=True)
    assumptions.add_column("id", no_wrap=True)
    for column in ("parameters", "reason"):
        assumptions.add_column(column)
    for a in registry.assumptions:
        assumptions.add_row(a.id, "\n".join(a.parameters), _short(a.reason, 100))
    console.print(assumptions)


# -- priors: the range and distribution of each assumption-sourced number -------------------------
# An assumption may give `priors: {PATH: [DISTRIBUTION, LOW, HIGH]}`, `fixed: [PATH, ...]` (numbers
# it deliberately holds at their value: run settings, definitions) and `prior_reason:`. A
# triangular prior has its mode at the scenario's value. The top-level `coupled:` lists the sets
# of paths that must keep their sum (loyalties, power shares, a deployment), completed by the
# rule of `transition_sim.scenario.address.coupled_values`.
DISTRIBUTIONS = ("uniform", "log-uniform", "triangular")
Distribution = Literal["uniform", "log-uniform", "triangular"]
# The stream a replication's parameters are drawn from: [seed, crc32(path), PRIOR_STREAM], so it
# is unrelated to the crowd's stream (seeded with the replication seed alone), and each path's
# draw does not depend on which other paths a scenario has.
PRIOR_STREAM = 0x5052494F  # "PRIO"


@dataclass(frozen=True)
class Prior:
    path: str
    distribution: Distribution
    low: float
    high: float
    entry: str = ""  # the assumption's id
    line: int | None = None  # where it is written in the registry file


@dataclass(frozen=True)
class Priors:
    file: Path
    priors: tuple[Prior, ...]
    fixed: tuple[str, ...]
    coupled: tuple[tuple[str, ...], ...]


class PriorError(ValueError):
    """A bad prior, with where it is written (`file:line: field: message`)."""

    def __init__(self, file: Path, line: int | None, field: str, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message
        super().__init__(f"{file}:{line or '?'}: {field}: {message}")


# libyaml's parser where PyYAML has it: the same values and lines as the pure-Python one, a tenth
# of the time (a run with drawn parameters reads the registry: a fifth of its start-up).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _priors_data(root: yaml.Node | None) -> Any:
    """The registry's document as `load_priors` reads it: of a mapping, only ``assumptions``
    and ``coupled`` are built into Python values (the claims and facts, most of the file, are
    not: `run` with drawn parameters reads the registry)."""
    loader = _SafeLoader("")
    try:
        if not isinstance(root, yaml.MappingNode):
            return None if root is None else loader.construct_document(root)
        wanted = ("assumptions", "coupled")
        _check_tags([value for key, value in root.value if key.value not in wanted], loader)
        return {
            key.value: loader.construct_object(value, deep=True)
            for key, value in root.value
            if key.value in wanted
        }
    finally:
        loader.dispose()


def _check_tags(nodes: list[yaml.Node], loader: yaml.SafeLoader) -> None:
    """A `yaml.constructor.ConstructorError` at the first node the safe loader could not build
    (an unknown tag, ``!!python/object``, ...): the sections `_priors_data` leaves unbuilt are
    still refused as `yaml.load` refused them (exit 2 at the line), at a fraction of the cost."""
    keys = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")  # keys its mappings resolve
    known = {*type(loader).yaml_constructors, *keys}
    todo, seen = list(nodes), set()
    while todo:
        node = todo.pop()
        if id(node) in seen:  # an alias: the same node again
            continue
        seen.add(id(node))
        if node.tag not in known:
            message = f"could not determine a constructor for the tag {node.tag!r}"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark)
        if isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(n for pair in node.value for n in pair)


def _node_lines(root: yaml.Node | None) -> dict[str, int]:
    """Line of each prior, fixed list and coupled set in the registry's composed document,
    keyed by a field name (``A-id.priors.PATH``, ``A-id.fixed``, ``coupled.I``)."""
    lines: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value == "assumptions" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if not isinstance(item, yaml.MappingNode):
                    continue
                fields = {k.value: v for k, v in item.value}
                id_ = getattr(fields.get("id"), "value", "?")
                for name in ("priors", "fixed", "prior_reason"):
                    if name in fields:
                        lines[f"{id_}.{name}"] = fields[name].start_mark.line + 1
                if isinstance(fields.get("priors"), yaml.MappingNode):
                    for k, _ in fields["priors"].value:
                        lines[f"{id_}.priors.{k.value}"] = k.start_mark.line + 1
        if key.value == "coupled" and isinstance(value, yaml.SequenceNode):
            lines["coupled"] = key.start_mark.line + 1
            for i, item in enumerate(value.value):
                lines[f"coupled.{i}"] = item.start_mark.line + 1
    return lines


def _number(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


def load_priors(path: str | Path | None = None) -> Priors:
    """The priors, fixed paths and coupled sets of the registry; `PriorError` if one is
    malformed (its shape only: see `prior_problems` for checks against a scenario)."""
    file = Path(path or REGISTRY_PATH)
    text = file.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=_SafeLoader)  # parsed once: values and lines
        data = _priors_data(root) or {}
        lines = _node_lines(root)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PriorError(file, line, "yaml", str(getattr(err, "problem", err))) from None
    if not isinstance(data, dict):
        raise PriorError(file, 1, "registry", "must be a mapping")
    priors: list[Prior] = []
    fixed: list[str] = []
    seen: dict[str, str] = {}
    for entry in data.get("assumptions") or []:
        if not isinstance(entry, dict):
            continue  # the registry's own checks (tests/test_claims.py) report it
        id_ = entry.get("id", "?")
        given = entry.get("priors") or {}
        if not isinstance(given, dict):
            raise PriorError(file, lines.get(f"{id_}.priors"), f"{id_}.priors", "must be a mapping")
        if (given or entry.get("fixed")) and not entry.get("prior_reason"):
            field_ = f"{id_}.prior_reason"
            raise PriorError(file, lines.get(f"{id_}.priors"), field_, "missing: say why")
        for p, spec in given.items():
            field_ = f"{id_}.priors.{p}"
            line = lines.get(field_)
            if p in seen:
                raise PriorError(file, line, field_, f"a second prior (first in {seen[p]})")
            seen[p] = id_
            shape = isinstance(spec, list) and len(spec) == 3
            low, high = (_number(spec[1]), _number(spec[2])) if shape else (None, None)
            if not shape or low is None or high is None:
                raise PriorError(file, line, field_, "must be [DISTRIBUTION, LOW, HIGH]")
            if spec[0] not in DISTRIBUTIONS:
                known = ", ".join(DISTRIBUTIONS)
                raise PriorError(
                    file, line, field_, f"unknown distribution {spec[0]!r} (known: {known})"
                )
            if low > high:
                raise PriorError(file, line, field_, f"low {low:g} > high {high:g}")
            if spec[0] == "log-uniform" and low <= 0:
                raise PriorError(file, line, field_, "a log-uniform prior needs low > 0")
            priors.append(Prior(p, spec[0], low, high, id_, line))
        fixed.extend(str(p) for p in entry.get("fixed") or [])
    coupled = []
    for i, members in enumerate(data.get("coupled") or []):
        if not (isinstance(members, list) and len(members) >= 2):
            raise PriorError(
                file, lines.get(f"coupled.{i}"), f"coupled.{i}", "must list two paths or more"
            )
        coupled.append(tuple(str(m) for m in members))
    return Priors(file, tuple(priors), tuple(fixed), tuple(coupled))


def _list_parent(path: str) -> str:
    """``a.b.3`` -> ``a.b`` (an element of a list of numbers), else the path itself."""
    parent, _, last = path.rpartition(".")
    return parent if last.isdigit() and parent else path


def prior_problems(
    priors: Priors, scenario_path: str | Path = BASELINE_PATH, scenario: Scenario | None = None
) -> list[PriorError]:
    """What is wrong with ``priors`` against a scenario (the baseline by default): a path that
    is not a single number there, or whose value lies outside its prior's range; a coupled
    member that is not a number. Empty when all is well. ``scenario``: the one in
    ``scenario_path``, if the caller has loaded it already (it is not read again)."""
    loaded = load_scenario(scenario_path) if scenario is None else scenario
    values = loaded.model_dump(mode="json")
    problems = []
    for p in priors.priors:
        field_ = f"{p.entry}.priors.{p.path}"
        try:
            value = yaml_value(values, p.path)
        except KeyError:
            problem = _path_problem(p.path, loaded)
            message = problem or f"{p.path} is not set in {Path(scenario_path).name}"
            problems.append(PriorError(priors.file, p.line, field_, message))
            continue
        if value is None and p.path in _unused_alternatives(values):
            continue  # the scenario gives the other of an exclusive pair: not drawn
        if not _is_number(value):
            message = f"{p.path} is {value!r}, not a single number"
            problems.append(PriorError(priors.file, p.line, field_, message))
        elif not p.low <= value <= p.high:
            name = Path(scenario_path).name  # the baseline, whatever scenario runs
            message = f"{p.path} is {value:g} in {name}, outside [{p.low:g}, {p.high:g}]"
            problems.append(PriorError(priors.file, p.line, field_, message))
    for p, end, why in _refused_ends(_drawn_for(priors, values), values):
        message = f"the prior reaches {end:g}, which the scenario refuses: {why}"
        problems.append(PriorError(priors.file, p.line, f"{p.entry}.priors.{p.path}", message))
    for i, members in enumerate(priors.coupled):
        for m in members:
            try:
                ok = _is_number(yaml_value(values, m))
            except KeyError:
                ok = False
            if not ok:
                message = f"{m} is not a number of {Path(scenario_path).name}"
                root = yaml.compose(priors.file.read_text(encoding="utf-8"), Loader=_SafeLoader)
                line = _node_lines(root).get(f"coupled.{i}")
                problems.append(PriorError(priors.file, line, f"coupled.{i}", message))
    return problems


# Settings a scenario gives one of, leaving the other null (schema: `Crowd._one_vision`): the
# prior of the one it leaves null is not drawn (`draw_priors` skips a value that is not a number).
EXCLUSIVE = (("crowd.vision", "crowd.vision_people"),)


def _unused_alternatives(values: dict[str, Any]) -> set[str]:
    """The members of `EXCLUSIVE` pairs that ``values`` (a scenario as plain data) leaves null
    while it gives the other."""
    unused = set()
    for pair in EXCLUSIVE:
        given = {m for m in pair if yaml_value(values, m) is not None}
        if given:
            unused |= set(pair) - given
    return unused


def _drawn_for(priors: Priors, values: dict[str, Any]) -> Priors:
    """``priors`` without the paths a scenario (plain data) settles itself: with a blocks crowd
    the rules blocks do not implement (`BLOCKS_REFUSE`, left at their value, as
    `ensemble.uncertainty` draws them: not at all)."""
    from transition_sim.scenario.schema import settled_paths

    settled = settled_paths(values)
    kept = tuple(p for p in priors.priors if p.path not in settled)
    return Priors(priors.file, kept, priors.fixed, priors.coupled)


def _refused_ends(priors: Priors, values: dict[str, Any]) -> list[tuple[Prior, float, str]]:
    """The ends of the priors that the scenario (``values``, plain data) refuses: a draw there
    would stop a run midway. Only the priors `draw_priors` draws for it, outside coupled sets
    (whose draws are rescaled). Every low at once, then every high; one by one on a refusal,
    then pair by pair (two shares that must not exceed 1 together, say); then ends refused only
    mixed (`_refused_mixed`). Each: (prior, its end, why; ``with PATH at VALUE: `` naming the
    other of a pair)."""
    from transition_sim.scenario.address import refusal  # here: as `draw_priors`'s numpy

    coupled = {m for members in priors.coupled for m in members}
    drawn = []
    for p in priors.priors:
        try:
            value = yaml_value(values, p.path)
        except KeyError:
            continue
        if p.path not in coupled and _is_number(value) and p.low <= value <= p.high:
            drawn.append(p)
    refused = []
    for end in ("low", "high"):
        why = refusal(values, {p.path: getattr(p, end) for p in drawn})
        if why is None:
            continue
        alone = []
        for p in drawn:
            why_alone = refusal(values, {p.path: getattr(p, end)})
            if why_alone is not None:
                alone.append((p, float(getattr(p, end)), why_alone))
        corner = {p.path: getattr(p, end) for p in drawn}
        refused += alone or _refused_pairs(drawn, values, [(end, end)], why, corner)
    return refused or _refused_mixed(drawn, values)


def refused_ends(priors: Sequence[Prior], values: dict[str, Any]) -> list[tuple[Prior, float, str]]:
    """`_refused_ends` for priors drawn with no coupled set (a fit's): (prior, end, why)."""
    return _refused_ends(Priors(Path(), tuple(priors), (), ()), values)


def _siblings(drawn: list[Prior]) -> list[list[Prior]]:
    """The priors in groups of siblings (numbers of one object or list: what the schema's rules
    tie, e.g. ascending thresholds, a range's low and high, shares with a sum), in order."""
    groups: dict[str, list[Prior]] = {}
    for p in drawn:
        groups.setdefault(p.path.rpartition(".")[0], []).append(p)
    return [sorted(g, key=_sibling_order) for g in groups.values() if len(g) > 1]


def _refused_pairs(
    drawn: list[Prior],
    values: dict[str, Any],
    ends: list[tuple[str, str]],
    why: str,
    corner: dict[str, float],
) -> list[tuple[Prior, float, str]]:
    """Which pairs of sibling priors, at ``ends`` (theirs, in order), the scenario refuses,
    when a draw of them all (``corner``, refused for ``why``) was refused and no prior alone:
    the first such pair, else the fewest priors of ``corner`` still refused (each left at its
    point value in turn, and kept there if the refusal stays: priors of two objects, say a
    region's violent share and the protesters' crime share it takes), blamed on the first of
    them, naming the others (not on the registry's first prior, which may be unrelated)."""
    from transition_sim.scenario.address import fewest_refused, refusal

    for group in _siblings(drawn):
        for p, q in combinations(group, 2):
            for end, other_end in ends:
                other = getattr(q, other_end)
                why_pair = refusal(values, {p.path: getattr(p, end), q.path: other})
                if why_pair is not None:
                    return [(p, float(getattr(p, end)), f"with {q.path} at {other:g}: {why_pair}")]
    kept, why = fewest_refused(corner, why, lambda fewer: refusal(values, fewer))
    (path, value), *others = kept.items()
    first = next(p for p in drawn if p.path == path)
    with_ = ", ".join(f"{other} at {v:g}" for other, v in others)
    return [(first, float(value), f"with {with_}: {why}" if others else why)]


def _refused_mixed(drawn: list[Prior], values: dict[str, Any]) -> list[tuple[Prior, float, str]]:
    """Ends the scenario refuses only mixed, though each alone and all lows or all highs at
    once run: a sibling at its high end and another at its low (overlapping ranges of two
    thresholds crossed them in a draw in six, midway). Two draws test every neighbour at once
    (each group of siblings in order, alternately high and low, then low and high); on a
    refusal, pair by pair (`_refused_pairs`)."""
    from transition_sim.scenario.address import refusal

    flip = {"low": "high", "high": "low"}
    for first in ("high", "low"):
        corner = {
            p.path: getattr(p, first if i % 2 == 0 else flip[first])
            for group in _siblings(drawn)
            for i, p in enumerate(group)
        }
        why = refusal(values, corner) if corner else None
        if why is not None:
            ends = [("high", "low"), ("low", "high")]
            grouped = [p for g in _siblings(drawn) for p in g]
            return _refused_pairs(grouped, values, ends, why, corner)
    return []


def _sibling_order(p: Prior) -> tuple[int, int, str]:
    """The elements of a list in their order, then an object's numbers by name."""
    last = p.path.rpartition(".")[2]
    return (0, int(last), "") if last.isdigit() else (1, 0, last)


def refused_draws(priors: Priors, scenario: Scenario, file: str | Path) -> list[PriorError]:
    """For a scenario other than the baseline drawn from ``priors`` (a case of the library, read
    from ``file``), what `prior_problems` checks of the baseline's: the ends of the priors it
    refuses, at which a draw would stop a run midway (a prior crossing one of its own numbers).
    Paths the scenario settles itself (a blocks crowd's `BLOCKS_REFUSE`) are not drawn."""
    values = scenario.model_dump(mode="json")
    drawn = _drawn_for(priors, values)
    return [
        PriorError(
            priors.file,
            p.line,
            f"{p.entry}.priors.{p.path}",
            f"the prior reaches {end:g}, which {file} refuses: {why}",
        )
        for p, end, why in _refused_ends(drawn, values)
    ]


def unprioried(registry: Registry, priors: Priors, paths: set[str] | list[str]) -> list[str]:
    """The assumption-sourced numbers among ``paths`` (named by an assumption, no fact pins
    their value) with neither a prior nor a place in a `fixed:` list. A list of numbers counts
    as covered when one of its elements has a prior."""
    assumption_ids = {a.id for a in registry.assumptions}
    pinned = {p.path for f in registry.facts for p in f.parameters if p.value is not None}
    covered = {p.path for p in priors.priors} | {_list_parent(p.path) for p in priors.priors}
    covered |= set(priors.fixed)
    return [
        path
        for path, ids in coverage(registry, paths).items()
        if any(i in assumption_ids for i in ids) and path not in pinned and path not in covered
    ]


def draw_priors(priors: Sequence[Prior], seed: int, values: Mapping[str, Any]) -> dict[str, float]:
    """One draw of every prior whose path ``values`` (a scenario as plain data) has, with its
    value inside the prior's range (a scenario that sets a number elsewhere keeps it), from
    streams derived from ``seed`` (see `PRIOR_STREAM`). A triangular prior's mode is the
    scenario's value; a prior with low == high gives that value."""
    return draw_drawable(drawable(priors, values), seed)


def drawable(priors: Sequence[Prior], values: Mapping[str, Any]) -> list[tuple[Prior, Any]]:
    """The priors `draw_priors` draws for ``values`` (a scenario as plain data), each with the
    scenario's value: what a run's draws share, found once (`draw_drawable` draws them)."""
    out = []
    for p in priors:
        try:
            value = yaml_value(values, p.path)
        except KeyError:
            continue
        if not _is_number(value) or not p.low <= value <= p.high:
            continue
        out.append((p, value))
    return out


def draw_drawable(found: Sequence[tuple[Prior, Any]], seed: int) -> dict[str, float]:
    """`draw_priors`'s draw of the priors `drawable` found, from ``seed``."""
    crcs = [zlib.crc32(p.path.encode()) for p, _ in found]
    uniforms = prior_uniforms(seed, crcs)
    out = {}
    for (p, value), u in zip(found, uniforms, strict=True):
        if p.low == p.high:
            out[p.path] = p.low
        elif p.distribution == "uniform":
            out[p.path] = p.low + u * (p.high - p.low)
        elif p.distribution == "log-uniform":
            out[p.path] = math.exp(math.log(p.low) + u * (math.log(p.high) - math.log(p.low)))
        else:
            out[p.path] = _triangular(u, p.low, float(value), p.high)
    return out


# numpy's SeedSequence (pool of 4 words) and PCG64, as `np.random.default_rng(entropy).random()`
# computes them, for many entropies at once: a Generator per prior cost 10 us, two thirds of a
# draw's time. tests/test_prior_draws.py checks this against numpy, bit for bit.
_M32, _M64, _M128 = 0xFFFFFFFF, (1 << 64) - 1, (1 << 128) - 1
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341


def _uint32_words(n: int) -> list[int]:
    """An integer as SeedSequence reads it: 32-bit words, least significant first."""
    out = []
    while True:
        out.append(n & _M32)
        n >>= 32
        if not n:
            return out


def prior_uniforms(seed: int, crcs: Sequence[int], stream: int = PRIOR_STREAM) -> list[float]:
    """``np.random.default_rng([seed, crc, stream]).random()`` for each of ``crcs`` (32-bit),
    the same doubles."""
    import numpy as np  # here: the registry's other readers do not need it

    words = [*_uint32_words(seed), None, *_uint32_words(stream)]
    if len(words) > 4 or not crcs:  # a longer entropy mixes further: numpy's own way
        return [float(np.random.default_rng([seed, c, stream]).random()) for c in crcs]
    n = len(crcs)
    entropy = [
        np.asarray(crcs, dtype=np.uint32) if w is None else np.full(n, w, np.uint32) for w in words
    ]
    entropy += [np.zeros(n, np.uint32)] * (4 - len(entropy))
    shift = np.uint32(16)
    hash_const = _INIT_A

    def hashmix(value: Any) -> Any:
        nonlocal hash_const
        value = value ^ np.uint32(hash_const)
        hash_const = (hash_const * _MULT_A) & _M32
        value = value * np.uint32(hash_const)
        return value ^ (value >> shift)

    def mix(x: Any, y: Any) -> Any:
        result = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
        return result ^ (result >> shift)

    pool = [hashmix(e) for e in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    hash_const = _INIT_B
    state = []  # generate_state(4, uint64): eight 32-bit words, little-endian pairs
    for i in range(8):
        value = pool[i % 4] ^ np.uint32(hash_const)
        hash_const = (hash_const * _MULT_B) & _M32
        value = value * np.uint32(hash_const)
        state.append((value ^ (value >> shift)).astype(np.uint64).tolist())
    out = []
    for s0, s1, s2, s3, s4, s5, s6, s7 in zip(*state, strict=True):
        initstate = (s0 | s1 << 32) << 64 | (s2 | s3 << 32)
        inc = (((s4 | s5 << 32) << 64 | (s6 | s7 << 32)) << 1 | 1) & _M128
        pcg = ((inc + initstate) * _PCG_MULT + inc) & _M128  # seeded (srandom_r)
        pcg = (pcg * _PCG_MULT + inc) & _M128  # one step, then XSL-RR
        hi = pcg >> 64
        x, rot = (hi ^ (pcg & _M64)), hi >> 58
        x = ((x >> rot) | (x << (64 - rot))) & _M64
        out.append((x >> 11) * (1.0 / 9007199254740992.0))
    return out


def _triangular(u: float, low: float, mode: float, high: float) -> float:
    """The triangular distribution's quantile at ``u`` (inverse CDF; stays in [low, high])."""
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


# -- expectations: the claims as a battery (issue 16) -------------------------------------------
# A claim's `expects:` is a list of comparisons a program can check, or `{none: REASON}`. Each
# compares a baseline with a counterfactual on one output; `transition-sim check-claims` runs them
# (`transition_sim.studies.claims_battery`). Here: parsing and validation only, plain data.
SCENARIOS_DIR = ROOT / "scenarios"
DEFAULT_BASELINE = "kazakhstan_2022"
STATISTICS = ("share", "occurs", "mean", "median", "ratio")
DIRECTIONS = {"increase": 1, "decrease": -1}
RATIO_DIRECTIONS = {"above 1": 1, "below 1": -1}
_EXPECTATION_KEYS = {"says", "baseline", "scenario", "set", "direction", *STATISTICS}


@dataclass(frozen=True)
class Expectation:
    """One comparison a claim predicts: counterfactual against baseline, on one output."""

    claim: str
    key: str  # the claim's id, with ``#2``, ``#3`` for its later expectations
    says: str
    baseline: str  # a scenario of `SCENARIOS_DIR`, by name
    scenario: str | None  # the counterfactual's file, by name (None: the baseline)
    overrides: dict[str, Any]  # dotted path -> value, applied on top of `scenario`
    statistic: str  # one of STATISTICS
    target: tuple[str, ...]  # the outcomes (share) or the metric (one name)
    sign: int  # +1: the panel says the output rises (a ratio above 1); -1: falls
    line: int | None  # where it is written, for messages

    @property
    def direction(self) -> str:
        names = RATIO_DIRECTIONS if self.statistic == "ratio" else DIRECTIONS
        return next(k for k, v in names.items() if v == self.sign)

    def output(self) -> str:
        """The output in words: ``P(a or b)``, ``P(invitation_day defined)``, ``mean strikes``."""
        if self.statistic == "share":
            return f"P({' or '.join(self.target)})"
        if self.statistic == "occurs":
            return f"P({self.target[0]} happens)"
        if self.statistic == "ratio":
            return f"ratio of median {self.target[0]}"
        return f"{self.statistic} {self.target[0]}"

    def counterfactual(self) -> str:
        """The counterfactual in words: its scenario and the values it sets."""
        parts = [self.scenario] if self.scenario else []
        parts += [f"{path} = {value}" for path, value in self.overrides.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Untested:
    """A claim with no comparison a program can check, and why."""

    claim: str
    reason: str
    line: int | None


class ExpectationError(ValueError):
    """A bad `expects:` entry (or a bad request for one), located: ``file:line: field: message``."""

    def __init__(self, file: Path, line: int | None, field: str | None, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line is not None else str(file)
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def _located_yaml(path: Path) -> tuple[dict[str, Any], dict[str, tuple[Path, int | None]]]:
    """The registry as data, and the line of every dotted path in it (the scenario loader's
    reader: the same YAML rules and the same line bookkeeping)."""
    from transition_sim.scenario.loader import ScenarioError, read_located

    try:
        return read_located(path)
    except ScenarioError as err:
        raise ExpectationError(path, err.line, err.field, err.message) from None
    except OSError as err:
        raise ExpectationError(path, None, None, f"cannot read: {err.strerror or err}") from None


def load_expectations(
    path: str | Path | None = None,
    scenarios_dir: str | Path = SCENARIOS_DIR,
    metrics: set[str] | None = None,
) -> tuple[list[Expectation], list[Untested]]:
    """Every claim's expectations and the claims that have none, validated.

    Every claim must have `expects:`. A scenario must be a file of `scenarios_dir`, a path of
    `set:` must name a value of the scenario of the same type, an outcome must be one of the
    classes, and a metric one of `metrics` (when given). `ExpectationError` on the first problem.
    """
    file = Path(path or REGISTRY_PATH)
    data, where = _located_yaml(file)
    claims = data.get("claims")
    if not isinstance(claims, list):
        raise ExpectationError(file, where.get("", (file, None))[1], "claims", "must be a list")
    expectations: list[Expectation] = []
    untested: list[Untested] = []
    for i, claim in enumerate(claims):
        at = f"claims.{i}"
        line = where.get(at, (file, None))[1]
        if not isinstance(claim, dict) or not isinstance(claim.get("id"), str):
            raise ExpectationError(file, line, f"{at}.id", "a claim needs an id")
        id_ = claim["id"]
        if "expects" not in claim:
            message = "missing: write the comparisons it predicts, or {none: REASON}"
            raise ExpectationError(file, line, f"{id_}.expects", message)
        spec = claim["expects"]
        line = where.get(f"{at}.expects", (file, line))[1]
        if isinstance(spec, dict) and set(spec) == {"none"}:
            if not isinstance(spec["none"], str) or not spec["none"].strip():
                raise ExpectationError(file, line, f"{id_}.expects.none", "give the reason")
            untested.append(Untested(id_, spec["none"], line))
            continue
        if not isinstance(spec, list) or not spec:
            message = "must be a list of comparisons, or {none: REASON}"
            raise ExpectationError(file, line, f"{id_}.expects", message)
        for k, entry in enumerate(spec):
            lines = {
                key: loc[1]
                for key_path, loc in where.items()
                if key_path.startswith(f"{at}.expects.{k}.")
                for key in [key_path.removeprefix(f"{at}.expects.{k}.").split(".")[0]]
            }
            item_line = where.get(f"{at}.expects.{k}", (file, line))[1]
            key = id_ if k == 0 else f"{id_}#{k + 1}"
            expectations.append(
                _expectation(entry, id_, key, file, item_line, lines, Path(scenarios_dir), metrics)
            )
    return expectations, untested


def _expectation(
    entry: Any,
    claim: str,
    key: str,
    file: Path,
    line: int | None,
    lines: dict[str, int | None],
    scenarios_dir: Path,
    metrics: set[str] | None,
) -> Expectation:
    def fail(field: str, message: str) -> ExpectationError:
        return ExpectationError(file, lines.get(field, line), f"{key}.{field}", message)

    if not isinstance(entry, dict):
        raise ExpectationError(file, line, key, "a comparison must be a mapping")
    unknown = sorted(set(entry) - _EXPECTATION_KEYS)
    if unknown:
        known = ", ".join(sorted(_EXPECTATION_KEYS))
        raise fail(unknown[0], f"unknown field (known: {known})")
    says = entry.get("says")
    if not isinstance(says, str) or not says.strip():
        raise fail("says", "missing: the comparison in words")
    baseline = entry.get("baseline", DEFAULT_BASELINE)
    _scenario_file(baseline, scenarios_dir, fail, "baseline")
    scenario = entry.get("scenario")
    if scenario is not None:
        _scenario_file(scenario, scenarios_dir, fail, "scenario")
    overrides = entry.get("set") or {}
    if not isinstance(overrides, dict):
        raise fail("set", "must be a mapping of dotted paths to values")
    if scenario is None and not overrides:
        raise fail("scenario", "a comparison needs a counterfactual: `scenario:` and/or `set:`")
    statistics = [s for s in STATISTICS if s in entry]
    if len(statistics) != 1:
        raise fail(
            statistics[1] if statistics else "share",
            f"give exactly one output: {', '.join(STATISTICS)}",
        )
    statistic = statistics[0]
    target = _target(entry[statistic], statistic, metrics, fail)
    names = RATIO_DIRECTIONS if statistic == "ratio" else DIRECTIONS
    direction = entry.get("direction")
    if direction not in names:
        raise fail("direction", f"{direction!r}: for {statistic}, one of {', '.join(names)}")
    expectation = Expectation(
        claim, key, says.strip(), baseline, scenario, dict(overrides), statistic, target,
        names[direction], line,
    )  # fmt: skip
    try:
        counterfactual_scenario(expectation, scenarios_dir)
    except ExpectationError as err:
        raise fail("set", err.message) from None
    return expectation


def _scenario_file(name: Any, scenarios_dir: Path, fail: Any, field: str) -> Path:
    file = scenarios_dir / f"{name}.yaml"
    if not isinstance(name, str) or "/" in name or not file.is_file():
        known = ", ".join(sorted(p.stem for p in scenarios_dir.glob("*.yaml")))
        raise fail(field, f"unknown scenario {name!r} (scenarios/: {known})")
    return file


def _target(value: Any, statistic: str, metrics: set[str] | None, fail: Any) -> tuple[str, ...]:
    if statistic == "share":
        outcomes = [value] if isinstance(value, str) else value
        if not isinstance(outcomes, list) or not outcomes:
            raise fail("share", "a list of outcome classes")
        from transition_sim.scenario.schema import OUTCOMES

        for outcome in outcomes:
            if outcome not in OUTCOMES:
                raise fail("share", f"{outcome!r} is not an outcome ({', '.join(OUTCOMES)})")
        return tuple(outcomes)
    if not isinstance(value, str):
        raise fail(statistic, "the name of one metric")
    if metrics is not None and value not in metrics:
        raise fail(statistic, f"{value!r} is not a metric ({', '.join(sorted(metrics))})")
    return (value,)


def counterfactual_scenario(expectation: Expectation, scenarios_dir: Path = SCENARIOS_DIR) -> Any:
    """The counterfactual as a validated `Scenario`: its file (or the baseline's) with the
    overrides set; `ExpectationError` (no location) naming the path or value that is wrong."""
    from transition_sim.scenario.loader import ScenarioError, describe_error

    name = expectation.scenario or expectation.baseline
    try:
        scenario = load_scenario(scenarios_dir / f"{name}.yaml")
    except ScenarioError as err:
        raise ExpectationError(err.file, err.line, err.field, err.message) from None
    if not expectation.overrides:
        return scenario
    data = scenario.model_dump(mode="json")
    for path, value in expectation.overrides.items():
        _set(data, str(path), value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        field, said, _ = describe_error(err.errors()[0])
        message = f"invalid counterfactual: {field}: {said}" if field else said
        raise ExpectationError(Path(name), None, None, message) from None
    except ValueError as err:
        raise ExpectationError(Path(name), None, None, f"invalid counterfactual: {err}") from None


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path (as `yaml_value` reads it) if it is there, of a like type."""
    parent_path, _, last = path.rpartition(".")
    try:
        parent = yaml_value(data, parent_path) if parent_path else data
        if isinstance(parent, list):
            index = next(i for i, item in enumerate(parent) if segment(item, i) == last)
        elif isinstance(parent, dict) and last in parent:
            index = last  # type: ignore[assignment]
        else:
            raise KeyError(path)
    except (KeyError, StopIteration):
        raise ExpectationError(Path(path), None, None, f"{path}: no such value") from None
    old = parent[index]
    if not (_is_number(old) and _is_number(value)) and type(old) is not type(value):
        message = f"{path}: is {old!r}, cannot set {value!r}"
        raise ExpectationError(Path(path), None, None, message)
    parent[index] = value
