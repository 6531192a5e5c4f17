"""`transition-sim ARGS...` with the registry's checks made against BASE instead of main's
scenarios/kazakhstan_2022.yaml:

    python experiments/session25/library/backtest_against.py BASE backtest CASES ... --priors FILE

`transition-sim backtest --priors FILE` checks every prior against the baseline file of the
repository (`claims.BASELINE_PATH`, the default of `claims.prior_problems`): the base scenario's
value must lie inside the prior's range. A registry whose A-calibration priors span the blocks
finalists is refused there, because main's base holds the agents' point. The check's purpose
(the base scenario's values inside their priors) is kept by pointing it at the base scenario the
library actually extends (the blocks copy run.py wrote); nothing else changes. Used by run.py
with `--priors-from` only; the code of transition_sim is not edited.
"""

from __future__ import annotations

import sys
from pathlib import Path

import transition_sim.claims as claims


def main() -> None:
    base = Path(sys.argv[1]).resolve()
    claims.BASELINE_PATH = base
    defaults = list(claims.prior_problems.__defaults__)
    defaults[0] = base  # (scenario_path, scenario)
    claims.prior_problems.__defaults__ = tuple(defaults)
    from transition_sim.cli import app

    sys.argv = ["transition-sim", *sys.argv[2:]]
    app()


if __name__ == "__main__":
    main()
