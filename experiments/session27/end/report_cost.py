"""The report's cost as `run` pays it, in a fresh process: importing what it needs, reading the
folder, building the page (process_time each): `python report_cost.py DIR`."""

from __future__ import annotations

import sys
import time

t0 = time.process_time()
import pandas  # noqa: E402, F401  `run`'s parent has these already
import pyarrow.parquet  # noqa: E402, F401

import transition_sim.ensemble.store  # noqa: E402, F401

t1 = time.process_time()
from transition_sim.viz.report import report_html  # noqa: E402
from transition_sim.viz.results import load_output  # noqa: E402

t2 = time.process_time()
output = load_output(sys.argv[1])
t3 = time.process_time()
page = report_html(output)
t4 = time.process_time()
print(
    f"(imports run has: {t1 - t0:.2f} s) report imports {t2 - t1:.2f} s, read folder"
    f" {t3 - t2:.2f} s, report_html {t4 - t3:.2f} s; total {t4 - t1:.2f} s (process_time)"
)
print(
    "modules loaded during report_html:",
    ", ".join(
        sorted(
            m
            for m in ("scipy.stats", "networkx", "plotly.subplots", "scipy.optimize")
            if m in sys.modules
        )
    ),
)
