"""Is a count of units or agents read differently by the two crowds (a construction bug the plan
asked about)? For the baseline and the Zimbabwe case on each crowd: unit agents, what a unit
stands for, and deterrence-equivalents per 1,000 residents.

    uv run python experiments/session27/diag/units_check.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from common import OUT, scenario

rows = {}
folder = Path(tempfile.mkdtemp(prefix="diag27-units-"))
for crowd in ("agents", "blocks"):
    for name in ("kazakhstan_2022", "cases/zimbabwe_2017"):
        sc = scenario(crowd, name, folder)
        units = sum(sc.faction_units(f) for f in sc.factions if sc.factions[f] is not None)
        blocks = sc.crowd.representation == "blocks"
        per_unit = sc.crowd.unit_people if blocks else sc.scale.people_per_agent
        rows[f"{crowd}/{name}"] = {
            "people_per_agent": sc.scale.people_per_agent,
            "domestic_units": units,
            "people_per_unit": per_unit,
            "deterrence_per_1000_residents": units * per_unit / sc.urban_population * 1000,
            "vision_cells": sc.vision_cells(),
        }
print(json.dumps(rows, indent=1))
(OUT / "units_check.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
