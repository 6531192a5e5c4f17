"""(c) tests/test_insider.py's Zimbabwe share on both crowds: the share of runs in which the
dismissed camp (Lacoste) holds the office at the end, with the ZDF's chief its man, run as the
test runs it (point values, replication seeds from the case's seed), on more runs, with per-run
records of what happened.

    nice -n 5 uv run python experiments/session27/diag/insider.py --runs 400 [--variant NAME]
        [--crowds agents,blocks] [--chiefs its_man,rulers_man] [--set crowd:path=json ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from common import OUT, scenario, with_values

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed

ITS_MAN = {"Lacoste": 0.6, "Mugabe": 0.25, "self_interest": 0.15}
RULERS_MAN = {"Mugabe": 0.6, "Lacoste": 0.25, "self_interest": 0.15}


def build(crowd: str, loyalty: dict, folder: Path, variant: str, sets: list[str] = ()):
    sc = scenario(crowd, "cases/zimbabwe_2017", folder)
    data = sc.model_dump()
    data["factions"]["ZDF"]["loyalty"] = loyalty
    if variant.startswith("values_"):  # the other baseline's calibrated values (all, or @a,b)
        source, _, paths = variant.removeprefix("values_").partition("@")
        data = with_values(data, crowd, source, *([paths.split(",")] if paths else []))
    for item in sets:  # "crowd:section.field=json"
        who, assign = item.split(":", 1)
        if who != crowd:
            continue
        path, value = assign.split("=", 1)
        *parents, leaf = path.split(".")
        node = data
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[leaf] = json.loads(value)
    if variant == "ppa1000":  # the blocks crowd at the agents' resolution
        data["scale"]["people_per_agent"] = 1000
    if variant == "no_street":  # nobody protests: hardship 0 and no social signal/contagion
        data["crowd"]["hardship"] = {"low": 0.0, "high": 0.0}
    return type(sc).model_validate(data)


def one(scn, rep: int) -> dict:
    """One replication, with the strike's odds, day and the ZDF's stance recorded (the model's
    own `strike` is wrapped, not changed)."""
    m = TransitionModel(scn, replication_seed(scn.seed, rep))
    el, seen = m.elites, {}
    strike = el.strike

    def watched(name: str) -> bool:
        if "p" not in seen:
            seen.update(
                p=el.odds(name, el.office),
                day=m.day,
                zdf=m.faction("ZDF").stance,
                street=el.street.active_share,
                power_rival=el.power[name],
                power_office=el.power[el.office],
            )
        return strike(name)

    el.strike = watched
    m.run()
    met = m.metrics()
    took = [
        (d, det.split("(")[-1].rstrip(")")) for d, a, act, det in m.events if act == "take_office"
    ]
    return {
        "rep": rep,
        "office": el.office,
        # the dismissed camp took the office at some point (what the move's success means)
        "rival_ever_held": any(
            actor == "Lacoste" and act == "take_office" for _, actor, act, _ in m.events
        ),
        "outcome": str(m.result().outcome),
        "took_office_path": ";".join(f"{d}:{h}" for d, h in took),
        "strike_day": seen.get("day"),
        "strike_p": seen.get("p"),
        "strike_zdf": seen.get("zdf"),
        "strike_street": seen.get("street"),
        "strike_power_rival": seen.get("power_rival"),
        "strike_power_office": seen.get("power_office"),
        "peak_active_share": met["peak_active_share"],
        "strikes": met["strikes"],
        "strikes_won": met["strikes_won"],
        "coups": met["coups"],
        "coups_won": met["coups_won"],
        "office_changes": met["office_changes"],
        "deaths": met["deaths"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--variant", default="as_shipped")
    ap.add_argument("--crowds", default="agents,blocks")
    ap.add_argument("--chiefs", default="its_man,rulers_man")
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="diag27-insider-"))
    rows, summary = [], {}
    for crowd in args.crowds.split(","):
        for who, loyalty in (("its_man", ITS_MAN), ("rulers_man", RULERS_MAN)):
            if who not in args.chiefs.split(","):
                continue
            scn = build(crowd, loyalty, folder, args.variant, args.set)
            t0 = time.process_time()
            recs = [one(scn, rep) | {"crowd": crowd, "chief": who} for rep in range(args.runs)]
            df = pd.DataFrame(recs)
            took = (df["office"] == "Lacoste").mean()
            summary[f"{crowd}/{who}"] = {
                "runs": args.runs,
                "took_office": float(took),
                "first40": float((df["office"].head(40) == "Lacoste").mean()),
                "won_strike": float((df["strikes_won"] > 0).mean()),
                "rival_ever_held": float(df["rival_ever_held"].mean()),
                "rival_ever_held_first40": float(df["rival_ever_held"].head(40).mean()),
                "won_then_lost": float(
                    ((df["strikes_won"] > 0) & (df["office"] != "Lacoste")).mean()
                ),
                "popular_after": float(df["took_office_path"].str.contains("popular").mean()),
                "mean_strike_p": float(df["strike_p"].mean()),
                "mean_strike_day": float(df["strike_day"].mean()),
                "zdf_at_strike": df["strike_zdf"].value_counts(normalize=True).to_dict(),
                "mean_peak_active_share": float(df["peak_active_share"].mean()),
                "runs_with_protest_gt_0.005": float((df["peak_active_share"] > 0.005).mean()),
                "mean_strikes": float(df["strikes"].mean()),
                "mean_strikes_won": float(df["strikes_won"].mean()),
                "cpu_s": time.process_time() - t0,
                "sets": args.set,
            }
            print(crowd, who, summary[f"{crowd}/{who}"], flush=True)
            rows += recs
    name = f"insider_{args.variant}_{args.runs}"
    pd.DataFrame(rows).to_csv(OUT / f"{name}.csv", index=False)
    (OUT / f"{name}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
