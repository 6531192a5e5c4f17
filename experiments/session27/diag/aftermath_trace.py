"""Trace of a few aftermath runs (kz_aftermath, seeds of tests/test_panel_claims.py): each day's
national active share, the crowds' extra hardship (disappointed reforms add
aftermath.disappointment_hardship to it, concessions halve it), legitimacy and the contagion
signal, around the day the street takes the office; to see what builds up to a late uprising.

    nice -n 5 uv run python experiments/session27/diag/aftermath_trace.py --crowd blocks \
        --reps 20,50,84,86,87
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from aftermath import SEED, build
from common import OUT

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed


def trace(scn, rep: int) -> dict:
    m = TransitionModel(scn, replication_seed(SEED, rep))
    days = []
    for _ in range(scn.days):
        m.run_for(1)
        el = m.elites
        days.append(
            (
                m.day,
                round(float(m.situation.active_share), 4),
                round(float(np.mean([c.hardship_extra for c in m.crowds])), 4),
                round(float(el.regime_legitimacy()), 4),
                round(float(m.performance), 4),
                el.office,
            )
        )
        if el.office == "opposition":
            break
    ev = [e for e in m.events if e[2] in ("reform_disappoints", "reform_delivered", "concession")]
    pop = days[-1][0] if days[-1][5] == "opposition" else None
    return {
        "rep": rep,
        "popular_day": pop,
        "extra_hardship_at_end": days[-1][2],
        "legitimacy_at_end": days[-1][3],
        "performance_at_end": days[-1][4],
        "reforms": [(d, act) for d, _, act, _ in ev],
        "last_40_days": days[-40:],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crowd", default="blocks")
    ap.add_argument("--reps", default="20,50,84,86,87")
    args = ap.parse_args()
    scn = build(args.crowd, Path(tempfile.mkdtemp(prefix="diag27-trace-")), [])
    out = [trace(scn, int(r)) for r in args.reps.split(",")]
    for t in out:
        print(
            t["rep"], t["popular_day"], "extra H", t["extra_hardship_at_end"],
            "legit", t["legitimacy_at_end"], "reforms", t["reforms"],
        )  # fmt: skip
    path = OUT / f"aftermath_trace_{args.crowd}.json"
    path.write_text(json.dumps(out, indent=0), encoding="utf-8")


if __name__ == "__main__":
    main()
