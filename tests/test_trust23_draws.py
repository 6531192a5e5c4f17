"""Session 23: the commands that draw parameters (from the registry of priors, or from a
posterior fitted under it) refuse, before any run, a scenario a draw would make invalid, as
`run` and `backtest` do since session 22 (`claims.refused_draws`, `posterior.column_problems`):
exit 2 at the line that gives the offending range, no run stopped midway, no traceback.

The audit (session 23, helper T): `sweep` and `sensitivity` check every design point before
any run (tests/test_experiment_spec.py); `compare` and the dashboard's runs draw nothing (point
values). `fit` checked its priors' ends against the base scenario only, and `check-claims`
checked a posterior's particles against the baselines only: the two holes below.
"""

from __future__ import annotations

import json
from pathlib import Path

from posterior_files import prior_draws_posterior
from test_check_claims import cli, line_of
from test_fit import SPEC, library, refused

from transition_sim.claims import BASELINE_PATH
from transition_sim.cli import app
from transition_sim.scenario.posterior import read_posterior, write_posterior

# -- fit ---------------------------------------------------------------------------------------

CONTAGION = "address: crowd.contagion, prior: {{distribution: uniform, low: 0.05, high: 0.2}}"
VIOLENT = (
    "address: protesters.violent_share, prior: {{distribution: uniform, low: 0.05, high: 0.5}}"
)


def test_fit_refuses_a_prior_whose_end_a_case_refuses(tmp_path: Path) -> None:
    """A prior the base accepts at both ends ([0.05, 0.5] of violent_share: the base has no
    crime share) that a case refuses at its high end (its own crime_share 0.7: the two shares
    must not exceed 1 together). The fit checked the ends against the base only: a particle
    drawn above 0.3 stopped the fit in its first generation with exit 1, "internal error:
    ValidationError". It is the spec's bad input: exit 2 at the prior's line, naming the case."""
    assert CONTAGION in SPEC
    spec = library(tmp_path, SPEC.replace(CONTAGION, VIOLENT), "protesters: {crime_share: 0.7}\n")
    output = " ".join(refused(spec, tmp_path).split())
    assert "fit.yaml:11: parameters.1.prior: the prior reaches 0.5, which" in output
    assert "case_b.yaml refuses" in output and "violent_share + crime_share" in output
    assert "internal error" not in output
    assert not (tmp_path / "out").exists(), "refused before the fit's folder is made"


# -- check-claims under a posterior ------------------------------------------------------------

CLAIMS = """\
claims:
  - id: C-low-second
    speaker: Temur Umarov
    quote: "q"
    mechanism: m
    parameters: []
    expects:
      - says: a lower second threshold of escalation
        set: {government.escalation_thresholds.1: 0.006}
        median: peak_protesters
        direction: decrease
facts: []
assumptions: []
"""


def _posterior(folder: Path, first_thresholds: list[float]) -> Path:
    """Prior draws of the crowd's parameters plus the first escalation threshold (one value
    per particle): every particle runs on the baseline (thresholds [.., 0.01, 0.03])."""
    prior_draws_posterior(folder, particles=len(first_thresholds))
    drawn = read_posterior(folder)
    values = {c: [row[i] for row in drawn.values] for i, c in enumerate(drawn.columns)}
    column = {"government.escalation_thresholds.0": first_thresholds}
    write_posterior(folder, values | column, drawn.weights, drawn.metadata)
    return folder


def test_check_claims_refuses_a_counterfactual_that_refuses_a_particle(tmp_path: Path) -> None:
    """The counterfactual sets the second threshold to 0.006: the particles whose first
    threshold is above it (0.0065) make it invalid (thresholds ascend), though each runs on the
    baseline. The battery ran them, every such run failed, and it said "inconclusive (undefined
    in too many runs)" with exit 0: a verdict of a comparison that never ran. Refused before any
    run instead, at the registry line that sets the value."""
    registry = tmp_path / "claims.yaml"
    registry.write_text(CLAIMS, encoding="utf-8")
    fit = _posterior(tmp_path / "fit", [0.004, 0.0065, 0.0066])
    args = ["check-claims", "--claims", str(registry), "-n", "4", "-w", "1", "--posterior"]
    result = cli.invoke(app, [*args, str(fit), "--json"])
    assert result.exit_code == 2, result.output
    line = line_of(registry, "set: {government.escalation_thresholds.1")
    assert f"{registry}:{line}: government.escalation_thresholds.1: " in result.stderr
    assert "refuses a particle" in result.stderr
    assert "thresholds must be in ascending order" in result.stderr
    assert "internal error" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["file"], error["line"], error["code"]) == (str(registry), line, 2)


def test_check_claims_runs_a_counterfactual_every_particle_allows(tmp_path: Path) -> None:
    """The same comparison under particles whose first threshold stays below 0.006 runs: the
    refusal above is the particles', not the counterfactual's."""
    registry = tmp_path / "claims.yaml"
    registry.write_text(CLAIMS, encoding="utf-8")
    fit = _posterior(tmp_path / "fit", [0.004, 0.005, 0.0055])
    args = ["check-claims", "--claims", str(registry), "-n", "4", "-w", "1", "--posterior"]
    result = cli.invoke(app, [*args, str(fit), "--json"])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["failed_runs"] == 0


# -- priors whose ends the scenario refuses only together ----------------------------------------

THRESHOLDS = """\
assumptions:
  - id: A-overlapping
    parameters: [government.escalation_thresholds]
    reason: a test
    priors:
      government.escalation_thresholds.0: [uniform, 0.003, 0.0099]
      government.escalation_thresholds.1: [uniform, 0.005, 0.015]
    prior_reason: ranges that overlap
"""


def test_run_refuses_priors_whose_ends_cross_each_other(tmp_path: Path) -> None:
    """Each prior's end runs with the other threshold at its point value, all lows together
    run and all highs together run (the checks `run` made), but the first threshold's high end
    with the second's low end crosses them: about one draw in six stopped the run midway (exit
    1, ValidationError: at the sixth of 20 replications, seed 2022). Refused before any run."""
    registry = tmp_path / "priors.yaml"
    registry.write_text(THRESHOLDS, encoding="utf-8")
    args = ["run", str(BASELINE_PATH), "--uncertainty", "prior", "--priors", str(registry)]
    result = cli.invoke(app, [*args, "-n", "20", "-w", "1", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    line = line_of(registry, "government.escalation_thresholds.0:")
    field = "A-overlapping.priors.government.escalation_thresholds.0"
    assert f"{registry}:{line}: {field}: the prior reaches 0.0099" in result.stderr
    assert "with government.escalation_thresholds.1 at 0.005" in result.stderr
    assert "ascending order" in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_backtest_refuses_priors_whose_ends_cross_each_other(tmp_path: Path) -> None:
    """The same registry for the backtest: refused before any case runs (a case crossing them
    alone is caught as well, `refused_draws`: an order of its own numbers does not differ from
    the baseline's here, so the baseline's check speaks first)."""
    registry = tmp_path / "priors.yaml"
    registry.write_text(THRESHOLDS, encoding="utf-8")
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "short.yaml").write_text(
        f"extends: {Path(BASELINE_PATH).resolve()}\nname: short\ndays: 8\nseed: 11\n"
        "observed: {outcome: incumbent_holds, crisis: mass_protest}\n",
        encoding="utf-8",
    )
    args = ["backtest", str(cases), "-n", "20", "-w", "1", "--priors", str(registry)]
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = line_of(registry, "government.escalation_thresholds.0:")
    assert f"{registry}:{line}: A-overlapping.priors.government.escalation_thresholds.0: " in (
        result.stderr
    )
    assert "with government.escalation_thresholds.1 at 0.005" in result.stderr


SHARES = (
    "address: protesters.violent_share, prior: {{distribution: uniform, low: 0.05, high: 0.9}}}}\n"
    "  - {{address: protesters.crime_share, prior: {{distribution: uniform, low: 0.0, high: 0.9}}"
)


def test_fit_refuses_priors_whose_high_ends_the_base_refuses_together(tmp_path: Path) -> None:
    """Two fitted shares, each of whose ends runs with the other at its point value, but not
    both high (they must not exceed 1 together): the fit checked one prior at a time, and the
    particles that drew both high stopped it in generation 0 (exit 1, ValidationError)."""
    assert CONTAGION in SPEC
    spec = library(tmp_path, SPEC.replace(CONTAGION, SHARES))
    output = " ".join(refused(spec, tmp_path).split())
    said = "fit.yaml:12: parameters.2.prior: the prior reaches 0.9, which the scenario refuses:"
    assert f"{said} with protesters.violent_share at 0.9: " in output
    assert "violent_share + crime_share" in output and "internal error" not in output


def test_run_refuses_priors_whose_high_ends_the_scenario_refuses_together(tmp_path: Path) -> None:
    """As the fit's above, for the registry of `run --uncertainty prior`: all highs together
    were refused, no prior alone, so nothing was reported and the run stopped midway."""
    registry = tmp_path / "priors.yaml"
    registry.write_text(
        THRESHOLDS.replace("government.escalation_thresholds]", "protesters.violent_share]")
        .replace("government.escalation_thresholds.0: [uniform, 0.003, 0.0099]",
                 "protesters.violent_share: [uniform, 0.01, 0.9]")  # both crowds' values
        .replace("government.escalation_thresholds.1: [uniform, 0.005, 0.015]",
                 "protesters.crime_share: [uniform, 0.0, 0.9]"),
        encoding="utf-8",
    )  # fmt: skip
    args = ["run", str(BASELINE_PATH), "--uncertainty", "prior", "--priors", str(registry)]
    result = cli.invoke(app, [*args, "-n", "20", "-w", "1"])
    assert result.exit_code == 2, result.output
    line = line_of(registry, "protesters.crime_share:")
    field = "A-overlapping.priors.protesters.crime_share"
    said = f"{registry}:{line}: {field}: the prior reaches 0.9, which the scenario refuses:"
    assert f"{said} with protesters.violent_share at 0.9: " in result.stderr
