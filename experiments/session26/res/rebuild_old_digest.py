"""The blocks digest before the table kept floats, rebuilt from today's float table.

    uv run python experiments/session26/res/rebuild_old_digest.py   # from the project's root

Casts each kind's count (and quiet, jailed, arrests) to whole agents, as `_timeseries_table`
did before session 26, sums `active` from the truncated kinds, and hashes as
experiments/session25/speed/digest.py does. Prints d76a2536... (05b6724's digest) iff the
float table is the only change: outcomes, metrics, events and every other column as before.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "speed"))
import digest  # noqa: E402

from transition_sim.ensemble.seeds import replication_seed  # noqa: E402
from transition_sim.simulate import simulate  # noqa: E402

KINDS = ("active_peaceful", "active_violent", "active_crime")
WHOLE = (*KINDS, "quiet", "jailed", "arrests")


def truncated(table: pa.Table) -> pa.Table:
    columns = {n: table[n] for n in table.column_names}
    for name in WHOLE:
        columns[name] = pa.array(table[name].to_numpy().astype(np.int64))
    columns["active"] = pa.array(sum(columns[k].to_numpy() for k in KINDS))
    return pa.table({n: columns[n] for n in table.column_names})


def main() -> None:
    scenario = digest.scenario_for(digest.POINT, 1000)
    runs = []
    for i in range(24):
        result = simulate(scenario, replication_seed(20220105, i))
        runs.append(digest.run_hash(SimpleNamespace(
            outcome=result.outcome, metrics=result.metrics,
            timeseries_table=truncated(result.timeseries_table), events_table=result.events_table,
        )))  # fmt: skip
    print("rebuilt", hashlib.sha256("".join(runs).encode()).hexdigest())


if __name__ == "__main__":
    main()
