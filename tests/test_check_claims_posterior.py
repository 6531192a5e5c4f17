"""``transition-sim check-claims --posterior DIR``: the claims battery under a fitted posterior.

Replication r of a baseline and of each counterfactual runs the same particle (drawn by weight
from replication r's seed, as `run` draws it) and the same seed, a counterfactual keeping its
own value of a fitted parameter it sets. Posteriors here are tiny and built from prior draws
(`posterior_files`), with ``patron.cost`` added where a test needs a parameter that decides a
claim. Bad posteriors exit 2 with the file and the field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from posterior_files import ADDRESSES, prior_draws_posterior
from test_check_claims import WRONG, registry, run_json

from transition_sim.claims import SCENARIOS_DIR, load_expectations, load_priors
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, own_values_kept
from transition_sim.scenario.address import scenario_values, yaml_value
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.posterior import read_posterior, write_posterior
from transition_sim.studies.claims_battery import FAILS, run_battery
from transition_sim.studies.compare import compare_plan
from transition_sim.studies.sweep import load_runs

N, SEED = "24", "5"  # as tests/test_check_claims.py: the wrong claim fails at point values


def with_patron_cost(folder: Path, costs: list[float], weights: list[float] | None = None) -> Path:
    """A posterior of prior draws of the crowd's parameters plus ``patron.cost`` (one value per
    particle; the patron accepts an invitation with probability 1 - cost), with ``weights``."""
    prior_draws_posterior(folder, particles=len(costs), weights=weights)
    drawn = read_posterior(folder)
    values = {c: [row[i] for row in drawn.values] for i, c in enumerate(drawn.columns)}
    write_posterior(folder, values | {"patron.cost": costs}, drawn.weights, drawn.metadata)
    return folder


def uncertainty(folder: Path) -> Uncertainty:
    drawn = read_posterior(folder)
    return Uncertainty((), load_priors().coupled, 1, drawn.file, drawn)


@pytest.fixture(scope="module")
def wrong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with one comparison: the deliberately wrong claim that a patron that declines
    sends more troops (at point values the baseline's patron comes when invited: it fails)."""
    return registry(tmp_path_factory.mktemp("claims"), C_wrong=WRONG)


def test_a_posterior_that_shuts_the_patron_out_changes_the_verdict(
    tmp_path: Path, wrong: Path
) -> None:
    """Under a posterior where the patron never accepts (cost 1 in every particle), the
    baseline sends no troops either: the wrong claim is no longer contradicted. The record and
    the table say which parameters ran."""
    fit = with_patron_cost(tmp_path / "fit", [1.0, 1.0, 1.0])
    code, point = run_json("--claims", str(wrong), "-n", N, "--seed", SEED, "-w", "1", "--point")
    assert code == 0
    code, drawn = run_json(
        "--claims", str(wrong), "-n", N, "--seed", SEED, "-w", "1", "--posterior", str(fit)
    )
    assert code == 0
    assert point[0]["verdict"] == FAILS and point[0]["baseline_value"] > 0
    assert point[0]["parameters"] == {"mode": "point"}
    assert drawn[0]["verdict"] != FAILS, drawn[0]
    assert drawn[0]["baseline_value"] == 0, "no particle lets the patron come"
    used = drawn[0]["parameters"]
    assert used["mode"] == "posterior" and used["particles"] == 3
    assert Path(used["posterior"]) == fit / "posterior.parquet"
    # kz_no_patron sets patron.cost itself: its draws keep that value, not the column
    assert "patron.cost" in used["columns"]


def test_the_table_names_the_posterior(tmp_path: Path, wrong: Path) -> None:
    from test_check_claims import cli

    from transition_sim.cli import app

    fit = with_patron_cost(tmp_path / "fit", [0.5, 1.0])
    args = ["check-claims", "--claims", str(wrong), "-n", "4", "-w", "1", "--posterior", str(fit)]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(2 particles)" in " ".join(result.stdout.split())


def test_replication_r_of_both_scenarios_draws_the_same_particle(tmp_path: Path) -> None:
    """The comparison's plan: for every replication, the baseline and the counterfactual get
    the same seed and the same particle's values (the counterfactual keeping patron.cost = 1,
    which it sets itself); over replications, several particles are drawn."""
    # unequal weights: a draw that took its particle otherwise for one scenario would differ
    fit = with_patron_cost(tmp_path / "fit", [0.1, 0.3, 0.5, 0.7, 0.9], [5, 1, 4, 2, 3])
    drawn = uncertainty(fit)
    base = load_scenario(SCENARIOS_DIR / "kazakhstan_2022.yaml")
    counterfactual = load_scenario(SCENARIOS_DIR / "kz_no_patron.yaml")
    scenarios = [base, counterfactual]
    plan = compare_plan(
        scenarios, ["b", "c"], 30, 11, [own_values_kept(drawn, s, base) for s in scenarios]
    )
    particles = set()
    for r in range(plan.replications):
        assert plan.seed(0, r) == plan.seed(1, r)
        values = []
        for point in (0, 1):
            scenario, u = plan.build(point)
            data = scenario_values(drawn_scenario(scenario, plan.seed(point, r), u))
            values.append({a: yaml_value(data, a) for a in (*ADDRESSES, "patron.cost")})
        b, c = values
        assert {a: b[a] for a in ADDRESSES} == {a: c[a] for a in ADDRESSES}, r
        assert c["patron.cost"] == 1.0
        particles.add(tuple(b.values()))
    assert particles <= {tuple(row) for row in drawn.posterior.values}
    assert len(particles) > 2


def test_the_battery_runs_are_those_run_draws(tmp_path: Path) -> None:
    """Each scenario's runs in the battery are, replication by replication, the runs `run`
    makes under the same posterior and base seed: the battery runs the draws it says."""
    fit = with_patron_cost(tmp_path / "fit", [0.2, 0.6, 1.0], [1, 2, 3])
    drawn = uncertainty(fit)
    path = registry(tmp_path, C_wrong=WRONG)
    expectations, _ = load_expectations(path)
    run_battery(
        expectations, [], tmp_path / "out", replications=8, seed=3,
        uncertainties={"kazakhstan_2022": drawn},
    )  # fmt: skip
    runs = load_runs(tmp_path / "out" / "kazakhstan_2022")
    base = load_scenario(SCENARIOS_DIR / "kazakhstan_2022.yaml")
    for point, name in ((0, "kazakhstan_2022"), (1, "kz_no_patron")):
        scenario = load_scenario(SCENARIOS_DIR / f"{name}.yaml")
        alone = run_ensemble(
            scenario, 8, 3, keep="summary", uncertainty=own_values_kept(drawn, scenario, base)
        ).runs
        mine = runs[runs["point"] == point].set_index("replication").sort_index()
        for column in ("outcome", "deaths", "patron_troops"):
            pd.testing.assert_series_equal(
                mine[column].reset_index(drop=True),
                alone.set_index("replication").sort_index()[column].reset_index(drop=True),
                check_names=False,
            )


# -- bad input ----------------------------------------------------------------------------------
def test_a_missing_posterior_exits_2_with_the_file(tmp_path: Path, wrong: Path) -> None:
    missing = tmp_path / "nowhere"
    code, out = run_json("--claims", str(wrong), "-n", "2", "--posterior", str(missing))
    assert code == 2
    error = out["error"]
    assert error["field"] == "--posterior" and error["file"] == str(missing)
    assert "nowhere" in error["message"]


def test_a_parquet_that_is_not_a_posterior_exits_2(tmp_path: Path, wrong: Path) -> None:
    folder = tmp_path / "table"
    folder.mkdir()
    pq.write_table(pa.table({"particle": [0], "weight": [1.0], "crowd.contagion": [0.1]}),
                   folder / "posterior.parquet")  # fmt: skip
    code, out = run_json("--claims", str(wrong), "-n", "2", "--posterior", str(folder))
    assert code == 2
    assert out["error"]["field"] == "--posterior" and "not a posterior" in out["error"]["message"]


def test_a_column_that_is_no_parameter_exits_2(tmp_path: Path, wrong: Path) -> None:
    fit = prior_draws_posterior(tmp_path / "fit", particles=2)
    drawn = read_posterior(fit)
    values = {c: [row[i] for row in drawn.values] for i, c in enumerate(drawn.columns)}
    write_posterior(fit, values | {"crowd.nothing": [0.1, 0.2]}, drawn.weights, drawn.metadata)
    code, out = run_json("--claims", str(wrong), "-n", "2", "--posterior", str(fit))
    assert code == 2
    assert out["error"]["field"] == "--posterior" and "crowd.nothing" in out["error"]["message"]


def test_point_contradicts_a_posterior(tmp_path: Path, wrong: Path) -> None:
    fit = prior_draws_posterior(tmp_path / "fit", particles=2)
    code, out = run_json("--claims", str(wrong), "-n", "2", "--point", "--posterior", str(fit))
    assert code == 2
    assert out["error"]["field"] == "--posterior"


def test_errors_have_no_traceback(tmp_path: Path, wrong: Path) -> None:
    from test_check_claims import cli

    from transition_sim.cli import app

    result = cli.invoke(
        app, ["check-claims", "--claims", str(wrong), "--posterior", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output and str(tmp_path / "x") in result.stderr


def test_a_baseline_that_names_a_posterior_runs_under_it_unless_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --posterior, a baseline's own ``from_posterior:`` is used; --point overrides it."""
    import transition_sim.claims
    from transition_sim.cli.claims import _parameters

    prior_draws_posterior(tmp_path / "fit", particles=2)
    real = SCENARIOS_DIR / "kazakhstan_2022.yaml"
    text = f"extends: {real}\nfrom_posterior: fit\n"
    (tmp_path / "kazakhstan_2022.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(transition_sim.claims, "SCENARIOS_DIR", tmp_path)
    drawn = _parameters(["kazakhstan_2022"], None, False)["kazakhstan_2022"]
    assert drawn is not None and drawn.posterior is not None
    assert Path(drawn.posterior.file) == (tmp_path / "fit" / "posterior.parquet").resolve()
    assert _parameters(["kazakhstan_2022"], None, True) == {"kazakhstan_2022": None}
