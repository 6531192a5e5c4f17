"""Print a short re-fit's finalists (refit_cap*/finalists.csv): totals, parts, crowd values.

uv run python experiments/session24/runaway/show_refit.py refit_cap0.05 refit_capnone
"""

import sys

import pandas as pd

COLS = [
    "point", "total", "spread", "peak_crowd_median", "deaths", "deaths_hundreds", "detained",
    "invite", "order", "almaty_seized", "crowd.contagion", "crowd.social_signal",
    "crowd.hardship.high", "triggers.price_rise.hardship",
]  # fmt: skip

for d in sys.argv[1:]:
    f = pd.read_csv(f"{d}/finalists.csv")
    print(d)
    print(f[COLS].round(4).to_string(index=False))
