"""Golden hashes of the shipped scenarios' outputs, for tests/test_golden.py.

    uv run python tests/golden/regenerate.py          # rewrite tests/golden/hashes.json
    uv run python tests/golden/regenerate.py --check  # compare only; exit 1 on a difference

Each scenario in scenarios/*.yaml runs SEEDS replications (base seed BASE_SEED) over its first
DAYS days (or fewer if it is shorter), on one worker. The runs, timeseries and events tables are
hashed (sha256) from a canonical byte form: the Arrow IPC stream of the table with one chunk per
column and no schema metadata, so that a hash depends on the columns' names, types and values
only, never on file metadata or timestamps.

A change that alters simulation results (a model change) changes these hashes: regenerate them
with this script in the same commit, and review the diff of hashes.json (which scenarios and
which tables changed) against the change's intent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[2]
HASHES = Path(__file__).with_name("hashes.json")
SEEDS = 5
BASE_SEED = 20260101
DAYS = 60
TABLES = ("runs", "timeseries", "events")


def canonical_bytes(table: pa.Table) -> bytes:
    """The table as an Arrow IPC stream: one record batch, no schema metadata."""
    table = table.replace_schema_metadata(None).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(1, table.num_rows))
    return sink.getvalue().to_pybytes()


def scenario_hashes(path: Path) -> dict[str, str]:
    """sha256 of each output table of SEEDS replications of the scenario at ``path``."""
    from transition_sim.core.results import as_arrow
    from transition_sim.ensemble.runner import run_ensemble
    from transition_sim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    scenario = scenario.model_copy(update={"days": min(scenario.days, DAYS)})
    ensemble = run_ensemble(scenario, SEEDS, BASE_SEED, workers=1)
    return {
        name: hashlib.sha256(canonical_bytes(as_arrow(getattr(ensemble, name)))).hexdigest()
        for name in TABLES
    }


# The crowd of agents at its calibrated point, the baseline before session 26's switch to blocks
# (a test fixture, not a shipped scenario): its hashes keep main's agents bit for bit.
AGENTS_BASELINE = ROOT / "tests" / "agents_baseline.yaml"


def scenario_files() -> list[Path]:
    return [*sorted((ROOT / "scenarios").glob("*.yaml")), AGENTS_BASELINE]


def all_hashes() -> dict[str, dict[str, str]]:
    return {path.name: scenario_hashes(path) for path in scenario_files()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with hashes.json only")
    args = ap.parse_args()
    hashes = all_hashes()
    if args.check:
        golden = json.loads(HASHES.read_text())
        changed = [
            f"{name} {table}"
            for name in sorted(set(golden) | set(hashes))
            for table in TABLES
            if golden.get(name, {}).get(table) != hashes.get(name, {}).get(table)
        ]
        print("\n".join(changed) or "all hashes identical")
        return 1 if changed else 0
    HASHES.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    print(f"wrote {HASHES.relative_to(ROOT)}: {len(hashes)} scenarios")
    return 0


if __name__ == "__main__":
    sys.exit(main())
