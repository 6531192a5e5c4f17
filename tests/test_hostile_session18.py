"""Hostile checks of session 18's changes (the crowd's size as a public signal, the fit spec with
the trigger constants and the signal's rate free): what broke, kept as tests."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from transition_sim.claims import REGISTRY_PATH
from transition_sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
cli = CliRunner()

FIT = f"""\
name: tiny
scenario: {BASE}
cases: cases
seed: 7
population: 4
generations: 1
replications: 1
days: 4
parameters:
  - {{address: loyalty_dynamics.crowd_size, prior: A-loyalty-crowd-size}}
  - {{address: loyalty_dynamics.crowd_size_steepness, prior: {{distribution: uniform, low: -1.0, high: 6.0}}}}
record:
  replications: 1
  deaths: {{value: 231, source: F-toll}}
  detained: {{value: 9900, source: F-toll}}
  invitation_day: {{range: [2, 6], source: F-csto-invited}}
  days_to_order: {{value: 9, source: F-csto-withdrawal}}
  peak_crowd: {{region: Almaty, range: [5000, 50000], source: A-peak-crowd}}
"""  # noqa: E501


def test_a_fit_whose_prior_reaches_a_value_the_schema_refuses_exits_2_before_running(
    tmp_path: Path,
) -> None:
    """A prior that draws values the scenario refuses (a steepness below 0) is refused when the
    spec is read, at its line (exit 2, file:line: field), not by an internal error (exit 1) at
    the first particle drawn there, minutes into the fit."""
    (tmp_path / "cases").mkdir()
    for name, outcome in (("case_a", "incumbent_holds"), ("case_b", "popular_transition")):
        case = f"""\
            extends: {BASE}
            name: {name}
            observed: {{outcome: {outcome}, crisis: mass_protest}}
            """
        (tmp_path / "cases" / f"{name}.yaml").write_text(dedent(case))
    spec = tmp_path / "fit.yaml"
    spec.write_text(FIT)
    out = tmp_path / "out"
    result = cli.invoke(app, ["fit", str(spec), "-o", str(out), "-w", "1"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{spec}:11: parameters.1.prior:" in result.output, result.output
    assert "crowd_size_steepness" in result.output
    assert not (out / "posterior.parquet").exists()


STEEPNESS_PRIOR = "loyalty_dynamics.crowd_size_steepness: [uniform, 1.0, 6.0]"


def test_run_refuses_a_registry_prior_reaching_a_value_the_schema_refuses(tmp_path: Path) -> None:
    """`run --uncertainty prior` with a registry whose prior reaches a value the scenario
    refuses (a steepness of -1) exits 2 at that prior's line before any run, not with an
    internal error (exit 1) at the first replication that draws below 0."""
    text = REGISTRY_PATH.read_text(encoding="utf-8")
    assert text.count(STEEPNESS_PRIOR) == 1
    registry = tmp_path / "claims.yaml"
    registry.write_text(text.replace(STEEPNESS_PRIOR, STEEPNESS_PRIOR.replace("1.0", "-1.0")))
    line = text[: text.index(STEEPNESS_PRIOR)].count("\n") + 1
    args = ["run", str(BASE), "--uncertainty", "prior", "--priors", str(registry)]
    result = cli.invoke(app, [*args, "-n", "1", "-w", "1", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    field = "A-loyalty-crowd-size.priors.loyalty_dynamics.crowd_size_steepness"
    assert f"{registry}:{line}: {field}:" in result.output, result.output
    assert not (tmp_path / "out" / "runs.parquet").exists()


ZERO_CITIZENS = """\
name: a region without citizens
camps:
  - {name: a, incumbent: true, power: 0.5}
  - {name: b, power: 0.5}
regions:
  - {name: capital, urban_population: 2000000, sites: [{name: s}]}
  - {name: hamlet, urban_population: 1, sites: [{name: t}]}
factions:
  p: {units: 20, loyalty: {a: 1.0}}
scale: {people_per_agent: 1000}
crowd: {citizen_density: 0.05, representation: REPRESENTATION}
loyalty_dynamics: {crowd_size: 0.5}
"""


@pytest.mark.parametrize("representation", ["agents", "blocks"])
def test_a_region_whose_grid_holds_no_citizen_is_refused_at_its_line(
    tmp_path: Path, representation: str
) -> None:
    """A region whose grid holds no citizen (1 resident at 1,000 people per agent) is refused
    when the file is read (exit 2, file:line: field), not run: with agents its active share is
    0/0 and NaN reaches every region's contagion signal; with blocks the model stopped on a
    division by zero (exit 1)."""
    path = tmp_path / "x.yaml"
    path.write_text(ZERO_CITIZENS.replace("REPRESENTATION", representation))
    result = cli.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"{path}:7: regions.1.urban_population:" in result.output, result.output
    assert "Traceback" not in result.output


TWO_CITIES = """\
name: two cities
camps:
  - {name: a, incumbent: true, power: 0.5}
  - {name: b, power: 0.5}
regions:
  - {name: loud, urban_population: 20000, sites: [{name: s}]}
  - {name: quiet, urban_population: 20000, sites: [{name: t}]}
factions:
  here: {units: 10, loyalty: {a: 1.0}, deployment: {loud: 1.0}}
  there: {units: 10, loyalty: {a: 1.0}, deployment: {quiet: 1.0}}
  both: {units: 10, loyalty: {a: 1.0}}
loyalty_dynamics: {crowd_size: 0.5}
"""


def test_units_hear_the_crowd_of_their_own_city_only(tmp_path: Path) -> None:
    """The signal is what a faction's units hear of their own city (docs/ODD.md §7.5): with a
    peaceful crowd of 10% of one city and none in the other, a faction deployed in the loud
    city reads it, one deployed in the quiet city reads nothing, one spread over both reads
    half. (A national share in place of the city's passed tests/test_ouster.py.)"""
    import numpy as np

    from transition_sim.core.kernel import N_STATS, PEACEFUL, STAT_ACTIVE
    from transition_sim.core.loyalty import size_signal
    from transition_sim.core.model import TransitionModel
    from transition_sim.scenario.loader import load_scenario

    path = tmp_path / "x.yaml"
    path.write_text(TWO_CITIES)
    m = TransitionModel(load_scenario(path), 1)
    stats = np.zeros((2, N_STATS), dtype=np.int64)
    stats[0, STAT_ACTIVE + PEACEFUL] = round(0.1 * m._citizens[0])
    m.region_share = stats[:, STAT_ACTIVE : STAT_ACTIVE + 3].sum(axis=1) / m._citizens
    here, there, both = m._size_signal(stats)
    d = m.params.loyalty_dynamics
    loud = size_signal(float(m.region_share[0]), d.crowd_size_midpoint, d.crowd_size_steepness)
    assert here == pytest.approx(loud) and loud > 0.5
    assert there == 0.0
    assert both == pytest.approx(loud / 2)


# -- a posterior whose particles the scenario refuses (left by hostile19, fixed by the integrator)
def _refused_posterior(folder: Path) -> Path:
    """A posterior whose second particle has a negative steepness (the schema wants > 0)."""
    from posterior_files import _metadata

    from transition_sim.scenario.posterior import write_posterior

    address = "loyalty_dynamics.crowd_size_steepness"
    write_posterior(folder, {address: [2.0, -1.0, 3.0]}, [1.0, 1.0, 1.0], _metadata(()))
    return folder


def test_run_refuses_a_posterior_particle_the_scenario_refuses(tmp_path: Path) -> None:
    """Before: exit 1, 'internal error: ValidationError', midway through the draws."""
    posterior = _refused_posterior(tmp_path / "p")
    result = cli.invoke(app, ["run", str(BASE), "--posterior", str(posterior), "-n", "4"])
    assert result.exit_code == 2, result.output
    assert "crowd_size_steepness" in result.output and "-1" in result.output
    assert "posterior.parquet" in result.output and "Traceback" not in result.output


def test_a_scenario_naming_such_a_posterior_is_refused_at_its_line(tmp_path: Path) -> None:
    posterior = _refused_posterior(tmp_path / "p")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {BASE}\nname: s\nfrom_posterior: {posterior}\n")
    result = cli.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert f"{scenario}:3: from_posterior:" in result.output
    assert "crowd_size_steepness=-1" in result.output
