"""Every benchmark script runs at its `--smoke` size and writes the tables the README takes
from it, so that an API change that breaks a benchmark fails here (no timing is asserted).

The scripts run concurrently, each in its own process, once for the module.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
# script name: the tables its results hold
TABLES = {
    "baseline": {"baseline"},
    "blocks": {"blocks"},
    "crowd": {"mesa"},
    "dashboard_views": {"views"},
    "ensemble": {"ensemble"},
    "kernel": {"baseline", "agents", "days", "against"},
    "loader": {"loads"},
    "memory": {"memory"},
    "model_change": {"summary", "baseline"},
    "resolution": {"resolution"},
    "startup": {"startup"},
    "sweep": {"sweep"},
}


def start(name: str, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, str(BENCHMARKS / f"bench_{name}.py"), "--smoke", "--out", str(out)]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run every script with --smoke at once; name: (exit code, stderr, results or None)."""
    folder = tmp_path_factory.mktemp("bench")
    running = {name: start(name, folder / f"{name}.json") for name in TABLES}
    done: dict[str, Any] = {"folder": folder}
    for name, process in running.items():
        _, err = process.communicate(timeout=600)
        path = folder / f"{name}.json"
        record = json.loads(path.read_text()) if path.exists() else None
        done[name] = (process.returncode, err, record)
    return done


def test_every_script_has_a_smoke_run() -> None:
    assert {p.stem.removeprefix("bench_") for p in BENCHMARKS.glob("bench_*.py")} == set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_script_runs_and_writes_its_tables(smoke: dict[str, Any], name: str) -> None:
    code, err, record = smoke[name]
    assert code == 0, err[-3000:]
    assert record["benchmark"] == name and record["smoke"] is True
    assert {"commit", "cpu_count", "load_average", "date"} <= set(record["machine"])
    assert set(record["tables"]) == TABLES[name]
    for t in record["tables"].values():
        assert t["rows"], "a table with no rows"
        assert all(len(row) == len(t["columns"]) for row in t["rows"])


def test_readme_tables_regenerate_from_the_results(smoke: dict[str, Any], tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    # A README table may come from a second measurement by a script, kept under another name
    # (e.g. startup_hook.json, by bench_startup.py): taken from the committed results, and
    # it must hold the tables of the script that wrote it.
    for name in re.findall(r"<!-- bench:([\w-]+)/[\w-]+ -->", readme.read_text()):
        if name not in TABLES:
            record = json.loads((BENCHMARKS / "results" / f"{name}.json").read_text())
            assert set(record["tables"]) == TABLES[record["benchmark"]], name
            (smoke["folder"] / f"{name}.json").write_text(json.dumps(record))
    command = [sys.executable, str(BENCHMARKS / "tables.py"), "--results", str(smoke["folder"]),
               "--readme", str(readme)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    text = readme.read_text()
    for name, tables in TABLES.items():
        for table in tables:
            marker = f"<!-- bench:{name}/{table} -->"
            if marker in text:
                columns = smoke[name][2]["tables"][table]["columns"]
                after = text.split(marker, 1)[1].lstrip("\n")
                assert after.startswith("| " + " | ".join(columns) + " |")
    assert "SMOKE SIZE" in text
