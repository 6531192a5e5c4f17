"""The same city at 2,000, 1,000 and 500 people per agent gives the same outcomes and the same
deaths per capita (issue 13, item 5): units, lethality and detentions are per capita and vision
is in cells (docs/ODD.md §2), so the resolution is not a model parameter.

A small city (200,000 residents: 100 to 400 citizen agents) for 20 days with the baseline's
elites, crowd and violence, so that many replications are cheap. The full baseline at the three
resolutions is `benchmarks/bench_resolution.py`.

Replications: the tolerance on an outcome share is 0.05. The difference of two shares estimated
from n replications each has a standard error of sqrt(2 p (1 - p) / n), at most sqrt(0.5 / n);
with n = 600 it is at most 0.029, and 0.015 for shares near 0.1 or 0.9 (what this city gives),
so a true gap of 0.05 would stand out while sampling noise alone passes; the same seeds at every
resolution do not make the runs paired (the grids differ), so the bound is for independent
samples. Deaths per capita: the criterion is a ratio of means within 15%; the mean over 600 runs
has a relative standard error of a few per cent here.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "kazakhstan_2022.yaml"
REPLICATIONS = 600
RESOLUTIONS = (2000, 1000, 500)


def city(people_per_agent: int) -> Scenario:
    """The baseline's elites and rules in one city of 200,000, shocked on day 0."""
    data = load_scenario(BASELINE).model_dump()
    almaty = next(r for r in data["regions"] if r["name"] == "Almaty")
    data["regions"] = [
        {**almaty, "name": "city", "urban_population": 800_000, "sites": almaty["sites"][:2]}
    ]
    data["links"] = []
    for faction in data["factions"].values():
        faction["deployment"] = None
    data["shocks"] = [{**data["shocks"][0], "region": "all"}]
    data["days"] = 20
    data["scale"]["people_per_agent"] = people_per_agent
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def runs() -> dict[int, object]:
    return {
        ppa: run_ensemble(city(ppa), REPLICATIONS, 13, workers=2, keep="summary").runs
        for ppa in RESOLUTIONS
    }


def test_units_and_citizens_keep_their_ratio() -> None:
    from transition_sim.scenario.feasibility import grids

    ratios = [sum(g.units.values()) / g.citizens for ppa in RESOLUTIONS for g in grids(city(ppa))]
    assert max(ratios) / min(ratios) < 1.05  # rounding of counts only


def test_outcome_shares_do_not_depend_on_resolution(runs) -> None:
    shares = {ppa: r.outcome.value_counts(normalize=True) for ppa, r in runs.items()}
    outcomes = set().union(*(s.index for s in shares.values()))
    for (a, sa), (b, sb) in itertools.combinations(shares.items(), 2):
        for o in outcomes:
            assert abs(sa.get(o, 0.0) - sb.get(o, 0.0)) <= 0.05, (o, a, b, sa, sb)


def test_deaths_per_capita_do_not_depend_on_resolution(runs) -> None:
    deaths = {ppa: r.deaths.mean() for ppa, r in runs.items()}  # same city: per capita alike
    assert min(deaths.values()) > 0, deaths  # a test of nothing if nobody dies
    assert max(deaths.values()) / min(deaths.values()) <= 1.15, deaths
