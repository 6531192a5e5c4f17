"""The same city at 2,000, 1,000 and 500 people per agent should give the same outcomes and the
same deaths per capita (issue 13, item 5): units, lethality and detentions are per capita and
vision is in cells (docs/ODD.md §2), so the resolution should not be a model parameter.

One city of 800,000 residents (400 to 1,600 citizen agents; grid sides 24, 34 and 48) shocked on
day 0, for 20 days, with the baseline's elites, crowd and violence: small enough for many
replications. The full baseline at the three resolutions is `benchmarks/bench_resolution.py`.

Replications: the tolerance on an outcome share is 0.05. The difference of two shares estimated
from n independent replications each (the same seeds at every resolution do not pair the runs:
the grids differ) has a standard error of sqrt(2 p (1 - p) / n); with n = 600 it is at most
0.029 (p = 0.5), so a gap of 0.05 is 1.7 standard errors and a gap of 0.1 is 3.5: the test tells
a resolution effect of 0.1 from noise, not one of 0.05 (that would need about 1,500 per
resolution). Deaths per capita: a ratio of means within 15%; the mean over 600 runs has a
relative standard error of about 4% here.

Both invariance tests FAIL today and are marked xfail (strict, so that they must be un-marked
when they pass). Measured (600 replications, seed 13; `benchmarks/bench_resolution.py --city`):
at 2,000, 1,000 and 500 people per agent incumbent holds 0.61, 0.70, 0.72 and power sharing
0.18, 0.07, 0.02; mean deaths 616, 748, 845. At 2,000 the city often does not ignite (median peak
active share 0.08, against 0.27 and 0.26): ignition in a bistable crowd is driven by the noise of
a few agents, and an agent fluctuates like one person whatever the number it stands for. Vision
in residents, and agents holding their people's mean traits, were tried and do not remove it
(docs/ODD.md §8, "Resolution").

The same two tests for the blocks representation (``crowd.representation: blocks``, a block of
residents holding the share who are active; docs/ODD.md §7.13), with vision in residents, are at the
end of this module, marked ``full``: at 2,400 replications per resolution they take about 100 s of
an idle 2-core machine (a sixth of the suite), so the default run skips them and `uv run pytest
--full tests/test_resolution.py` runs them (the issue's "fast in the tests, full in a benchmark";
`benchmarks/bench_resolution.py --city --set ...` measures the same). Outcome shares pass. Deaths
per capita FAIL by a hair and are marked xfail (strict): with every region holding its exact
residents (block2), mean deaths per run are 240, 254 and 220 at 2,000, 1,000 and 500 (2,400
replications, seed 13: max/min 1.154 against 1.15; about two standard errors of a ratio of two means
whose relative standard errors are about 5% each, so no resolution effect is shown either). Before
that fix they were 259, 281, 270 (max/min 1.08; `benchmarks/results/resolution_blocks_city.json`).

The default run checks the blocks fast (`test_block_runs_show_no_resolution_effect`, 400
replications per resolution, about 50 s of a loaded 2-core machine): the issue's two criteria
with their error (`resolution_verdict`: simultaneous 95% intervals), failing when the runs show
either criterion broken. At that size it cannot show them met (the full tests and the benchmark
decide); it is shown to fail on the agents' runs, whose resolution effect it detects.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

# The agents' baseline (shipped until session 26; since then a test fixture): the city's elites,
# rules and calibrated numbers, so that the agents' city and the city of blocks are those every
# number of this module was measured on (the shipped baseline is blocks at point 1025 now).
BASELINE = Path(__file__).resolve().parents[1] / "tests" / "agents_baseline.yaml"
REPLICATIONS = 600
RESOLUTIONS = (2000, 1000, 500)


def city(people_per_agent: int) -> Scenario:
    """The baseline's elites and rules in one city of 800,000, shocked on day 0."""
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


def city_of_blocks(people_per_agent: int) -> Scenario:
    """The city with the blocks representation (core/blocks.py) and vision in residents: the
    78,400 residents that 7 cells hold at 1,000 people per agent."""
    data = city(people_per_agent).model_dump()
    data["crowd"].update(representation="blocks", vision=None, vision_people=78_400)
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


@pytest.mark.xfail(
    strict=True, reason="resolution dependence at 2,000 people per agent (module doc)"
)
def test_outcome_shares_do_not_depend_on_resolution(runs) -> None:
    assert_shares_agree(runs)


def assert_shares_agree(runs: dict) -> None:
    """Every outcome's share within 0.05 between any two resolutions."""
    shares = {ppa: r.outcome.value_counts(normalize=True) for ppa, r in runs.items()}
    outcomes = set().union(*(s.index for s in shares.values()))
    for (a, sa), (b, sb) in itertools.combinations(shares.items(), 2):
        for o in outcomes:
            assert abs(sa.get(o, 0.0) - sb.get(o, 0.0)) <= 0.05, (o, a, b, sa, sb)


@pytest.mark.xfail(
    strict=True, reason="resolution dependence at 2,000 people per agent (module doc)"
)
def test_deaths_per_capita_do_not_depend_on_resolution(runs) -> None:
    assert_deaths_agree(runs)


def assert_deaths_agree(runs: dict) -> None:
    """Mean deaths (one city: per capita alike) within 15% between resolutions."""
    deaths = {ppa: r.deaths.mean() for ppa, r in runs.items()}  # same city: per capita alike
    assert min(deaths.values()) > 0, deaths  # a test of nothing if nobody dies
    assert max(deaths.values()) / min(deaths.values()) <= 1.15, deaths


# -- the blocks representation ----------------------------------------------------------------
# A block of residents holds the share of them who are active (docs/ODD.md §7.13). Its runs are
# cheap, and their deaths more spread (a few runs ignite and carry most deaths: the relative
# standard error of mean deaths is about 10% at 600 replications): 2,400 replications per
# resolution, so that a gap of 0.05 in an outcome share is 3.5 standard errors of the
# difference and mean deaths have a relative standard error of about 5%.
BLOCK_REPLICATIONS = 2400


@pytest.fixture(scope="module")
def block_runs() -> dict[int, object]:
    return {
        ppa: run_ensemble(
            city_of_blocks(ppa), BLOCK_REPLICATIONS, 13, workers=2, keep="summary"
        ).runs
        for ppa in RESOLUTIONS
    }


# The fast check (the default run): the two criteria with their error, at 400
# replications per resolution (a sixth of the full check's). At that size the criteria cannot
# be shown met (a share's simultaneous interval is about +-0.09 wide, mean deaths' ratio about
# +-50%: `benchmarks/bench_resolution.py` and the full tests below decide), but a violation as
# large as the agents' (power sharing 0.18 against 0.02) lies wholly outside them: the check
# fails when the runs show that the resolution matters, and it is shown to fire on the agents'
# runs (`test_the_check_detects_the_agents_resolution_effect`).
FAST_BLOCK_REPLICATIONS = 400
SHARE_TOLERANCE, DEATHS_TOLERANCE = 0.05, 1.15


def resolution_verdict(runs: dict, draws: int = 20_000, seed: int = 20251206) -> dict:
    """Issue 13's criteria with their error, for every pair of resolutions (as in
    experiments/session24/resolution, "The decision rule"): each outcome share's difference
    with its interval (normal approximation; the runs at two resolutions are independent: their
    grids differ) against [-0.05, 0.05], and the ratio of mean deaths with its bootstrap
    interval (`draws` resamples of each, `seed`) against [1/1.15, 1.15]. The intervals are
    simultaneous 95% ones (Bonferroni: each at 1 - 0.05 / their number), so that a model whose
    results do not depend on the resolution shows one wholly outside its criterion at most 5%
    of the time. A criterion's verdict is "outside" if an interval lies wholly outside it,
    "within" if every interval lies inside, else "undecided"."""
    rng = np.random.default_rng(seed)
    pairs = list(itertools.combinations(runs.items(), 2))
    outcomes = sorted(set().union(*(set(r.outcome) for r in runs.values())))
    alpha = 0.05 / (len(pairs) * (len(outcomes) + 1))
    z = NormalDist().inv_cdf(1 - alpha / 2)
    out = {}
    for (a, ra), (b, rb) in pairs:
        na, nb = len(ra), len(rb)
        sa = ra.outcome.value_counts(normalize=True)
        sb = rb.outcome.value_counts(normalize=True)
        shares, verdicts = {}, []
        for o in outcomes:
            pa, pb = float(sa.get(o, 0.0)), float(sb.get(o, 0.0))
            half = z * math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
            lo, hi = pa - pb - half, pa - pb + half
            shares[o] = [pa - pb, lo, hi]
            verdicts.append(_verdict(lo, hi, -SHARE_TOLERANCE, SHARE_TOLERANCE))
        da, db = ra.deaths.to_numpy(float), rb.deaths.to_numpy(float)
        boot = np.concatenate(
            [
                da[rng.integers(0, na, (1000, na))].mean(axis=1)
                / db[rng.integers(0, nb, (1000, nb))].mean(axis=1)
                for _ in range(draws // 1000)
            ]
        )
        lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
        out[(a, b)] = {
            "share_differences": shares,
            "shares": _combine(verdicts),
            "deaths_ratio": [float(da.mean() / db.mean()), float(lo), float(hi)],
            "deaths": _verdict(lo, hi, 1 / DEATHS_TOLERANCE, DEATHS_TOLERANCE),
            "level": 1 - alpha,
        }
    return out


def _verdict(lo: float, hi: float, low: float, high: float) -> str:
    if hi < low or lo > high:
        return "outside"
    return "within" if low <= lo and hi <= high else "undecided"


def _combine(verdicts: list[str]) -> str:
    if "outside" in verdicts:
        return "outside"
    return "within" if all(v == "within" for v in verdicts) else "undecided"


def assert_no_violation_shown(runs: dict) -> None:
    """No pair of resolutions whose runs show a criterion broken (`resolution_verdict`)."""
    assert all(r.deaths.mean() > 0 for r in runs.values())  # a test of nothing if nobody dies
    for pair, v in resolution_verdict(runs).items():
        assert v["shares"] != "outside", (pair, v["share_differences"])
        assert v["deaths"] != "outside", (pair, v["deaths_ratio"])


@pytest.fixture(scope="module")
def fast_block_runs() -> dict[int, object]:
    return {
        ppa: run_ensemble(
            city_of_blocks(ppa), FAST_BLOCK_REPLICATIONS, 13, workers=2, keep="summary"
        ).runs
        for ppa in RESOLUTIONS
    }


def test_block_runs_show_no_resolution_effect(fast_block_runs) -> None:
    assert_no_violation_shown(fast_block_runs)


def test_the_check_detects_the_agents_resolution_effect(runs) -> None:
    """The fast check fails on the agents' runs (the same city, 600 replications): their
    resolution effect is shown (an outcome share's interval wholly outside +-0.05)."""
    with pytest.raises(AssertionError):
        assert_no_violation_shown(runs)
    verdicts = resolution_verdict(runs)
    assert verdicts[(2000, 500)]["shares"] == "outside", verdicts[(2000, 500)]


@pytest.mark.full
def test_block_outcome_shares_do_not_depend_on_resolution(block_runs) -> None:
    assert_shares_agree(block_runs)


@pytest.mark.full
@pytest.mark.xfail(strict=True, reason="blocks: deaths max/min 1.154 > 1.15 at 2,400 (module doc)")
def test_block_deaths_per_capita_do_not_depend_on_resolution(block_runs) -> None:
    assert_deaths_agree(block_runs)


# -- the blocks' table, as the record's score reads it (session 26) ---------------------------
# A block holds a share of its people, so a region's active crowd is a float number of agents'
# worth. Until session 26 the timeseries table truncated each kind's count to whole agents
# (`model._timeseries_table`), and the record's score reads that table: the spread's threshold
# of 0.5% of a region then needed ceil(0.005 x agents) whole agents of one kind, which depends
# on the resolution (a region of 500,000 people: 2,500 people at 500, 3,000 at 1,000, 4,000 at
# 2,000 people per agent). At point 1025 that reading alone was the spread the blocks lost at
# 2,000: 0.72 missed read from the truncated table, 0.34 from the same runs' floats
# (experiments/session26/res/README.md). The table now keeps the blocks' floats.
def _table_and_floats(people_per_agent: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One run of the city of blocks: per day, the table's active column and the day's own
    active statistics (floats, agents' worth), both in people."""
    from transition_sim.core.kernel import STAT_ACTIVE
    from transition_sim.core.model import TransitionModel

    model = TransitionModel(city_of_blocks(people_per_agent), seed=seed)
    model.run()
    table = model.timeseries()
    table = table[table.region == "city"].sort_values("day")
    own = np.array([s[0, STAT_ACTIVE : STAT_ACTIVE + 3].sum() for _, s, _, _ in model.rows])
    return (
        table.active.to_numpy(dtype=float) * people_per_agent,
        own * people_per_agent,
    )


def test_the_blocks_table_holds_their_active_people() -> None:
    """The table's active crowd of a blocks region is the crowd's own, to the person, at any
    resolution (a resolution-independent reading of the record's spread needs it)."""
    for ppa in (2000, 1000):
        table, own = _table_and_floats(ppa, 3)
        assert (own > 0).any()
        assert np.abs(table - own).max() < 1.0, (ppa, np.abs(table - own).max())
