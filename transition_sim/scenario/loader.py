"""Load scenario YAML files into a validated `Scenario`, with errors that point at file and line.

A scenario file may start from another one (``extends: base.yaml``, relative to the extending
file): mappings are merged key by key, the extending file winning; lists and scalars are replaced
wholesale. A faction set to null (``factions: {KNB: null}``) removes the faction of that name
inherited from the extended file; a null for a faction no extended file defines is an error.
Every key and list item remembers the file and line its final value came from, so a validation
error in the merged document is reported where the user has to fix it.

Files are read defensively (they may be careless or hostile): only regular files, at most
`MAX_FILE_BYTES`, plain text, at most `MAX_DEPTH` levels of nesting and `MAX_VALUES` values once
aliases are expanded, integers of at most `MAX_INTEGER`. Numbers and booleans are strict: text
is not a number (``days: "30"``), a boolean is not a number, a number is not a boolean. A
scenario that loads also runs: `transition_sim.scenario.feasibility` checks grids and memory.
An error never quotes another file's contents beyond a short key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import gc
import hashlib
import json
import math
import os
import re
import stat
import types
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from transition_sim.scenario.feasibility import check_feasible
from transition_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from transition_sim.scenario.posterior import Posterior

# Limits on what a scenario file may hold (README "Limits", docs/ODD.md section 6). The largest
# shipped scenario is 5 KB, 6 levels deep, with about 300 values.
MAX_FILE_BYTES = 1 << 20  # 1 MiB per file: the worst such file loads in a second or two
MAX_DEPTH = 32  # nested mappings and lists
MAX_VALUES = 1_000_000  # keys, values and items, counting every expansion of an alias
MAX_EXTENDS = 16  # files in one chain of extends
MAX_INTEGER = 2**53  # larger integers lose precision as floats and in JSON
MAX_PROBLEMS = 20  # problems listed in one error; the rest are counted

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


# libyaml's parser (C) where PyYAML was built with it (PyPI's wheels are): several times faster
# than the pure-Python one. Either way nodes carry marks (lines) and construction is Python.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """A safe loader that records the line of every mapping key and sequence item.

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

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, AttributeError):  # 2022-02-30 has a date's form and is none: the
            return self.construct_scalar(node)  # text, which the field refuses at its line

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError) as exc:
            # a tag PyYAML's constructor fails on (!!int foo, !!bool maybe): a located error
            tag = node.tag.rsplit(":", 1)[-1]
            value = f" {node.value!r}" if isinstance(node, yaml.ScalarNode) else ""
            problem = f"cannot read{value} as {tag} ({type(exc).__name__}: {exc})"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def _check_duplicates(node: yaml.MappingNode) -> None:
    """PyYAML silently keeps the last of two equal keys; in a scenario that is always a typo."""
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {_quote(key_node.value)} (first at line"
                f" {seen[key_node.value]})",
                problem_mark=key_node.start_mark,
            )
        seen[key_node.value] = line


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


# Characters YAML allows in a stream (YAML 1.1, section 5.1); the rest (NUL, other control
# characters, lone surrogates, U+FFFE/U+FFFF) mean the file is not text.
_NOT_TEXT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SIMPLE_KEY = re.compile(r"[\w\- ]{1,40}")  # shown as is in messages; other keys are quoted


def _quote(key: Any, limit: int = 24) -> str:
    """A key as messages show it: short, quoted, never a line of someone else's file."""
    text = str(key)
    shown = repr(text[:limit])  # repr escapes control characters
    return f"{shown[:-1]}…{shown[-1]}" if len(text) > limit else shown


def _show_field(field: str | None) -> str | None:
    """A dotted field path for a message, with every part that is not a plain name quoted."""
    if not field:
        return None
    return ".".join(p if _SIMPLE_KEY.fullmatch(p) else _quote(p) for p in field.split("."))


def _read_text(path: Path) -> str:
    """The text of a regular file of at most `MAX_FILE_BYTES`.

    Opened without blocking (a FIFO must not hang us) and checked with fstat on the open
    descriptor, so what is read is what was checked: no device (/dev/zero), pipe or folder.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ScenarioError(path, None, None, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, None, "is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        kind = os.fstat(fd).st_mode
        if stat.S_ISDIR(kind):
            raise ScenarioError(path, None, None, "is a directory, not a scenario file")
        if not stat.S_ISREG(kind):
            message = "is not a regular file (a device, pipe or socket), not a scenario file"
            raise ScenarioError(path, None, None, message)
        with open(fd, "rb", closefd=False) as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // 1024} KiB, the limit for a scenario"
        raise ScenarioError(path, None, None, message)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(path, None, None, "cannot read: not UTF-8 text") from None
    bad = _NOT_TEXT.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        message = (
            f"character U+{ord(bad[0]):04X} (column {column}) is not allowed:"
            " a scenario file is plain text"
        )
        raise ScenarioError(path, line, None, message)
    # One spelling for text that looks the same (é as one code point or as e + accent), so that
    # names compare as they read: two camps that look identical are one name, defined twice.
    return unicodedata.normalize("NFC", text)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is built.

    Building 10^5 nodes triggers collections that rescan every object made so far: on a 5 MB
    file they took 80% of the parse time. The document holds no garbage cycles to collect.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(path: Path, text: str) -> tuple[Any, yaml.Node | None, _LineLoader]:
    """Parse one YAML document: (data, its root node, the loader that knows its lines)."""
    loader = _LineLoader(text)
    try:
        with _no_gc():
            node = loader.get_single_node()
            if node is not None:
                _check_size(path, node)
            data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000 levels)
            problem = f"nested more than {MAX_DEPTH} levels deep"
        if len(problem) > 120:
            problem = problem[:117] + "..."
        if mark is None:
            raise ScenarioError(path, None, None, f"invalid YAML: {problem}") from None
        message = f"invalid YAML: {problem} (column {mark.column + 1})"
        raise ScenarioError(path, mark.line + 1, None, message) from None
    except RecursionError:  # the pure-Python parser (no libyaml) recurses per level
        message = f"invalid YAML: nested more than {MAX_DEPTH} levels deep"
        raise ScenarioError(path, None, None, message) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(path, None, None, f"invalid YAML: {str(exc)[:120]}") from None
    finally:
        loader.dispose()
    return data, node, loader


def _check_size(path: Path, root: yaml.Node) -> None:
    """Refuse documents nested deeper than `MAX_DEPTH` or with more than `MAX_VALUES` values
    once aliases are expanded (a "billion laughs" file is a few lines of aliases of aliases),
    and aliases that contain themselves. Walks the graph of collections once, without
    recursion (scalars, the bulk, are counted by their parent)."""
    size: dict[int, int] = {}  # id(node) -> values below it, itself included (aliases expanded)
    height: dict[int, int] = {}  # id(node) -> levels of collections below it, itself included
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            size[key], height[key] = 1, 0
        elif done:
            entered.discard(key)
            total, tallest = 1, 0
            for child in _children(node):
                if isinstance(child, yaml.ScalarNode):
                    total += 1
                else:
                    total += size[id(child)]
                    tallest = max(tallest, height[id(child)])
            size[key], height[key] = total, tallest + 1
            line = node.start_mark.line + 1
            if height[key] > MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep"
                raise ScenarioError(path, line, None, message)
            if total > MAX_VALUES:
                message = (
                    f"more than {MAX_VALUES:,} values, each use of an alias counted"
                    " (a scenario needs a few hundred)"
                )
                raise ScenarioError(path, line, None, message)
        elif key not in size:
            if key in entered:
                message = "an alias refers to a value that contains it (a recursive alias)"
                raise ScenarioError(path, node.start_mark.line + 1, None, message)
            entered.add(key)
            stack.append((node, True))
            stack.extend(
                (c, False)
                for c in _children(node)
                if not isinstance(c, yaml.ScalarNode) and id(c) not in size
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value  # a sequence's items


# Values a scenario file may hold besides mappings and lists (a datetime is refused later,
# by the schema, as a date with a time).
_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def _index(value: Any, path: str, file: Path, loader: _LineLoader, out: Locations) -> None:
    """Record (file, line) for every key and item below `value`, a mapping or a list, and
    check that it holds only what a scenario can: text keys, and values that are mappings,
    lists, text, numbers (integers of at most `MAX_INTEGER`), booleans, dates or null."""
    if isinstance(value, dict):
        lines = loader.key_lines.get(id(value), {})
        items: Any = value.items()
    else:
        lines = loader.item_lines.get(id(value), [])
        items = enumerate(value)
    for key, child in items:
        sub = f"{path}.{key}" if path else str(key)
        if isinstance(lines, dict):
            line = lines.get(str(key))
        else:  # a list not built by construct_yaml_seq (!!omap, !!pairs) has no lines
            line = lines[key] if key < len(lines) else None
        out[sub] = (file, line or out[path][1])
        if isinstance(child, dict | list):
            _index(child, sub, file, loader, out)
        elif type(child) not in _SCALARS:
            # Other YAML types (!!binary, !!set, !!omap) have no meaning in a scenario.
            message = f"a YAML {type(child).__name__} value has no meaning in a scenario"
            raise ScenarioError(file, out[sub][1], _show_field(sub), message)
        elif type(child) is int and abs(child) > MAX_INTEGER:
            message = f"number too large (the limit is 2^53 = {MAX_INTEGER:,})"
            raise ScenarioError(file, out[sub][1], _show_field(sub), message)
        if type(key) is not str and isinstance(value, dict):
            shown = json.dumps(key, default=str)[:24]
            message = f"key {shown} is not text; quote it if it is a name"
            raise ScenarioError(file, out[sub][1], _show_field(path), message)


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


def read_located(path: Path) -> tuple[dict[str, Any], Locations]:
    """Parse one YAML file (no extends) into a mapping and the line of each of its paths."""
    data, node, loader = _parse(path, _read_text(path))
    if data is None:
        raise ScenarioError(path, None, None, "file is empty (a scenario needs at least `name:`)")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
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
    path: Path,
    chain: tuple[tuple[Path, Path, int], ...] = (),
    within: tuple[Path, ...] | None = None,
) -> tuple[dict[str, Any], Locations, list[Path]]:
    """Load `path` and the files it extends; return the merged mapping, its locations and the
    files involved (the extending one first). `chain` is (resolved, as given, line of
    `extends`) of the files extending this one, to spot cycles and report where they point.
    ``within``: the folders the file this one extends must be in (`load_scenario`)."""
    data, locations = read_located(path)
    if chain and not any(key in Scenario.model_fields or key == "extends" for key in data):
        # Not a scenario (extends: /etc/passwd): say so without listing its keys.
        _, child, child_line = chain[-1]
        message = f"{path} is not a scenario file (none of its keys is a scenario field)"
        raise ScenarioError(child, child_line, "extends", message)
    if "extends" not in data:
        _removed_factions(path, data, locations, None)
        return data, locations, [path]

    target_name = data.pop("extends")
    line = locations["extends"][1]
    locations = {p: loc for p, loc in locations.items() if p != "extends"}
    if not isinstance(target_name, str) or not target_name.strip():
        raise ScenarioError(path, line, "extends", "must be the name of a scenario file")
    if len(chain) + 1 >= MAX_EXTENDS:
        message = f"more than {MAX_EXTENDS} files in one chain of extends"
        raise ScenarioError(path, line, "extends", message)
    target = path.parent / target_name  # relative to this file; an absolute name stays as is
    if within is not None and not _inside(target, within):
        # One answer whatever is there (missing, a folder, not a scenario, /etc/passwd), so
        # that it tells nothing about the files outside.
        message = f"{target_name!r} is not a scenario file in the scenarios folder"
        raise ScenarioError(path, line, "extends", message)
    try:
        resolved = [r for r, _, _ in chain] + [path.resolve()]
        here = target.resolve()
        kind = target.stat().st_mode if target.exists() else None
    except (OSError, ValueError) as exc:  # a name with a NUL byte, too long, a loop of links
        message = f"cannot open the file to extend: {getattr(exc, 'strerror', None) or exc}"
        raise ScenarioError(path, line, "extends", message) from None
    if here in resolved:
        shown = [s for _, s, _ in chain] + [path]
        cycle = " -> ".join(str(s) for s in shown[resolved.index(here) :])
        raise ScenarioError(path, line, "extends", f"extends cycle: {cycle} -> {target}")
    if kind is None:
        raise ScenarioError(path, line, "extends", f"file to extend not found: {target}")
    if stat.S_ISDIR(kind):
        message = f"file to extend is a directory, not a scenario file: {target}"
        raise ScenarioError(path, line, "extends", message)
    if not stat.S_ISREG(kind):
        message = f"file to extend is not a regular file (a device, pipe or socket): {target}"
        raise ScenarioError(path, line, "extends", message)

    base, base_locations, files = _resolve(target, (*chain, (path.resolve(), path, line)))
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


def _inside(target: Path, folders: tuple[Path, ...]) -> bool:
    """Whether ``target``, links resolved, is in one of ``folders`` (resolved by the caller)."""
    try:
        here = target.resolve()
    except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links
        return False
    return any(here.is_relative_to(folder) for folder in folders)


def scenario_file_problem(path: Path) -> str | None:
    """Why ``path``, named by a spec as its scenario, cannot be one, or None: missing, a folder,
    or not a regular file (a device, pipe or socket), each said as such (a folder or a pipe is
    not "not found"). Only ``stat`` (a pipe is not opened); the load itself checks again what
    it opens (`_read_text`)."""
    try:
        kind = path.stat().st_mode
    except FileNotFoundError:
        return f"scenario file not found: {path}"
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long, a loop of links
        return f"cannot open the scenario file {path}: {getattr(exc, 'strerror', None) or exc}"
    if stat.S_ISDIR(kind):
        return f"{path} is a directory, not a scenario file"
    if not stat.S_ISREG(kind):
        return f"{path} is not a regular file (a device, pipe or socket), not a scenario file"
    return None


def load_scenario(
    path: str | Path, *, within: Sequence[Path] | None = None, posterior: bool = True
) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file, and check that it can run; raise
    `ScenarioError` if it cannot, naming the file, line and field of every problem.

    With ``within`` (folders), the file it extends must be in one of them (links resolved), or
    it is refused with one message whatever the file is: a server reads no other file for a
    file it did not write. The files in those folders are the server's own, and may extend
    what they like.

    With ``posterior=False`` a ``from_posterior`` is dropped unread, as for a server: for a
    caller that runs the scenario at its point values only (the fit, which may be writing that
    very posterior)."""
    return load_scenario_and_posterior(path, within=within, posterior=posterior)[0]


def load_scenario_and_posterior(
    path: str | Path, *, within: Sequence[Path] | None = None, posterior: bool = True
) -> tuple[Scenario, Posterior | None]:
    """`load_scenario`, and the particles of its ``from_posterior`` as read and checked here
    (None without one, or unread): what a run draws from, so that it does not read the file a
    second time (it may have been replaced since)."""
    path = Path(path)
    folders = None if within is None else tuple(Path(f).resolve() for f in within)
    data, locations, files = _resolve(path, (), folders)
    try:
        # Strict (text is not a number, a boolean is not a number, a number is not a boolean)
        # and through JSON, where strict pydantic still takes lists for tuples and ISO dates.
        text = json.dumps(data, default=lambda date: date.isoformat())  # dates, datetimes
        scenario = Scenario.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise _scenario_error(exc, locations, files) from None
    problems = check_feasible(scenario)
    if problems:
        located = [(*locate(field, locations), field, message) for field, message in problems]
        raise _located_error(located, files)
    if scenario.from_posterior is not None and not posterior:
        return scenario.model_copy(update={"from_posterior": None}), None
    if scenario.from_posterior is not None:
        return _with_posterior(scenario, locations, folders)
    return scenario, None


def _with_posterior(
    scenario: Scenario, locations: Locations, folders: tuple[Path, ...] | None
) -> tuple[Scenario, Posterior | None]:
    """``scenario`` with its ``from_posterior`` resolved against the file that writes it, once
    the posterior is checked: readable, a posterior, and every column an address of this
    scenario (`ScenarioError` at the field's line otherwise); and the particles read. With
    ``folders`` (a server's load) it is dropped instead, unread."""
    from transition_sim.scenario.address import scenario_values
    from transition_sim.scenario.posterior import PosteriorError, column_problems, read_posterior

    if folders is not None:
        # A server (the dashboard) reads no file outside its folders, and runs at point
        # values: the posterior is neither read nor kept.
        return scenario.model_copy(update={"from_posterior": None}), None
    file, line = locations.get("from_posterior", (Path("?"), None))
    target = file.parent / str(scenario.from_posterior)
    try:
        posterior = read_posterior(target)
    except PosteriorError as err:
        raise ScenarioError(file, line, "from_posterior", str(err)) from None
    bad = column_problems(posterior, scenario_values(scenario))
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise ScenarioError(file, line, "from_posterior", bad[0] + more)
    # The file as `read_posterior` of the resolved path names it (the run's record, and its
    # resume's identity, whatever the scenario's path as typed or the working folder).
    resolved = str(Path(posterior.file).resolve())
    posterior = dataclasses.replace(posterior, file=resolved)
    return scenario.model_copy(update={"from_posterior": resolved}), posterior


NO_VALUE = object()


def _scenario_error(exc: ValidationError, locations: Locations, files: list[Path]) -> ScenarioError:
    """Turn pydantic's errors into located, human messages. The value given is quoted only
    from the file named by the user, never text from a file it extends."""
    errors = [(locate(_field(error), locations), error) for error in exc.errors()]
    errors.sort(key=lambda e: _order(e[0], files))
    located = []
    for (file, line), error in errors[:MAX_PROBLEMS]:  # described only if shown: 'did you mean'
        field, message, value = describe_error(error)
        if value is not NO_VALUE and (file == files[0] or not isinstance(value, str)):
            shown = json.dumps(value, default=str)
            message += f" (got {shown if len(shown) <= 40 else shown[:37] + '...'})"
        located.append((file, line, field, message))
    return _located_error(located, files, total=len(errors))


def _order(where: tuple[Path, int | None], files: list[Path]) -> tuple[int, int]:
    """Problems are listed by file (the user's first, then the ones it extends) and line."""
    file, line = where
    return (files.index(file) if file in files else len(files), line or 0)


def _located_error(
    located: list[tuple[Path, int | None, str | None, str]],
    files: list[Path],
    total: int | None = None,
) -> ScenarioError:
    """One error for several problems, sorted by file and line: at most `MAX_PROBLEMS` listed,
    the rest (of `total`) counted, fields shown with odd keys quoted."""
    located.sort(key=lambda p: _order((p[0], p[1]), files))
    total = len(located) if total is None else total
    if total > MAX_PROBLEMS:
        more = total - MAX_PROBLEMS + 1
        located = [*located[: MAX_PROBLEMS - 1], (located[0][0], None, None, f"{more} more")]
    located = [(f, ln, _show_field(fd), msg) for f, ln, fd, msg in located]
    file, line, field, message = located[0]
    return ScenarioError(
        file,
        line,
        field,
        message,
        problems=[(ln, fd, msg) for _, ln, fd, msg in located],
        files=[f for f, *_ in located],
    )


def field_location(path: str | Path, field: str) -> tuple[Path, int]:
    """Where the scenario file ``path`` (or a file it extends) writes ``field``, or its nearest
    written ancestor (for a message about a loaded scenario's field)."""
    _, locations, _ = _resolve(Path(path))
    return locate(field, locations)


def locate(field: str | None, locations: Locations) -> tuple[Path, int]:
    """The location of `field`, or of its nearest ancestor that is written in the file (a
    missing field is reported at its parent mapping)."""
    path = field or ""
    while path not in locations:
        path = path.rpartition(".")[0]
    return locations[path]


# YAML 1.1 (PyYAML) reads a float only with a dot and a signed exponent: 1e-9 is text.
_FLOAT_AS_TEXT = re.compile(r"[-+]?(\d+)(?:\.(\d*))?[eE]([-+]?)(\d+)")


def _field(error: Any) -> str | None:
    """The dotted field path of a pydantic error. Scenario-wide checks name their field in the
    message: "links.0.a: region ..."."""
    if error["type"] == "value_error" and not error["loc"]:
        match = _PATH_PREFIX.match(str(error["ctx"]["error"]))
        if match and match[1].split(".")[0] in Scenario.model_fields:
            return match[1]
    return ".".join(str(part) for part in error["loc"]) or None


def describe_error(error: Any) -> tuple[str | None, str, Any]:
    """A dotted field path, a short message and the value to quote (or `NO_VALUE`) for one
    pydantic error."""
    loc = error["loc"]
    field = _field(error)
    kind = error["type"]
    value = error.get("input")
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        if field and not loc:
            message = _PATH_PREFIX.match(message)[2]  # type: ignore[index]
        return field, message, NO_VALUE
    if kind == "missing":
        return field, "required field is missing", NO_VALUE
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields) if model else [])
        message = f"unknown key (did you mean {close[0]!r}?)" if close else "unknown key"
        return field, message, NO_VALUE
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        message = "should be a mapping of keys to values"
    elif kind in ("list_type", "tuple_type"):
        message = "should be a list"
    elif kind in ("int_type", "float_type") and isinstance(value, bool):
        message = f"{_lower(error['msg'])}, not true or false"
    elif kind in ("int_type", "float_type") and isinstance(value, str):
        message = f"{_lower(error['msg'])}, not text"
        number = _FLOAT_AS_TEXT.fullmatch(value.strip())
        if number:  # 1e-9: suggest 1.0e-9, which YAML reads as a number
            whole, fraction, sign, exponent = number.groups()
            written = f"{whole}.{fraction or 0}e{sign or '+'}{exponent}"
            message += f"; YAML reads {value.strip()} as text, write {written}"
        elif _is_number(value) and not math.isfinite(float(value)):
            message = "input should be a finite number"  # nan, inf: YAML writes .nan, .inf
        elif _is_number(value):
            message += "; remove the quotes"
    elif kind == "bool_type" and isinstance(value, int | float):
        message = f"{_lower(error['msg'])} (true or false), not a number"
    else:
        message = _lower(error["msg"])
    if value is None or isinstance(value, str | int | float | bool):
        return field, message, value
    return field, message, NO_VALUE


def _lower(text: str) -> str:
    return text[0].lower() + text[1:]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
