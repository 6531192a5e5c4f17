"""Why militaries and insiders never remove a ruler: per-run coup mechanics for library cases.

    nice -n 5 uv run python experiments/diagnosis/insider/run.py JOB [JOB ...] [-n 40]
        [--workers 2] --out FILE.csv [--days FILE_days.csv]

A JOB is `case` (the file of scenarios/cases as shipped) or `case:swap` (a SWAPS entry applied
to a temporary copy of the case file: a diagnostic, never a proposal to edit the case) or
`case@override` (an OVERRIDES entry: a parameter set on the temporary copy). Point values and the
backtest's seeds: replication r of a case runs with `replication_seed(case.seed, r)`, as
`transition-sim backtest scenarios/cases -n N` does, so the outcomes of the shipped cases are
the backtest's (checked against its JSON by summarize.py).

Per run and faction it records, from the faction's own daily choice (`SecurityFaction._options`,
read, not changed: the instrumentation draws no random number), the logit probability of
staging any coup that day, summed over the days (the expected number of coups staged) and at its
maximum, with the utilities at that day: obey, the best coup, and the coup's terms (loyalty to
the side, bandwagon x odds, the penalty x (1 - odds), the guardian term) and the street's odds.
From the events: coups staged / won / failed, the side, purges, strikes, and the first decisive
event.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from transition_sim.core import actors, decisions
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import SECURITY, SELF_INTEREST

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "scenarios" / "cases"
INSIDERS = ["east_germany_1989", "guinea_2008", "sudan_1985", "mali_2020", "tunisia_1987",
            "zimbabwe_2017"]  # fmt: skip
DECISIVE = ["leave_office", "pact", "occupy_seat", "coup", "strike", "take_office",
            "order_restored"]  # fmt: skip


def _set(path: str, value: object):
    def apply(d: dict) -> None:
        node = d
        *parents, last = path.split(".")
        for key in parents:
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
        node[last] = value

    return apply


def _faction_set(field: str, value: object, which: str = "guardian"):
    """Set ``field`` on the factions picked by ``which``: "guardian" (those with guardian > 0),
    or a faction's name."""

    def apply(d: dict) -> None:
        hit = False
        for name, f in (d.get("factions") or {}).items():
            if not f:
                continue
            if (which == "guardian" and f.get("guardian", 0) > 0) or name == which:
                f[field] = value
                hit = True
        if not hit:
            raise KeyError(f"no faction {which}")

    return apply


def _loyal_swap(a: str, b: str, faction: str):
    """Swap a faction's loyalty to ``a`` and to ``b`` (e.g. office 0.6 and self-interest 0.4)."""

    def apply(d: dict) -> None:
        f = d["factions"][faction]
        la, lb = f["loyalty"].get(a, 0.0), f["loyalty"].get(b, 0.0)
        f["loyalty"][a], f["loyalty"][b] = lb, la

    return apply


SWAPS = {
    # the guardian's weight on the regime at its top (1) instead of rule 7's 0.2
    "guardian1": _faction_set("guardian", 1.0),
    # a guardian army's loyalty split reversed: self-interest 0.6, the ruler 0.4
    "army_self": None,  # filled per case below (needs the names)
    # the ZDF (Zimbabwe 2017) an institutional guardian instead of a patrimonial faction
    "zdf_guardian": lambda d: d["factions"]["ZDF"].update(
        {"kind": "institutional", "guardian": 0.2}
    ),
    # the counterweight taken away (the presidential guard obeys no more than any faction)
    "no_counterweight": lambda d: [
        f.update({"counterweight": False})
        for f in (d.get("factions") or {}).values()
        if f and f.get("counterweight")
    ],
}


def _fold(camp: str):
    """Camp ``camp`` taken out, its power and the loyalty owed to it to the incumbent's."""

    def apply(d: dict) -> None:
        ruler = next(c for c in d["camps"] if c.get("incumbent"))
        gone = next(c for c in d["camps"] if c["name"] == camp)
        ruler["power"] = round(ruler["power"] + gone["power"], 6)
        d["camps"] = [c for c in d["camps"] if c["name"] != camp]
        for f in (d.get("factions") or {}).values():
            if f and camp in f.get("loyalty", {}):
                moved = f["loyalty"].pop(camp)
                f["loyalty"][ruler["name"]] = round(f["loyalty"].get(ruler["name"], 0) + moved, 6)

    return apply


def _add_shock(kind: str, day: int = 0):
    """A legitimacy shock of ``kind`` (magnitude 1) added: a crowd to test the guardian path."""

    def apply(d: dict) -> None:
        d["shocks"] = [*d["shocks"], {"day": day, "label": "swap", "kind": kind, "magnitude": 1.0}]

    return apply


SWAPS["no_g40"] = _fold("G40")  # Zimbabwe 2017 without the ruler's ally camp
SWAPS["disputed"] = _add_shock("disputed_election")  # a crowd where none forms

OVERRIDES = {
    "penalty0": ("expectations.coup_penalty", 0.0),
    "penalty0.5": ("expectations.coup_penalty", 0.5),
    "inertia0": ("expectations.inertia", 0.0),
    "temp0.2": ("expectations.stance_temperature", 0.2),
    "bandwagon0.8": ("expectations.bandwagon", 0.8),
    # the shipped posterior's weighted means (experiments/fit/results/library), one at a time
    "pact0.33": ("government.pact_credibility", 0.326),
    "backfire0.13": ("loyalty_dynamics.backfire", 0.130),
    "occupation0.3": ("violence.peaceful_occupation", 0.302),
    "invite_t0.05": ("government.invite_temperature", 0.049),
}


def _army_self(d: dict) -> None:
    """The guardian faction's loyalty to the office holder and to itself swapped."""
    office = next(c["name"] for c in d["camps"] if c.get("incumbent"))
    for f in (d.get("factions") or {}).values():
        if f and f.get("guardian", 0) > 0:
            lo, ls = f["loyalty"].get(office, 0.0), f["loyalty"].get(SELF_INTEREST, 0.0)
            f["loyalty"][office], f["loyalty"][SELF_INTEREST] = ls, lo


SWAPS["army_self"] = _army_self


def case_file(tmp: Path, case: str, swap: str | None, override: str | None) -> Path:
    path = CASES / f"{case}.yaml"
    if swap is None and override is None:
        return path
    data = yaml.safe_load(path.read_text())
    data["extends"] = str((CASES / data["extends"]).resolve()) if "extends" in data else None
    if data["extends"] is None:
        del data["extends"]
    if swap is not None:
        SWAPS[swap](data)
    if override is not None:
        key, value = OVERRIDES[override]
        _set(key, value)(data)
    out = tmp / f"{case}__{swap or ''}_{override or ''}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


_CURRENT = None  # the recorder of the run in progress (one run at a time per process)


class Recorder:
    """Wraps `SecurityFaction.step` and `_options` to keep each faction's daily coup weighing."""

    def __init__(self) -> None:
        self.stats: dict[str, dict] = {}
        self.in_step = False

    def install(self) -> None:
        """Make this the recorder of the process's runs (the methods are wrapped once)."""
        global _CURRENT
        _CURRENT = self
        if getattr(actors.SecurityFaction, "_insider_wrapped", False):
            return
        actors.SecurityFaction._insider_wrapped = True
        original_options = actors.SecurityFaction._options
        original_step = actors.SecurityFaction.step

        def options(self, s):
            names, values = original_options(self, s)
            rec = _CURRENT
            if rec.in_step:
                rec.note(self, s, names, values)
            return names, values

        def step(self):
            rec = _CURRENT
            rec.in_step = True
            try:
                original_step(self)
            finally:
                rec.in_step = False

        actors.SecurityFaction._options = options
        actors.SecurityFaction.step = step

    def note(self, f, s, names, values) -> None:
        m = f.model
        t = m.params.expectations.stance_temperature
        probs = decisions.choice_probabilities(values, t)
        coups = [i for i, n in enumerate(names) if n.startswith("coup:")]
        p_coup = sum(probs[i] for i in coups)
        st = self.stats.setdefault(
            f.name,
            {"days": 0, "sum_p": 0.0, "max_p": -1.0, "at_max": None, "gap_min": 9.0,
             "street_max": -1.0, "gap_at_street_max": None, "p_at_street_max": None},
        )  # fmt: skip
        st["days"] += 1
        st["sum_p"] += p_coup
        if not coups:
            return
        best = max(coups, key=values.__getitem__)
        others = [v for i, v in enumerate(values) if i not in coups]
        gap = max(others) - values[best]
        st["gap_min"] = min(st["gap_min"], gap)
        street = s.win.get("opposition", 0.0)
        if street > st["street_max"]:
            st["street_max"], st["gap_at_street_max"], st["p_at_street_max"] = street, gap, p_coup
        if p_coup > st["max_p"]:
            side = names[best].removeprefix("coup:")
            el = m.elites
            key = SELF_INTEREST if side == SECURITY else side
            p = el.coup_odds(f, side)
            turn = actors._turn(m, s)
            ex = m.params.expectations
            st["max_p"] = p_coup
            st["at_max"] = {
                "day": s.day,
                "active_share": s.active_share,
                "side": side,
                "obey": values[names.index("obey")],
                "best_other": max(others),
                "best_other_name": names[values.index(max(others))],
                "coup": values[best],
                "loyal_side": f.loyalty.get(key, 0.0),
                "loyal_office": f.loyalty.get(turn.office, 0.0),
                "odds": p,
                "bandwagon_term": turn.bandwagon * p,
                "penalty_term": ex.coup_penalty * (1.0 - p),
                "guardian_term": decisions.guardian_value(f.guardian, turn.win_of[2]),
                "street_odds": turn.win_of[2],
                "office_odds": turn.win_of[0],
                "burden_term": f.repression_aversion * turn.burden,
            }


def one(job: tuple[str, int]) -> list[dict]:
    spec, rep = job
    case, _, rest = spec.partition(":")
    case, _, override = case.partition("@")
    swap, _, override2 = rest.partition("@")
    override = override or override2 or None
    swap = swap or None
    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(case_file(Path(tmp), case, swap, override))
    seed = replication_seed(scenario.seed, rep)
    rec = Recorder()
    rec.install()
    model = TransitionModel(scenario, seed=seed)
    model.run()
    r = model.result()
    ev = r.events
    act = ev.action
    first = {a: (int(ev.day[act == a].min()) if (act == a).any() else None) for a in DECISIVE}
    ended = [a for a in DECISIVE[:-1] if first[a] is not None]
    coups = ev[act == "coup"]
    taken = ev[act == "take_office"]
    base = {
        "job": spec,
        "case": case,
        "swap": swap or "",
        "override": override or "",
        "replication": rep,
        "seed": seed,
        "outcome": r.outcome,
        "peak_share": r.metrics["peak_active_share"],
        "coups": len(coups),
        "coup_sides": ";".join(coups.details.str.replace(r".* for ", "", regex=True)),
        "coups_failed": int((act == "coup_failed").sum()),
        "coups_won": int(r.metrics.get("coups_won", 0)),
        "purges": int((act == "purge").sum()),
        "purges_failed": int((act == "purge_failed").sum()),
        "strikes": int((act == "strike").sum()),
        "strikes_failed": int((act == "strike_failed").sum()),
        "resists": int((act == "resist").sum()),
        "loses_posts": ";".join(ev.actor[act == "loses_posts"]),
        "take_office": " | ".join(
            f"d{d}: {t}" for d, t in zip(taken.day, taken.details, strict=True)
        ),
        "decisive": min(ended, key=lambda a: first[a])
        if ended
        else "order_restored"
        if first["order_restored"] is not None
        else "none",
        "decisive_day": min((first[a] for a in ended), default=first["order_restored"]),
    }
    rows = []
    for name, st in rec.stats.items():
        row = dict(base, faction=name, days=st["days"], expected_coups=st["sum_p"],
                   max_p_coup=max(st["max_p"], 0.0), min_gap=st["gap_min"],
                   street_max=st["street_max"], gap_at_street_max=st["gap_at_street_max"],
                   p_coup_at_street_max=st["p_at_street_max"])  # fmt: skip
        row.update({f"at_{k}": v for k, v in (st["at_max"] or {}).items()})
        rows.append(row)
    if not rows:
        rows.append(dict(base, faction="", days=0))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jobs", nargs="+")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    jobs = [(spec, rep) for spec in args.jobs for rep in range(args.n)]
    rows: list[dict] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for part in pool.map(one, jobs, chunksize=2):
            rows.extend(part)
    write_rows(rows, args.out)


def write_rows(rows: list[dict], out: Path) -> None:
    """The runs' rows as a CSV, written atomically, and a one-line JSON note of it."""
    df = pd.DataFrame(rows)
    tmp = out.with_suffix(".tmp")
    df.to_csv(tmp, index=False, float_format="%.5g")
    tmp.replace(out)
    print(json.dumps({"rows": len(df), "out": str(out)}))


if __name__ == "__main__":
    main()
