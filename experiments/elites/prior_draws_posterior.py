"""A stand-in posterior made of PRIOR DRAWS (not a fit), in the fit's file format, to exercise
the commands that read one (`run --posterior`, `backtest --loo`, `contrasts.py table
--posterior`) before the fitted posterior exists.

    uv run python experiments/elites/prior_draws_posterior.py OUT [--particles 40] [--seed 0]

Its particles are independent draws of the fit's parameters (experiments/fit/library.yaml's
list, below) from their registry priors, equally weighted; the metadata says "prior draws, not a
fit" so nothing reads it as evidence.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from transition_sim.claims import BASELINE_PATH, draw_priors, load_priors
from transition_sim.ensemble.runner import replication_seed
from transition_sim.scenario.address import scenario_values
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.posterior import write_posterior

# The shared parameters the library fit varies (experiments/fit/library.yaml).
ADDRESSES = (
    "loyalty_dynamics.backfire",
    "loyalty_dynamics.crowd_pressure",
    "loyalty_dynamics.cascade",
    "loyalty_dynamics.elite_split",
    "loyalty_dynamics.patrimonial_anchor",
    "loyalty_dynamics.recovery",
    "violence.peaceful_occupation",
    "government.invite_temperature",
    "government.pact_credibility",
    "crowd.contagion",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--particles", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    priors = [p for p in load_priors().priors if p.path in ADDRESSES]
    data = scenario_values(load_scenario(BASELINE_PATH))
    draws = [
        draw_priors(priors, replication_seed(args.seed, i), data) for i in range(args.particles)
    ]
    metadata = {
        "spec": "prior draws, NOT a fit (experiments/elites/prior_draws_posterior.py)",
        "spec_sha256": "",
        "code_sha256": "",
        "priors": {
            p.path: {"distribution": p.distribution, "low": p.low, "high": p.high} for p in priors
        },
        "generations": 0,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    values = {p.path: [d[p.path] for d in draws] for p in priors}
    print(write_posterior(args.out, values, [1.0] * args.particles, metadata))


if __name__ == "__main__":
    main()
