"""Why "incumbent holds" and "popular transition" are swapped: per-run mechanism for library cases.

    nice -n 10 uv run python experiments/diagnosis/inverted/run.py JOB [JOB ...] [-n 20]
        [--workers 1] --out FILE.csv

A JOB is `case` (the file of scenarios/cases as shipped) or `case:swap` (a SWAPS entry of this
file or of ../insider/run.py applied to a temporary copy of the case file: a diagnostic, never a
proposal to edit the case). Point values and the backtest's seeds: replication r of a case runs
with `replication_seed(case.seed, r)`, as `transition-sim backtest scenarios/cases -n N` does.

Per run: the outcome; the crowd (peak active share, peak protesters); the office holder's
legitimacy after the shocks (day 1) and its minimum; the security forces' stances (days any
faction stood aside or defected, the first such day); the seat (day occupied), the ruler's exit;
the first decisive event (../insider/run.py's DECISIVE list) and its day.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.loader import load_scenario

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "insider"))
import run as insider  # noqa: E402  (../insider/run.py: case_file, SWAPS, DECISIVE, _set)

# ../run.py (session 17's diagnosis) is imported under another name: its swaps `small` (the case
# scaled to Serbia's size, units with it) and `one_camp` (every other camp folded in the ruler's).
_spec = importlib.util.spec_from_file_location("diagnosis_run", HERE.parent / "run.py")
diagnosis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(diagnosis)

CASES = insider.CASES


def _shocks(*new: dict, keep_events: bool = True):
    """The case's trigger shocks (those with a `kind`) replaced by ``new``; scripted events
    (`event:`) kept unless ``keep_events`` is False."""

    def apply(d: dict) -> None:
        kept = [s for s in d["shocks"] if keep_events and "event" in s]
        d["shocks"] = kept + [dict(s) for s in new]

    return apply


def _focal_in_capital(d: dict) -> None:
    """The trigger shocks replaced by one focal killing (magnitude 1) in the first region."""
    _shocks({"day": 0, "label": "swap", "kind": "focal_killing", "magnitude": 1.0,
             "region": d["regions"][0]["name"]})(d)  # fmt: skip


def _add_shock(kind: str, magnitude: float = 1.0):
    def apply(d: dict) -> None:
        d["shocks"] = [*d["shocks"], {"day": 0, "label": "swap", "kind": kind,
                                      "magnitude": magnitude}]  # fmt: skip

    return apply


def _legitimacy(value: float):
    def apply(d: dict) -> None:
        next(c for c in d["camps"] if c.get("incumbent"))["legitimacy"] = value

    return apply


def _forces(kind: str, office: float, self_interest: float):
    """Every faction that is not a counterweight given ``kind`` and the loyalty split {office
    holder: office, self-interest: self_interest} (other camps' shares dropped): e.g. Russia's
    police and army as loyal as the Philippines' patrimonial forces, or these as institutional
    as Russia's."""

    def apply(d: dict) -> None:
        ruler = next(c["name"] for c in d["camps"] if c.get("incumbent"))
        for f in (d.get("factions") or {}).values():
            if f and not f.get("counterweight"):
                f["kind"] = kind
                f["loyalty"] = {ruler: office, "self_interest": self_interest}
                if kind == "patrimonial":
                    f.pop("guardian", None)

    return apply


SWAPS = {
    "patrimonial": _forces("patrimonial", 0.85, 0.15),
    "institutional": _forces("institutional", 0.6, 0.4),
    # the trigger: a "holds" case's disputed election given to a "popular" case and back
    "disputed": _shocks({"day": 0, "label": "swap", "kind": "disputed_election", "magnitude": 1.0}),
    "focal": _focal_in_capital,
    "no_trigger": _shocks(),
    "plus_disputed": _add_shock("disputed_election"),
    "legit0.35": _legitimacy(0.35),  # the office holder at 0.85 - 0.5 from the start
    "nonviolent": insider._set("protesters.violent_share", 0.0),
    "violent": insider._set("protesters.violent_share", 0.09253),
    "patron_off": insider._set("patron", {"enabled": False}),
    "small": diagnosis.SWAPS["small"],
    "one_camp": diagnosis.SWAPS["one_camp"],
}


def _both(*fs):
    def apply(d: dict) -> None:
        for f in fs:
            f(d)

    return apply


# the legitimacy sweep: no trigger shock, the office holder's legitimacy set (the crowd as a
# function of legitimacy alone)
for _v in (0.45, 0.55, 0.65, 0.7, 0.75, 0.8):
    SWAPS[f"notrig_legit{_v}"] = _both(_shocks(), _legitimacy(_v))
insider.SWAPS.update(SWAPS)


def one(job: tuple[str, int]) -> dict:
    spec, rep = job
    case, _, swap = spec.partition(":")
    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(insider.case_file(Path(tmp), case, swap or None, None))
    seed = replication_seed(scenario.seed, rep)
    model = TransitionModel(scenario, seed=seed)
    model.run()
    r = model.result()
    ev, ts = r.events, r.timeseries
    act = ev.action
    first = {a: (int(ev.day[act == a].min()) if (act == a).any() else None)
             for a in insider.DECISIVE}  # fmt: skip
    ended = [a for a in insider.DECISIVE[:-1] if first[a] is not None]
    stance_cols = [c for c in ts.columns if c.startswith("stance_")]
    off = ts[stance_cols].ne("obey") if stance_cols else pd.DataFrame()
    off_days = off.any(axis=1) if len(off.columns) else pd.Series(False, index=ts.index)
    leg = ts["legitimacy"]
    return {
        "job": spec, "case": case, "swap": swap, "replication": rep, "seed": seed,
        "outcome": r.outcome,
        "peak_share": r.metrics["peak_active_share"],
        "peak_protesters": r.metrics["peak_protesters"],
        "legit_day1": float(leg.iloc[min(1, len(leg) - 1)]),
        "legit_min": float(leg.min()),
        "days_not_obeying": int(off_days.sum()),
        "first_not_obeying": int(ts.day[off_days].min()) if off_days.any() else None,
        "not_obeying": ";".join(c[7:] for c in stance_cols if off[c].any()),
        "seat_day": first["occupy_seat"],
        "leave_day": first["leave_office"],
        "sites_seized": int((act == "seize_site").sum()),
        "order_day": first["order_restored"],
        "deaths": r.metrics.get("deaths", float("nan")),
        "decisive": min(ended, key=lambda a: first[a]) if ended
        else "order_restored" if first["order_restored"] is not None else "none",
        "decisive_day": min((first[a] for a in ended), default=first["order_restored"]),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jobs", nargs="+")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    jobs = [(spec, rep) for spec in args.jobs for rep in range(args.n)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(one, jobs, chunksize=2))
    insider.write_rows(rows, args.out)


if __name__ == "__main__":
    main()
