"""Load scenario YAML files into a validated `Scenario`, with errors that point at file and line.

A scenario file may start from another one (``extends: base.yaml``): mappings are merged key by
key, the extending file winning; lists and scalars are replaced wholesale. A faction set to null
(``factions: {KNB: null}``) removes the faction of that name inherited from the extended file; a
null for a faction no extended file defines is an error. Every key and list item remembers the
file and line its final value came from, so a validation error in the merged document is
reported where the user has to fix it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from transition_sim.scenario.schema import Scenario

# A dotted path ("factions.KNB.loyalty") -> the file and line where its value was written.
Locations = dict[str, tuple[Path, int]]
Problem = tuple[int | None, str | None, str]

_PATH_PREFIX = re.compile(r"^(\S+): (.*)$", re.DOTALL)


class ScenarioError(Exception):
    """A scenario that cannot be loaded; `str()` gives one ``file:line: field: message`` per
    problem, `.file`/`.line`/`.field`/`.message` describe the first one."""

    def __init__(
        self,
        file: Path,
        line: int | None,
        field: str | None,
        message: str,
        *,
        problems: list[Problem] | None = None,
        files: list[Path] | None = None,
    ) -> None:
        self.file = Path(file)
        self.line = line
        self.field = field
        self.message = message
        self.problems: list[Problem] = problems or [(line, field, message)]
        # The file of each problem (a validation error may sit in a parent file).
        self.files: list[Path] = files or [self.file] * len(self.problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            _format(file, line, field, message)
            for file, (line, field, message) in zip(self.files, self.problems, strict=True)
        )


def _format(file: Path, line: int | None, field: str | None, message: str) -> str:
    where = f"{file}:{line}" if line is not None else str(file)
    return f"{where}: {field}: {message}" if field else f"{where}: {message}"


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping key and sequence item.

    Lines are keyed by the id() of the constructed dict or list, which stays alive (and so keeps
    its id) for as long as the loaded document does.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.key_lines: dict[int, dict[str, int]] = {}
        self.item_lines: dict[int, list[int]] = {}

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        _check_duplicates(node)
        data.update(self.construct_mapping(node))
        # After construct_mapping, node.value holds merged (<<) entries first, then the own ones.
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            lines[str(self.construct_object(key_node))] = key_node.start_mark.line + 1
        self.key_lines[id(data)] = lines

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Any:
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))
        self.item_lines[id(data)] = [item.start_mark.line + 1 for item in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)


def _check_duplicates(node: yaml.MappingNode) -> None:
    """PyYAML silently keeps the last of two equal keys; in a scenario that is always a typo."""
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key_node.value!r} (first at line {seen[key_node.value]})",
                problem_mark=key_node.start_mark,
            )
        seen[key_node.value] = line


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _index(value: Any, path: str, file: Path, loader: _LineLoader, out: Locations) -> None:
    """Record (file, line) for every key and item below `value`."""
    if isinstance(value, dict):
        lines = loader.key_lines.get(id(value), {})
        for key, child in value.items():
            sub = _join(path, key)
            out[sub] = (file, lines.get(str(key), out[path][1]))
            _index(child, sub, file, loader, out)
    elif isinstance(value, list):
        lines = loader.item_lines.get(id(value), [])
        for i, child in enumerate(value):
            sub = _join(path, i)
            out[sub] = (file, lines[i] if i < len(lines) else out[path][1])
            _index(child, sub, file, loader, out)


def _paths(value: Any, path: str = "") -> list[str]:
    """Every dotted path in a document, the root ("") included."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, _join(path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, _join(path, i))
    return found


def _read(path: Path) -> tuple[dict[str, Any], Locations]:
    """Parse one YAML file (no extends) into a mapping and the line of each of its paths."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, None, None, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, None, "is a directory, not a scenario file") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, None, None, "cannot read: not UTF-8 text") from None
    except OSError as exc:
        raise ScenarioError(path, None, None, f"cannot read: {exc.strerror or exc}") from None

    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        if mark is None:
            raise ScenarioError(path, None, None, f"invalid YAML: {problem}") from None
        message = f"invalid YAML: {problem} (column {mark.column + 1})"
        raise ScenarioError(path, mark.line + 1, None, message) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(path, None, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()

    if data is None:
        raise ScenarioError(path, None, None, "file is empty (a scenario needs at least `name:`)")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        message = f"the top level must be a mapping of keys to values, not {kind}"
        raise ScenarioError(path, node.start_mark.line + 1, None, message)
    locations: Locations = {"": (path, node.start_mark.line + 1)}
    _index(data, "", path, loader, locations)
    return data, locations


def _merge(base: Any, child: Any) -> Any:
    """Deep-merge mappings (child wins); anything else in the child replaces the base value."""
    if isinstance(base, dict) and isinstance(child, dict):
        merged = dict(base)
        for key, value in child.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return child


def _resolve(
    path: Path, chain: tuple[tuple[Path, Path], ...] = ()
) -> tuple[dict[str, Any], Locations, list[Path]]:
    """Load `path` and the files it extends; return the merged mapping, its locations and the
    files involved (the extending one first). `chain` is (resolved, as given) of the files
    extending this one, to spot cycles."""
    data, locations = _read(path)
    if "extends" not in data:
        _removed_factions(path, data, locations, None)
        return data, locations, [path]

    target_name = data.pop("extends")
    line = locations["extends"][1]
    locations = {p: loc for p, loc in locations.items() if p != "extends"}
    if not isinstance(target_name, str) or not target_name.strip():
        raise ScenarioError(path, line, "extends", "must be the name of a scenario file")
    target = path.parent / target_name
    chain = (*chain, (path.resolve(), path))
    resolved = [r for r, _ in chain]
    if target.resolve() in resolved:
        start = resolved.index(target.resolve())
        cycle = " -> ".join(str(shown) for _, shown in chain[start:])
        raise ScenarioError(path, line, "extends", f"extends cycle: {cycle} -> {target}")
    if not target.is_file():
        raise ScenarioError(path, line, "extends", f"file to extend not found: {target}")

    base, base_locations, files = _resolve(target, chain)
    removed = _removed_factions(path, data, locations, base)
    merged = _merge(base, data)
    for name in removed:
        del merged["factions"][name]
    merged_locations = {
        p: locations.get(p) or base_locations[p]
        for p in _paths(merged)
        if p in locations or p in base_locations
    }
    return merged, merged_locations, [path, *files]


def _removed_factions(
    path: Path, data: dict[str, Any], locations: Locations, base: dict[str, Any] | None
) -> list[Any]:
    """The factions `data` (read from `path`) sets to null, that is removes from `base`, the
    merged files it extends (None if it extends none); each must be defined there."""
    factions = data.get("factions")
    if not isinstance(factions, dict):
        return []
    inherited = (base or {}).get("factions")
    removed = [name for name, value in factions.items() if value is None]
    for name in removed:
        if not isinstance(inherited, dict) or name not in inherited:
            field = _join("factions", name)
            where = "this file extends none" if base is None else "no extended file defines it"
            message = f"null removes an inherited faction, but {where}"
            raise ScenarioError(path, locations[field][1], field, message)
    return removed


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file; raise `ScenarioError` if it is
    not a valid scenario, naming the file, line and field of every problem."""
    path = Path(path)
    data, locations, files = _resolve(path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _scenario_error(exc, locations, files) from None


def _scenario_error(exc: ValidationError, locations: Locations, files: list[Path]) -> ScenarioError:
    """Turn pydantic's errors into located, human messages, sorted by file and line."""
    located = []
    for error in exc.errors():
        field, message = _describe(error)
        file, line = _locate(field, locations)
        located.append((file, line, field, message))
    located.sort(key=lambda p: (files.index(p[0]) if p[0] in files else len(files), p[1]))
    file, line, field, message = located[0]
    return ScenarioError(
        file,
        line,
        field,
        message,
        problems=[(ln, fd, msg) for _, ln, fd, msg in located],
        files=[f for f, *_ in located],
    )


def _locate(field: str | None, locations: Locations) -> tuple[Path, int]:
    """The location of `field`, or of its nearest ancestor that is written in the file (a
    missing field is reported at its parent mapping)."""
    path = field or ""
    while path not in locations:
        path = path.rpartition(".")[0]
    return locations[path]


def _describe(error: Any) -> tuple[str | None, str]:
    """A dotted field path and a short message for one pydantic error."""
    loc = error["loc"]
    field = ".".join(str(part) for part in loc) or None
    kind = error["type"]
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        # Scenario-wide checks name their field in the message: "links.0.a: region ...".
        match = _PATH_PREFIX.match(message)
        if not loc and match and match[1].split(".")[0] in Scenario.model_fields:
            return match[1], match[2]
        return field, message
    if kind == "missing":
        return field, "required field is missing"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields) if model else [])
        return field, f"unknown key (did you mean {close[0]!r}?)" if close else "unknown key"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        message = "should be a mapping of keys to values"
    elif kind == "list_type":
        message = "should be a list"
    else:
        message = error["msg"][0].lower() + error["msg"][1:]
    value = error.get("input")
    if value is None or isinstance(value, str | int | float | bool):
        shown = json.dumps(value, default=str)
        message += f" (got {shown if len(shown) <= 40 else shown[:37] + '...'})"
    return field, message


def unwrap_annotation(annotation: Any) -> Any:
    """Strip `Annotated[...]` and `X | None` down to X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            arms = [a for a in get_args(annotation) if a is not type(None)]
            if len(arms) != 1:
                return annotation
            annotation = arms[0]
        else:
            return annotation


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The section model expected at `loc`, for "did you mean" hints on unknown keys."""
    annotation: Any = Scenario
    for part in loc:
        annotation = unwrap_annotation(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part not in annotation.model_fields:
                return None
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            return None
    annotation = unwrap_annotation(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


class _Dumper(yaml.SafeDumper):
    """Block style, except short lists of plain values, which read better inline: [0.02, 0.05]."""

    def represent_list(self, data: list[Any]) -> yaml.SequenceNode:
        flow = all(not isinstance(item, dict | list) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (every default written out) as YAML, in schema field order,
    so a run can be reproduced from this one file alone."""
    return yaml.dump(
        scenario.model_dump(mode="json"),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the canonical JSON of the resolved scenario: equal scenarios, equal hashes,
    however their files were written (comments, key order, extends, defaults spelled out)."""
    canonical = json.dumps(
        scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, for editor completion and checks (`extends` included)."""
    schema = Scenario.model_json_schema()
    schema["properties"] = {
        "extends": {
            "type": "string",
            "title": "Extends",
            "description": "Scenario file this one starts from, relative to this file.",
        },
        **schema["properties"],
    }
    return schema
