"""A faction's daily stance utilities in one run, read from its own `SecurityFaction._options`
(wrapped, not changed: no random number is drawn), with the crowd's share, the street view's odds
and the burden:

    uv run python experiments/diagnosis/inverted/stances.py russia_2011 "Armed Forces" \
        [--rep 0] [--days 4]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transition_sim.core import actors
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.loader import load_scenario

CASES = Path(__file__).resolve().parents[3] / "scenarios" / "cases"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("faction")
    ap.add_argument("--rep", type=int, default=0)
    ap.add_argument("--days", type=int, default=4)
    args = ap.parse_args()
    sc = load_scenario(CASES / f"{args.case}.yaml")
    m = TransitionModel(sc, seed=replication_seed(sc.seed, args.rep))
    original = actors.SecurityFaction._options

    def options(self, s):
        names, values = original(self, s)
        if self.name == args.faction:
            t = actors._turn(m, s)
            utilities = ", ".join(f"{n} {v:.3f}" for n, v in zip(names, values, strict=True))
            loyalty = {k: round(v, 3) for k, v in self.loyalty.items()}
            print(f"day {s.day}: share {s.active_share:.3f}; odds office/aside/street"
                  f" {t.win_of[0]:.3f}/{t.win_of[1]:.3f}/{t.win_of[2]:.3f}; burden {t.burden:.3f};"
                  f" stance {self.stance}; loyalty {loyalty}; {utilities}")  # fmt: skip
        return names, values

    actors.SecurityFaction._options = options
    for _ in range(args.days):
        m.step()


if __name__ == "__main__":
    main()
