"""What every benchmark script shares: the `--smoke` and `--out` options, the machine's
context, and one JSON file of results per script (benchmarks/results/NAME.json).

A results file holds ``benchmark`` (the script's name), ``smoke``, ``machine`` and ``tables``:
each table has ``columns``, ``rows`` (cells already formatted) and a ``note``;
benchmarks/tables.py puts them into README.md. Scripts may add raw numbers under other keys.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny size that runs in seconds (for CI)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results file (default: benchmarks/results/NAME.json; with --smoke,"
        " benchmarks/results/smoke/NAME.json)",
    )


def commit(tree: Path = ROOT) -> str:
    """The tree's commit (with ``+`` if it has uncommitted changes), or '' outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+" if dirty else "")


def cpu_mhz() -> float | None:
    """The first CPU's current clock from /proc/cpuinfo (Linux), or None."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1])
    except OSError:
        pass
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "cpu_mhz": cpu_mhz(),
        "cpu_count": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "commit": commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> dict[str, Any]:
    """A table for the README: formatted cells, one list per row."""
    return {"columns": list(columns), "rows": [[str(c) for c in r] for r in rows], "note": note}


def write(name: str, args: argparse.Namespace, tables: dict[str, Any], **raw: Any) -> Path:
    """Write the script's results as JSON, print where, and return the path."""
    out = args.out or (RESULTS / "smoke" if args.smoke else RESULTS) / f"{name}.json"
    record = {"benchmark": name, "smoke": bool(args.smoke), "machine": machine(), "tables": tables}
    record.update(raw)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"results: {out}", file=sys.stderr)
    return out


def markdown(t: dict[str, Any]) -> str:
    """A table as GitHub markdown, its note below it."""
    lines = ["| " + " | ".join(t["columns"]) + " |", "|" + "---|" * len(t["columns"])]
    lines += ["| " + " | ".join(r) + " |" for r in t["rows"]]
    if t.get("note"):
        lines += ["", t["note"]]
    return "\n".join(lines)


@contextmanager
def old_tree(ref: str, given: Path | None = None) -> Iterator[Path]:
    """A temporary worktree of `ref` with its own environment (.venv), removed afterwards; or
    the checkout `given`, as it is."""
    if given is not None:
        yield given
        return
    old = Path(tempfile.mkdtemp(prefix="ts-old-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), ref],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        uv = shutil.which("uv") or "uv"
        subprocess.run(
            [uv, "sync", "--frozen", "--project", str(old), "-q", "--python", sys.executable],
            check=True,
        )
        yield old
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False
        )
        shutil.rmtree(old.parent, ignore_errors=True)
