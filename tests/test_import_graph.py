"""The import graph of `transition_sim` has no cycle, and its layers import only downwards.

Every module is parsed with `ast`; every import counts, at module level and inside functions
(a deferred import is still a dependency), except those under ``if TYPE_CHECKING:``, which
never run (the core's agents and their model name each other in annotations only). Relative
imports are resolved, and ``from pkg import name`` points at ``pkg.name`` when that is a module.

The layers, lowest first; a layer may import only from the layers before it:

    scenario < claims < core < simulate < ensemble < backtest < viz < studies < dashboard < cli
    < __main__

(`scenario`: the scenario files, their schema and geometry; `claims`: the registry of claims;
`core`: the model and its `RunResult`; `simulate`: the one pure function; `ensemble`: one
scenario run many times and stored; `backtest`: the case library against history; `viz`:
figures and reports of stored results; `studies`: studies over many scenarios; `dashboard`:
the web app; `cli`: the command line, one module per group of commands.) So the scenario
imports nothing from the model, the model nothing from what runs it, and nothing imports the
command line. The package's own ``__init__`` (the version) is below every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import transition_sim

PACKAGE = "transition_sim"
ROOT = Path(transition_sim.__file__).parent
LAYERS = (
    "lazy",
    "scenario",
    "claims",
    "core",
    "simulate",
    "ensemble",
    "backtest",
    "viz",
    "studies",
    "dashboard",
    "cli",
    "__main__",  # ``python -m transition_sim``: the command line
)


def module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imported(name: str, is_package: bool, source: str, known: set[str]) -> set[str]:
    """The project's modules that module ``name`` (whose text is ``source``) imports."""
    package = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in runtime_imports(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            # ``from pkg import name``: the submodule when ``name`` is one, else the package.
            sub = f"{base}.{alias.name}"
            targets.add(sub if sub in known else base)
    return {t for t in targets if t in known and t != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: imported(name, path.name == "__init__.py", path.read_text(encoding="utf-8"), known)
        for name, path in found.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the modules along it (the first repeated at the end)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_walk_sees_deferred_and_relative_imports() -> None:
    source = (
        "from . import sibling\n"
        "from .pkg import sub, name\n"
        "def f():\n"
        "    import transition_sim.deep\n"
        "if TYPE_CHECKING:\n"
        "    import transition_sim.typed\n"
    )
    known = {"transition_sim.a.sibling", "transition_sim.a.pkg", "transition_sim.a.pkg.sub"}
    known |= {"transition_sim.deep", "transition_sim.typed", "transition_sim.a.b"}
    assert imported("transition_sim.a.b", False, source, known) == {
        "transition_sim.a.sibling",
        "transition_sim.a.pkg",  # for ``name``, not a module
        "transition_sim.a.pkg.sub",
        "transition_sim.deep",
    }


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_layers_import_only_downwards() -> None:
    edges = graph()
    unplaced = [m for m in edges if m != PACKAGE and layer(m) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS): {unplaced}"
    upward = [
        f"{source} imports {target}"
        for source, targets in edges.items()
        for target in sorted(targets)
        if (a := layer(source)) is not None and (b := layer(target)) is not None and b > a
    ]
    assert not upward, "a layer imports one above it:\n" + "\n".join(upward)


def private_imports(source: str) -> list[str]:
    """``module._name`` for every private name ``source`` imports from the project."""
    return [
        f"{node.module}.{alias.name}"
        for node in runtime_imports(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
        and (node.level or (node.module or "").startswith(PACKAGE))
        for alias in node.names
        if alias.name.startswith("_")
    ]


def test_private_imports_are_seen() -> None:
    source = (
        "from .loading import _read\n"
        "def f():\n"
        "    from transition_sim.cli.errors import CliError, _hidden\n"
        "    from typer import _private_elsewhere\n"
    )
    assert private_imports(source) == ["loading._read", "transition_sim.cli.errors._hidden"]


def test_modules_import_only_public_names() -> None:
    """A module's private names are its own: no module of the package reaches into another's
    (what several share, such as the spec loaders' located YAML reader, is public)."""
    found = {
        name: private
        for name, path in modules().items()
        if (private := private_imports(path.read_text(encoding="utf-8")))
    }
    assert not found, f"private names imported: {found}"
