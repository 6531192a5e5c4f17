"""The importance weights' effective sample size (prior over proposal, as a share of 4,000
proposals) of three proposal kernels, each fitted to a generation of the population-60 fit
(`experiments/fit/results/library_p60`, its particles and weights as stored): one
multivariate normal over the 11 parameters (pyabc's default, the shipped fits), one per
parameter (`proposal: per_parameter`), and the joint one at half its bandwidth.

    uv run python experiments/session22/proposal_ess.py > experiments/session22/proposal_ess.md
"""

from __future__ import annotations

import numpy as np
from pyabc import History, MultivariateNormalTransition

from transition_sim.studies.fit import prepare, proposal_kernel, pyabc_prior
from transition_sim.studies.fit_spec import load_fit_spec

SPEC = "experiments/fit/library_p60.yaml"
HISTORY = "sqlite:///experiments/fit/results/library_p60/abc.db"


def kernels(sf, problem) -> dict:  # type: ignore[no-untyped-def]
    per_parameter = sf.spec.model_copy(update={"proposal": "per_parameter"})
    return {
        "joint": proposal_kernel(sf.spec, problem),
        "per parameter": proposal_kernel(per_parameter, problem),
        "joint, half bandwidth": MultivariateNormalTransition(scaling=0.5),
    }


def main() -> None:
    sf = load_fit_spec(SPEC)
    problem = prepare(sf)
    prior = pyabc_prior(problem)
    history = History(HISTORY)
    np.random.seed(1)
    print("| fitted to generation | kernel | ESS / proposals | share inside the prior's support |")
    print("|---|---|---|---|")
    for t in (0, 1, 2):
        particles, weights = history.get_distribution(t=t)
        for name, kernel in kernels(sf, problem).items():
            kernel.fit(particles, weights)
            proposals = kernel.rvs(4000)
            q = np.array([kernel.pdf(x) for _, x in proposals.iterrows()])
            p = np.array([prior.pdf(dict(x)) for _, x in proposals.iterrows()])
            w = np.where(q > 0, p / q, 0.0)
            ess = w.sum() ** 2 / (w**2).sum()
            print(f"| {t} | {name} | {ess / len(w):.3f} | {np.mean(p > 0):.2f} |")


if __name__ == "__main__":
    main()
