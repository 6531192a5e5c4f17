"""`calibrate_kazakhstan.py`, unchanged, with the crowd of blocks' timeseries read in people
(session 26, helper R): an experiment, not the shipped yardstick (that is the integrator's call).

The shipped table truncates the blocks' active, quiet and jailed agents to whole agents kind by
kind (`model._timeseries_table`); here, in this process only, the table's columns hold the
crowd's own floats (agents' worth of people; `spread.float_table`, then `score_reading`'s
replacement), so that `calibrate_kazakhstan.score` reads the record's spread and Almaty's
crowd in people at any resolution. Every argument goes to calibrate_kazakhstan.py; run it with
``--workers 1`` (a process pool would be forked from here and keep the patch too, but one
worker is what this session's plan allows).

    nice -n 5 uv run python experiments/session26/res/calibrate_people.py --points 0 ... \
        --fix scale.people_per_agent=2000 --choose-on total --results DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "calibration"))
sys.path.insert(0, str(HERE))

import calibrate_kazakhstan as ck  # noqa: E402
import pyarrow as pa  # noqa: E402
import score_reading  # noqa: E402
import spread  # noqa: E402

from transition_sim.core import model as model_module  # noqa: E402


def people_table(rows, national, scenario):  # type: ignore[no-untyped-def]
    """The shipped table with active (by kind and summed), quiet and jailed as the floats."""
    ts = score_reading.people_reading(spread.float_table(rows, national, scenario).to_pandas())
    ts = ts.drop(columns=[f"f_{c}" for c in score_reading.FLOATS])
    return pa.Table.from_pandas(ts, preserve_index=False)


if __name__ == "__main__":
    model_module._timeseries_table = people_table
    ck.main()
