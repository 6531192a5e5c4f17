"""The proposed test edits, evaluated here on both crowds (nothing in tests/ is changed):

1. test_ouster: the ratio of summed street loyalty over seeds 0-19 > 2 (and, to show the check
   can fail, the same with a "high" midpoint of 3.6%, next to 3.5%: a midpoint that does not
   matter).
2. test_insider: the dismissed camp held the office at some point, on the test's 40 runs, its
   man against the ruler's man.

    nice -n 5 uv run python experiments/session27/diag/proposed_checks.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from common import AGENTS, BLOCKS, OUT, scenario
from ouster import kazakhstan, street

from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed

ITS_MAN = {"Lacoste": 0.6, "Mugabe": 0.25, "self_interest": 0.15}
RULERS_MAN = {"Mugabe": 0.6, "Lacoste": 0.25, "self_interest": 0.15}


def ouster_ratio(path: Path, high_midpoint: float, seeds=range(20)) -> float:
    on = high = 0.0
    for seed in seeds:
        a = kazakhstan(path, seed, {}, crowd_size=1.0)
        b = kazakhstan(path, seed, {}, crowd_size=1.0, crowd_size_midpoint=high_midpoint)
        a.run_for(5)
        b.run_for(5)
        on, high = on + street(a), high + street(b)
    return on / high


def ever_held(crowd: str, loyalty: dict, folder: Path, runs: int = 40) -> float:
    sc = scenario(crowd, "cases/zimbabwe_2017", folder)
    data = sc.model_dump()
    data["factions"]["ZDF"]["loyalty"] = loyalty
    scn = type(sc).model_validate(data)
    held = 0
    for rep in range(runs):
        m = TransitionModel(scn, replication_seed(scn.seed, rep))
        m.run()
        held += any(a == "Lacoste" and act == "take_office" for _, a, act, _ in m.events)
    return held / runs


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="diag27-proposed-"))
    out = {}
    for crowd, path in (("agents", AGENTS), ("blocks", BLOCKS)):
        r = ouster_ratio(path, 0.5)
        r_null = ouster_ratio(path, 0.036)
        its, rulers = ever_held(crowd, ITS_MAN, folder), ever_held(crowd, RULERS_MAN, folder)
        out[crowd] = {
            "ouster_ratio_seeds_0_19": r,
            "ouster_passes": r > 2,
            "ouster_ratio_midpoint_0.036_(must_fail)": r_null,
            "insider_ever_held_its_man_40": its,
            "insider_ever_held_rulers_man_40": rulers,
            "insider_passes": its > 0.5 and rulers < 0.2,
        }
        print(crowd, out[crowd], flush=True)
    (OUT / "proposed_checks.json").write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
