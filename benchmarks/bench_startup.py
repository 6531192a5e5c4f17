"""Start-up and end-to-end cost of the command line, this tree against an older commit.

    uv run python benchmarks/bench_startup.py --old-ref 69bc77b [--repeats 5] [-n 1000]
    uv run python benchmarks/bench_startup.py --old-ref 69bc77b --fresh-env
    uv run python benchmarks/bench_startup.py --smoke

Each tree runs its own installed command (.venv/bin/transition-sim; the older commit is checked
out in a temporary worktree with its own environment), old and new alternating in each repeat
so that both see the same load. Measured per command: the CPU time of the process and its
children (user + system), and wall time.

- ``--help`` and ``run scenarios/kazakhstan_2022.yaml --point -n 1``, with bytecode present,
  and without (see `Envs`); ``run scenarios/kazakhstan_2022.yaml -n 1`` (`AS_TYPED`), and the
  same through ``uv run`` (`UV_RUN`: what the README says to type; it includes uv's own work,
  e.g. the whole environment's bytecode compiled again at every ``uv run`` when `[tool.uv]`
  sets ``compile-bytecode``, astral-sh/uv#12202);
- ``run scenarios/kazakhstan_2022.yaml -n N -w 2``: wall time;
- ``--fresh-env``: the project's own compiled modules are deleted from each tree
  (`forget_bytecode`: as on a fresh clone; numba's cache is kept), then the tree is installed
  into a new environment as the README says (``uv sync --frozen --compile-bytecode``, with the
  tree's own `[tool.uv]` settings, the project built again as for a fresh clone: a tree with
  the build hook of hatch_build.py compiles its modules there, an older one leaves them to its
  first command), and these are timed once each, in order: ``uv run transition-sim run
  SCENARIO -n 1`` as typed (the first command after the install), the same again (a later
  run), ``--help`` and ``run --point -n 1``, all as on most machines (bytecode written); then,
  the project's modules deleted and the project installed again, the command as typed in a
  shell with ``PYTHONDONTWRITEBYTECODE`` set (as on the machine measured). Repeated
  ``--repeats`` times, a new environment each time, old and new alternating.

A script, not a test: results go to benchmarks/results/startup.json, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import ROOT, add_common_args, commit, old_tree, table, write

SCENARIO = "scenarios/kazakhstan_2022.yaml"
# ``run SCENARIO -n 1`` without ``--point``: since issue 16 it draws its parameters (here from
# the scenario's posterior, read with the registry of priors); an older tree runs point values.
AS_TYPED = "run -n 1, as typed"
UV_RUN = "run -n 1, as typed with uv run"


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds of the process tree, wall seconds) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


class Envs:
    """The environment variables of each way a tree is run. Every mode has its own numba cache
    folder per tree (warmed up before timing): only Python's bytecode differs.

    - ``bytecode``: ``.pyc`` files in a folder of their own (``PYTHONPYCACHEPREFIX``), written
      at the warm-up: what an install that compiled its bytecode gets;
    - ``no bytecode``: an empty prefix and ``PYTHONDONTWRITEBYTECODE``, so every module is
      compiled from source: the first run after an install that did not compile bytecode.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ts-startup-"))

    def __call__(self, tree: str, mode: str) -> dict[str, str]:
        env = dict(os.environ)
        env["NUMBA_CACHE_DIR"] = str(self.root / tree / "numba")
        if mode == "bytecode":
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.root / tree / "pyc")
        else:
            empty = self.root / "empty"
            shutil.rmtree(empty, ignore_errors=True)
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env["PYTHONPYCACHEPREFIX"] = str(empty)
        return env

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def point(cli: str, tree: Path) -> list[str]:
    """``--point`` where the tree's `run` has it (it draws parameters by default since issue
    16); an older tree without it runs point values anyway."""
    shown = subprocess.run([cli, "run", "--help"], cwd=tree, capture_output=True, text=True)
    return ["--point"] if "--point" in shown.stdout else []


def uv_run(tree: Path, *args: str) -> list[str]:
    """``uv run transition-sim ARGS`` in `tree` (``--locked``: fail, rather than re-lock, if
    its lock file is stale)."""
    uv = shutil.which("uv") or "uv"
    return [uv, "run", "--locked", "-q", "--project", str(tree), "transition-sim", *args]


def commands(cli: str, tree: Path, n: int, flags: list[str]) -> dict[str, tuple[list[str], str]]:
    """Name: (command line, mode)."""
    run1 = [cli, "run", SCENARIO, *flags, "-n", "1"]
    out = {
        "--help": ([cli, "--help"], "bytecode"),
        "--help, no bytecode": ([cli, "--help"], "no bytecode"),
        "run -n 1": (run1, "bytecode"),
        "run -n 1, no bytecode": (run1, "no bytecode"),
        AS_TYPED: ([cli, "run", SCENARIO, "-n", "1"], "bytecode"),
        UV_RUN: (uv_run(tree, "run", SCENARIO, "-n", "1"), "bytecode"),
    }
    if n:
        out[f"run -n {n} -w 2"] = (
            [cli, "run", SCENARIO, *flags, "-n", str(n), "-w", "2"],
            "bytecode",
        )
    return out


def forget_bytecode(tree: Path) -> None:
    """Delete the project's own compiled modules in `tree`, as on a fresh clone (numba's cache
    folders, also under ``__pycache__``, are kept)."""
    for pyc in (tree / "transition_sim").rglob("*.pyc"):
        if pyc.parent.name == "__pycache__":
            pyc.unlink()


def fresh_env(tree: Path, numba_cache: str) -> dict[str, tuple[float, float]]:
    """Commands in a new environment of `tree`, installed as the README says, with a warm
    numba cache (see the module's docstring)."""
    env_dir = Path(tempfile.mkdtemp(prefix="ts-env-"))
    venv = env_dir / "venv"
    env = os.environ | {"UV_PROJECT_ENVIRONMENT": str(venv), "NUMBA_CACHE_DIR": numba_cache}
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
        env.pop(name, None)
    try:
        uv = shutil.which("uv") or "uv"
        sync = [uv, "sync", "--frozen", "-q", "--compile-bytecode", "--project", str(tree)]
        # --reinstall-package: build the project again, as for a fresh clone (uv would reuse
        # the build it has cached for this folder, and a tree's build hook would not run).
        sync += ["--reinstall-package", "transition-sim", "--python", sys.executable]
        cli = str(venv / "bin" / "transition-sim")
        typed = uv_run(tree, "run", SCENARIO, "-n", "1")
        forget_bytecode(tree)
        subprocess.run(sync, env=env, check=True)
        out = {f"{AS_TYPED}, fresh environment, first run": timed(typed, tree, env)}
        out[f"{AS_TYPED}, fresh environment, later run"] = timed(typed, tree, env)
        out["--help, fresh environment"] = timed([cli, "--help"], tree, env)
        run1 = [cli, "run", SCENARIO, *point(cli, tree), "-n", "1"]
        out["run -n 1, fresh environment"] = timed(run1, tree, env)
        forget_bytecode(tree)
        subprocess.run(sync, env=env, check=True)
        shell = env | {"PYTHONDONTWRITEBYTECODE": "1"}
        out[f"{AS_TYPED}, fresh environment, PYTHONDONTWRITEBYTECODE"] = timed(typed, tree, shell)
        return out
    finally:
        shutil.rmtree(env_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-ref", default=None, help="commit to compare with (default: none)")
    ap.add_argument("--old-tree", type=Path, default=None, help="a checkout to use as the old")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("-n", type=int, default=1000, help="replications of the -w 2 run (0: skip)")
    ap.add_argument("--fresh-env", action="store_true", help="also time a fresh install")
    add_common_args(ap)
    args = ap.parse_args()
    if args.smoke:
        args.repeats, args.n, args.old_ref, args.old_tree = 1, 2, None, None
    results: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    compare = args.old_ref is not None or args.old_tree is not None
    envs = Envs()
    with old_tree(args.old_ref or "HEAD", args.old_tree or (None if compare else ROOT)) as old:
        trees = {"new": ROOT, "old": old} if compare else {"new": ROOT}
        clis = {
            name: str(tree / ".venv" / "bin" / "transition-sim") for name, tree in trees.items()
        }
        flags = {name: point(clis[name], tree) for name, tree in trees.items()}
        for name, tree in trees.items():  # warm up: bytecode and numba cache, in each mode
            for mode in () if args.smoke else ("bytecode", "no bytecode"):
                run1 = [clis[name], "run", SCENARIO, *flags[name], "-n", "1"]
                timed(run1, tree, envs(name, mode))
        for _ in range(args.repeats):
            for name, tree in trees.items():
                listed = commands(clis[name], tree, args.n, flags[name])
                for label, (command, mode) in listed.items():
                    if args.smoke and (mode != "bytecode" or "-w" in command):
                        continue
                    env = None if args.smoke else envs(name, mode)  # smoke: the shell's own
                    results[label][name].append(timed(command, tree, env))
        for _ in range(args.repeats if args.fresh_env else 0):  # a new environment each time
            for name, tree in trees.items():
                numba_cache = envs(name, "bytecode")["NUMBA_CACHE_DIR"]
                for label, value in fresh_env(tree, numba_cache).items():
                    results[label][name].append(value)
    envs.remove()

    rows = []
    for label, by_tree in results.items():
        # the ensemble: wall time, and CPU time (less sensitive to other jobs); else CPU time
        for kind in (1, 0) if label.endswith("-w 2") else (0,):
            new = [v[kind] for v in by_tree["new"]]
            row = [label, "wall" if kind else "CPU", f"{statistics.median(new):.2f} s"]
            if compare:
                old_values = [v[kind] for v in by_tree["old"]]
                ratio = [a / b for a, b in zip(new, old_values, strict=True)]
                row += [
                    f"{statistics.median(old_values):.2f} s",
                    f"{statistics.median(ratio):.2f} ({min(ratio):.2f}–{max(ratio):.2f})",
                ]
            rows.append(row)
            print(" | ".join(row), flush=True)
    columns = ["command", "time", "this tree (median)"]
    if compare:
        old_label = args.old_ref or commit(args.old_tree)
        columns += [f"{old_label} (median)", "new / old: median (range)"]
    note = (
        f"{args.repeats} repeats, old and new alternating; CPU is user + system time of the"
        f" process and its children; {SCENARIO}."
    )
    write(
        "startup",
        args,
        {"startup": table(columns, rows, note)},
        seconds={label: dict(v) for label, v in results.items()},
    )


if __name__ == "__main__":
    main()
