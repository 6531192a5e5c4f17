"""The report's cost as `run` pays it, in a fresh process: importing what it needs, reading the
folder, building the page (user and system CPU of each, from getrusage):
`python report_cost.py DIR`. Prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys


def cpu() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


c0 = cpu()
import pandas  # noqa: E402, F401  `run`'s parent has these already
import pyarrow.parquet  # noqa: E402, F401

import transition_sim.ensemble.store  # noqa: E402, F401

c1 = cpu()
from transition_sim.viz.report import report_html  # noqa: E402
from transition_sim.viz.results import load_output  # noqa: E402

output = load_output(sys.argv[1])
c2 = cpu()
page = report_html(output)
c3 = cpu()


def spent(a: tuple[float, float], b: tuple[float, float]) -> dict[str, float]:
    return {"user": round(b[0] - a[0], 3), "sys": round(b[1] - a[1], 3)}


print(
    json.dumps(
        {
            "folder": sys.argv[1],
            "code": __import__("transition_sim").__file__,
            "imports_run_has": spent(c0, c1),
            "read_folder": spent(c1, c2),
            "report_html": spent(c2, c3),
            "report_total": spent(c1, c3),
        }
    )
)
