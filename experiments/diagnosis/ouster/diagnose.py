"""Where the ouster path stops, per case: the crowd, the units' exposure, loyalty, stances, the
seat contest and the ruler's exit odds, day by day (issue 13, session 18; analysis only).

    nice -n 5 uv run python experiments/diagnosis/ouster/diagnose.py CASE [CASE ...] \
        --setting NAME [-n 20] [--workers 1] --out FILE.csv

Settings (`SETTINGS`): `shipped` (the baseline's point values, the rounded arrest ratio) and
`exact` (the chosen point of experiments/calibration/results/arrest_exact_k1.5/: exact arrest
ratio, arrest constant 1.5), each applied to the baseline as `library_crowds.library_at` does;
`--extra` adds JSON overrides (e.g. the mechanism's fields). `--ignite` adds to a temporary copy
of each case file a disputed election on day 0 (the library's usual legitimacy shock, -0.5): a
diagnostic of what stops the path once a crowd exists, never a proposal to edit a case. Seeds:
`replication_seed(case's seed, r)` for r = 0..n-1, the backtest's replications. One row per run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from transition_sim.core import decisions
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
from library_crowds import library_at  # noqa: E402

EXACT = ROOT / "experiments" / "calibration" / "results" / "arrest_exact_k1.5"


def overrides(setting: str, extra: dict) -> dict:
    if setting == "shipped":
        return dict(extra)
    if setting == "exact":
        fixed = json.loads((EXACT / "fixed.json").read_text())
        return fixed | json.loads((EXACT / "chosen.json").read_text()) | extra
    raise SystemExit(f"diagnose.py: unknown setting {setting!r}")


def instrument(model: TransitionModel) -> list[dict]:
    """Record, at the end of each day (`_record`), what the ouster path needs."""
    days: list[dict] = []
    seat_regions = sorted({s.region for s in model.sites if model._is_seat(s)})
    capital = seat_regions[0] if seat_regions else 0
    record = model._record

    def wrapped(stats, deaths):
        el = model.elites
        totals = stats.sum(axis=0).tolist()
        share = model.region_share
        row = {
            "day": model.day,
            "capital_share": float(share[capital]) if len(share) else 0.0,
            "national_share": model.situation.active_share,
            "office": el.office,
            "seat_held": any(s.seized for s in model.sites if model._is_seat(s)),
        }
        expo = model._exposure(stats, totals)
        for i, f in enumerate(model.factions):
            row[f"expo:{f.name}"] = float(expo[i])
            # loyalty to whoever holds the office while a camp does (Togo's passes on day 0)
            row[f"loyal:{f.name}"] = f.loyalty.get(el.office, 0.0) if el.office_is_camp else None
            row[f"stance:{f.name}"] = f.stance
        if el.office_is_camp and model.government is not None:
            values = model.government.leaving_values()
            t = model.params.expectations.decision_temperature
            p = decisions.choice_probabilities(list(values.values()), t)
            row["p_leave"] = 1.0 - p[0]
            row["street_odds"] = el.street_odds()
            row["stay_odds"] = el.stay_odds()
        days.append(row)
        return record(stats, deaths)

    model._record = wrapped
    return days


IGNITION = {"day": 0, "label": "diagnostic", "kind": "disputed_election", "magnitude": 1.0}


def one(job: tuple[str, int, str, str, bool]) -> dict:
    case, r, setting, extra, ignite = job
    with tempfile.TemporaryDirectory() as tmp:
        cases = library_at(overrides(setting, json.loads(extra)), Path(tmp))
        path = cases / f"{case}.yaml"
        if ignite:
            data = yaml.safe_load(path.read_text())
            data["shocks"] = [*(data.get("shocks") or []), IGNITION]
            path.write_text(yaml.safe_dump(data, sort_keys=False))
        scenario = load_scenario(path)
    seed = replication_seed(scenario.seed, r)
    model = TransitionModel(scenario, seed=seed)
    days = instrument(model)
    model.run()
    res = model.result()
    d = pd.DataFrame(days)
    units = {f.name: f.units for f in model.factions}
    total = sum(units.values())
    expo = sum(d[f"expo:{k}"] * n for k, n in units.items()) / total
    act = res.events.action
    row = {
        "case": case,
        "setting": setting,
        "r": r,
        "outcome": res.outcome,
        "peak_capital_share": d.capital_share.max(),
        "peak_national_share": d.national_share.max(),
        "peak_protesters": res.metrics["peak_protesters"],
        "max_exposure": float(expo.max()),
        "mean_exposure_active_days": float(expo[d.national_share > 0.005].mean())
        if (d.national_share > 0.005).any()
        else 0.0,
        "stand_asides": int((act == "stance_stand_aside").sum()),
        "defections": int((act == "stance_defect").sum()),
        "side_with": int(act.str.startswith("stance_side_with").sum()),
        "coups": int((act == "coup").sum()),
        "seat_seized_days": int(d.seat_held.sum()),
        "seize_site": int((act == "seize_site").sum()),
        "occupy_seat": int((act == "occupy_seat").sum()),
        "leave_office": int((act == "leave_office").sum()),
        "pact": int((act == "pact").sum()),
        "max_street_odds": float(d.street_odds.max()) if "street_odds" in d else 0.0,
        "min_stay_odds": float(d.stay_odds.min()) if "stay_odds" in d else 1.0,
        "max_p_leave": float(d.p_leave.max()) if "p_leave" in d else 0.0,
        "sum_p_leave": float(d.p_leave.sum()) if "p_leave" in d else 0.0,
    }
    for k in units:
        col = d[f"loyal:{k}"].dropna()
        row[f"min_loyal:{k}"] = float(col.min()) if len(col) else None
        row[f"start_loyal:{k}"] = float(col.iloc[0]) if len(col) else None
        row[f"days_not_obey:{k}"] = int((d[f"stance:{k}"] != "obey").sum())
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--setting", default="shipped")
    ap.add_argument("--extra", default="{}", help="JSON overrides on the setting")
    ap.add_argument("--ignite", action="store_true", help="add a disputed election on day 0")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    jobs = [
        (c, r, args.setting, args.extra, args.ignite) for c in args.cases for r in range(args.n)
    ]
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for row in pool.map(one, jobs):
            rows.append(row)
    pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
