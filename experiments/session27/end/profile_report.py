"""CPU (process_time) of the report of a results folder, without writing it:
`python profile_report.py DIR [--profile]` (loading the folder and building the page apart)."""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

from transition_sim.viz.report import report_html
from transition_sim.viz.results import load_output


def main() -> None:
    folder = sys.argv[1]
    t0 = time.process_time()
    output = load_output(folder)
    t1 = time.process_time()
    if "--profile" in sys.argv:
        prof = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
        prof.enable()
    page = report_html(output)
    t2 = time.process_time()
    if "--profile" in sys.argv:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    print(f"load {t1 - t0:.3f} s, report_html {t2 - t1:.3f} s (process_time); {len(page):,} chars")


if __name__ == "__main__":
    main()
