"""The legitimacy the crowd reads on the first days (regime legitimacy: the camps in play,
weighted by power) beside the office holder's own, per case, seed 0, at run.py's setting.

    uv run python experiments/diagnosis/legitimacy.py   # -> legitimacy.csv
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
from run import BASE, SETTING, case_file, library_at

from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario

HERE = Path(__file__).resolve().parent
CASES = ["armenia_2018", "burkina_faso_2014", "philippines_1986", "serbia_2000", "ukraine_2004"]
CASES += ["belarus_2020", "russia_2011", "togo_2005", "venezuela_2017", "zimbabwe_2008"]


def main() -> None:
    overrides = (
        json.loads((BASE / "fixed.json").read_text())
        | SETTING
        | json.loads((BASE / "chosen.json").read_text())
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = library_at(overrides, Path(tmp))
        for case in CASES:
            model = TransitionModel(load_scenario(case_file(cases, case, None)), seed=0)
            model.run()
            t = model.result().timeseries
            t = t[t.region == "all"].set_index("day")
            shock = 78 if case == "togo_2005" else 0  # Togo's election comes on day 78
            for day in (shock, shock + 1):
                rows.append(
                    {
                        "case": case,
                        "day": day,
                        "holder_legitimacy": round(float(t.legitimacy[day]), 3),
                        "regime_legitimacy": round(float(t.regime_legitimacy[day]), 3),
                        "active": int(t.active[day]),
                    }
                )
    table = pd.DataFrame(rows)
    table.to_csv(HERE / "legitimacy.csv", index=False)
    print(table.to_string())


if __name__ == "__main__":
    main()
