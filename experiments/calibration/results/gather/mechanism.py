"""How the gathering rule works in a few cases: stand-asides, seat occupations, exposure.

    nice -n 5 uv run python experiments/calibration/results/gather/mechanism.py \
        BASE SETTING [SETTING ...] [--cases armenia_2018 ...] [-n 20] [--out FILE.csv]

BASE and SETTING as in `experiments/calibration/library_settings.py`. Per case, setting and
seed (0..n-1), like
experiments/fit/candidate_street.py: the outcome, the peak active share, the largest exposure
of any faction's units on any day (`TransitionModel._exposure`, the signal of crowd pressure on
loyalty), the most peaceful actives within the site radius of the seat of power on any day
(what the seat contest counts, times violence.peaceful_occupation), and the counts of stance
changes to standing aside or defecting, sites seized, seat occupations and rulers leaving.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from transition_sim.core.model import TransitionModel
from transition_sim.scenario.loader import load_scenario

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # experiments/calibration
from library_crowds import library_at  # noqa: E402
from library_settings import parse  # noqa: E402

CASES = ["armenia_2018", "serbia_2000", "ukraine_2004", "belarus_2020", "venezuela_2017"]


class Recording(TransitionModel):
    """The model, recording the day's largest exposure and the peaceful actives at the seat."""

    max_exposure = 0.0
    max_at_seat = 0

    def _exposure(self, stats: np.ndarray, totals: list[int]) -> np.ndarray:
        out = super()._exposure(stats, totals)
        if out.size:
            self.max_exposure = max(self.max_exposure, float(out.max()))
        return out

    def _contest_sites(self, stats: np.ndarray, totals: list[int]) -> None:
        for site in self.sites:
            if self._is_seat(site):
                radius = self.params.violence.site_radius
                near = self.crowds[site.region].peaceful_near(site.cell, radius)
                self.max_at_seat = max(self.max_at_seat, int(near))
        super()._contest_sites(stats, totals)


def run(path: Path, n: int) -> list[dict]:
    scenario = load_scenario(path)
    rows = []
    for seed in range(n):
        model = Recording(scenario, seed=seed)
        model.run()
        result = model.result()
        actions = result.events.action
        rows.append(
            {
                "seed": seed,
                "outcome": result.outcome,
                "peak_share": result.metrics["peak_active_share"],
                "max_exposure": model.max_exposure,
                "max_peaceful_at_seat": model.max_at_seat,
                "aside_or_defect": int(actions.isin(["stance_stand_aside", "stance_defect"]).sum()),
                "sites_seized": int((actions == "seize_site").sum()),
                "seat_occupied": int((actions == "occupy_seat").sum()),
                "ruler_leaves": int((actions == "leave_office").sum()),
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("settings", nargs="+")
    ap.add_argument("--cases", nargs="+", default=CASES)
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    fixed = json.loads((args.base / "fixed.json").read_text())
    chosen = json.loads((args.base / "chosen.json").read_text())
    rows = []
    for setting in args.settings:
        name, extra = parse(setting)
        with tempfile.TemporaryDirectory() as tmp:
            cases = library_at(fixed | extra | chosen, Path(tmp))
            for case in args.cases:
                for row in run(cases / f"{case}.yaml", args.n):
                    rows.append({"setting": name, "case": case, **row})
        print(name, "done", flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out, index=False)
    summary = table.drop(columns=["seed", "outcome"]).groupby(["case", "setting"], sort=False)
    print(summary.mean().round(3).to_string())
    outcomes = table.groupby(["case", "setting"], sort=False).outcome.value_counts()
    print(outcomes.unstack(fill_value=0))


if __name__ == "__main__":
    main()
