"""Parameter uncertainty: priors drawn per replication (`run --uncertainty prior`).

The draws depend on the replication alone (not on the workers), stay inside their priors, leave
the crowd's stream unchanged given the parameters, and the variance split tells parameter
uncertainty from seed noise.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from transition_sim.claims import (
    BASELINE_PATH,
    REGISTRY_PATH,
    Prior,
    draw_priors,
    load_priors,
)
from transition_sim.cli import app
from transition_sim.core.results import RunResult
from transition_sim.ensemble import store
from transition_sim.ensemble.executors import Interrupted
from transition_sim.ensemble.job import run_to_folder
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.ensemble.summary import summarize, variance_split
from transition_sim.ensemble.uncertainty import Uncertainty, drawn_scenario, drawn_values
from transition_sim.scenario.address import scenario_values, set_value, yaml_value
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import settled_paths
from transition_sim.simulate import simulate

PRIORS = load_priors()
BASELINE = load_scenario(BASELINE_PATH)
# Short runs of the real model: enough days for the crisis to start and the elites to move.
SHORT = BASELINE.model_copy(update={"days": 8})
WATCHED = ("crowd.contagion", "camps.successor.power", "factions.KNB.loyalty.family")


def echo_simulate(scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
    """A stand-in for the model that reports some of the parameters it was given, and a
    seed-only coin for the outcome (top-level, so that a process pool can run it)."""
    data = scenario.model_dump(mode="json")
    metrics = {path: float(yaml_value(data, path)) for path in WATCHED}
    coin = np.random.default_rng(seed).random()
    outcome = "incumbent_holds" if coin < 0.5 else "power_sharing"
    return RunResult(outcome, metrics, pd.DataFrame({"day": [0]}), pd.DataFrame({"day": [0]}))


def contagion_simulate(scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
    """A stand-in whose outcome is mostly set by a drawn parameter (contagion above the
    middle of its prior), with a little seed noise."""
    contagion = scenario.crowd.contagion
    prior = next(p for p in PRIORS.priors if p.path == "crowd.contagion")
    noise = np.random.default_rng(seed).random() < 0.1
    holds = (contagion < (prior.low + prior.high) / 2) != noise
    outcome = "incumbent_holds" if holds else "power_sharing"
    return RunResult(outcome, {}, pd.DataFrame({"day": [0]}), pd.DataFrame({"day": [0]}))


def _uncertainty(k: int = 1, priors: tuple[Prior, ...] = PRIORS.priors) -> Uncertainty:
    return Uncertainty(priors, PRIORS.coupled, k, str(REGISTRY_PATH))


def _degenerate(priors: tuple[Prior, ...]) -> tuple[Prior, ...]:
    """Every prior collapsed onto the baseline's value (low == high); the prior of a value the
    baseline leaves null (the vision in residents, beside its vision in cells) is not drawn and
    stays as it is."""
    data = scenario_values(BASELINE)
    out = []
    for p in priors:
        value = yaml_value(data, p.path)
        if value is None:
            out.append(p)
            continue
        out.append(replace(p, low=float(value), high=float(value)))
    return tuple(out)


def test_draws_are_identical_whatever_the_workers() -> None:
    args = {"replications": 12, "seed": 3, "simulate_fn": echo_simulate, "keep": "summary"}
    serial = run_ensemble(BASELINE, workers=1, uncertainty=_uncertainty(2), **args)
    pooled = run_ensemble(BASELINE, workers=2, uncertainty=_uncertainty(2), **args)
    pd.testing.assert_frame_equal(serial.runs, pooled.runs)
    # parameters change from draw to draw, and the replications of a draw share them
    contagion = serial.runs["crowd.contagion"].to_numpy()
    assert np.all(contagion[0::2] == contagion[1::2])
    assert len(set(contagion)) == 6


def test_point_values_are_todays_results() -> None:
    ensemble = run_ensemble(SHORT, replications=3, seed=5, keep="summary")
    for row in ensemble.runs.itertuples():
        alone = simulate(SHORT, replication_seed(5, row.replication))
        assert row.outcome == alone.outcome
        assert row.deaths == alone.metrics["deaths"]
        assert row.detained == alone.metrics["detained"]


def test_degenerate_priors_leave_the_crowds_stream_unchanged() -> None:
    """Given the parameters, a replication is the run at point values: the prior's stream
    does not touch the crowd's."""
    point = run_ensemble(SHORT, replications=3, seed=5, keep="summary")
    fixed = _uncertainty(1, _degenerate(PRIORS.priors))
    drawn = run_ensemble(SHORT, replications=3, seed=5, keep="summary", uncertainty=fixed)
    pd.testing.assert_frame_equal(point.runs, drawn.runs)


def test_a_draw_stays_inside_its_prior() -> None:
    data = scenario_values(BASELINE)
    coupled = {m for members in PRIORS.coupled for m in members}
    draws = [draw_priors(PRIORS.priors, seed, data) for seed in range(400)]
    # every prior is drawn but the vision in cells, which the baseline (a crowd of blocks since
    # session 26) leaves null: it gives vision in residents (tests/test_priors_blocks24.py)
    undrawn = {p.path for p in PRIORS.priors if p.path not in draws[0]}
    assert undrawn == {"crowd.vision"}
    for p in PRIORS.priors:
        if p.path in undrawn:
            continue
        values = np.array([d[p.path] for d in draws])
        assert values.min() >= p.low and values.max() <= p.high, p.path
        if p.low < p.high:
            assert len(set(values)) > 300, p.path  # drawn, not stuck
    # the applied scenario keeps coupled sets' sums and valid draws (rounded integers aside);
    # the rules a crowd of blocks settles (`settled_paths`) are drawn but never applied
    settled = settled_paths(data)
    for seed in range(20):
        values, applied = drawn_values(BASELINE, seed, _uncertainty())
        assert not settled & set(applied), settled & set(applied)
        for members in PRIORS.coupled:
            total = sum(float(yaml_value(data, m)) for m in members)
            assert math.isclose(sum(applied[m] for m in members), total, rel_tol=1e-9)
        for p in PRIORS.priors:
            if p.path not in coupled | undrawn | settled:
                assert p.low - 0.5 <= applied[p.path] <= p.high + 0.5  # ints round


def test_distributions_have_their_shape() -> None:
    """Log-uniform: half the draws below the geometric mean; triangular: the mean is
    (low + mode + high) / 3."""
    data = {"a": 0.01, "b": 0.2}
    priors = (Prior("a", "log-uniform", 0.001, 0.1), Prior("b", "triangular", 0.0, 1.0))
    draws = [draw_priors(priors, seed, data) for seed in range(4000)]
    a = np.array([d["a"] for d in draws])
    b = np.array([d["b"] for d in draws])
    assert abs((a < 0.01).mean() - 0.5) < 0.03
    assert abs(b.mean() - 1.2 / 3) < 0.01


def test_variance_split_recovers_known_components() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(400), 5)
    between = rng.normal(0, 2.0, 400)[groups]  # variance 4 from "parameters"
    values = between + rng.normal(0, 1.0, groups.size)  # variance 1 from "seeds"
    split = variance_split(values, groups)
    assert split is not None
    assert split["parameters"] == pytest.approx(4.0, rel=0.15)
    assert split["seeds"] == pytest.approx(1.0, rel=0.1)
    assert split["total"] == pytest.approx(values.var(ddof=1), rel=0.05)
    none_between = variance_split(rng.normal(0, 1.0, groups.size), groups)
    assert none_between is not None and none_between["parameters"] < 0.05


def test_degenerate_priors_give_no_parameter_share() -> None:
    """With the coin depending on the seed only, all the variance is the seeds'; with draws
    feeding the outcome, the parameters get a share."""
    fixed = _uncertainty(4, _degenerate(PRIORS.priors))
    runs = run_ensemble(
        BASELINE, 240, 1, simulate_fn=echo_simulate, keep="summary", uncertainty=fixed
    )
    summary = summarize(runs)
    for name in ("incumbent_holds", "power_sharing"):
        share = summary["outcomes"][name]["variance_share"]
        assert share["parameters"] < 0.1
        assert share["parameters"] + share["seeds"] == pytest.approx(1.0)
    assert summary["uncertainty"]["draws"] == 60
    # the same priors drawn for real, and an outcome that follows a drawn parameter
    drawn = run_ensemble(
        BASELINE,
        240,
        1,
        simulate_fn=contagion_simulate,
        keep="summary",
        uncertainty=_uncertainty(4),
    )
    share = summarize(drawn)["outcomes"]["incumbent_holds"]["variance_share"]
    assert share["parameters"] > 0.5


def test_the_real_model_gets_a_parameter_share() -> None:
    runs = run_ensemble(SHORT, 24, 2, keep="summary", uncertainty=_uncertainty(3))
    assert runs.runs["deaths"].nunique() > 1
    summary = summarize(runs)
    assert summary["uncertainty"]["mode"] == "prior"
    assert all("variance_share" in entry for entry in summary["outcomes"].values())


def test_resume_refuses_a_change_of_mode(tmp_path: Path) -> None:
    out = tmp_path / "results"

    class Stop:
        def __init__(self) -> None:
            self.calls = 0

        def __call__(self, scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.calls > 20:
                raise Interrupted(2)
            return echo_simulate(scenario, seed)

    scenario = BASELINE.model_copy(update={"replications": 40})
    with pytest.raises(Interrupted):
        run_to_folder(scenario, out, simulate_fn=Stop())
    with pytest.raises(store.OutputError, match="uncertainty"):
        run_to_folder(
            scenario, out, resume=True, simulate_fn=echo_simulate, uncertainty=_uncertainty()
        )
    run_to_folder(scenario, out, force=True, simulate_fn=echo_simulate, uncertainty=_uncertainty())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["uncertainty"]["mode"] == "prior"
    assert (out / "scenario.resolved.yaml").read_text().startswith("# uncertainty: prior")


# -- bad priors exit 2 with file, line and field --------------------------------------------------
BAD = {
    "unknown distribution": (
        "crowd.citizen_density: [triangular,",
        "crowd.citizen_density: [normal,",
        "unknown distribution",
    ),
    "low above high": (
        "crowd.citizen_density: [triangular, 0.6, 0.8]",
        "crowd.citizen_density: [triangular, 0.9, 0.8]",
        "low 0.9 > high 0.8",
    ),
    "not a parameter": (
        "crowd.citizen_density: [triangular,",
        "crowd.citizen_densty: [triangular,",
        "citizen_densty",
    ),
    "baseline outside": (
        "crowd.citizen_density: [triangular, 0.6, 0.8]",
        "crowd.citizen_density: [triangular, 0.75, 0.8]",
        "outside [0.75, 0.8]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_priors_exit_2_with_line_and_field(tmp_path: Path, case: str) -> None:
    old, new, message = BAD[case]
    text = REGISTRY_PATH.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "claims.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = 1 + text[: text.index(old)].count("\n")
    args = ["run", str(BASELINE_PATH), "--uncertainty", "prior", "--priors", str(bad), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["file"] == str(bad) and error["line"] == line
    assert error["field"].startswith("A-epstein-crowd.priors.crowd.citizen_dens")
    assert message in error["message"]
    assert f"{bad}:{line}: " in result.stderr


def test_point_and_prior_contradict(tmp_path: Path) -> None:
    args = ["run", str(BASELINE_PATH), "--point", "--uncertainty", "prior", "-n", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--point" in result.stderr


def test_a_coupled_set_the_draws_overfill_keeps_its_point_values() -> None:
    """Another scenario's power shares (the family outside its prior, half the power with the
    opposition) cannot take every draw: such a draw keeps the set's point values."""
    data = scenario_values(BASELINE)
    for path, value in {
        "camps.family.power": 0.0,
        "camps.successor.power": 0.3,
        "power.opposition": 0.5,
    }.items():
        set_value(data, path, value)
    other = BASELINE.model_validate(data)
    members = ("camps.successor.power", "camps.family.power", "power.security")
    kept = 0
    for seed in range(60):
        _, applied = drawn_values(other, seed, _uncertainty())
        if members[0] not in applied:
            kept += 1
        else:
            assert math.isclose(sum(applied[m] for m in members), 0.5, rel_tol=1e-9)
    assert 0 < kept < 60


def test_run_point_prints_what_simulate_gives() -> None:
    """`run --point` is the run at point values: each replication is `simulate` at the
    scenario's values with its derived seed. The default draws from the priors (since session
    26 the baseline, a crowd of blocks, names no posterior: the library's fit was made with
    agents), and says so."""
    args = ["run", str(BASELINE_PATH), "-n", "2", "--seed", "9", "-w", "1", "--json"]
    summary = json.loads(CliRunner().invoke(app, [*args, "--point"]).stdout)
    assert json.loads(CliRunner().invoke(app, [*args, "--uncertainty", "point"]).stdout) == summary
    assert json.loads(CliRunner().invoke(app, args).stdout)["uncertainty"]["mode"] == "prior"
    assert "uncertainty" not in summary
    runs = [simulate(BASELINE, replication_seed(9, r)) for r in range(2)]
    for name, entry in summary["outcomes"].items():
        assert entry["share"] == sum(r.outcome == name for r in runs) / 2
    assert summary["metrics"]["deaths"]["median"] == np.median([r.metrics["deaths"] for r in runs])


def test_seeds_per_draw_needs_drawn_parameters() -> None:
    args = ["run", str(BASELINE_PATH), "--point", "--seeds-per-draw", "2", "-n", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--seeds-per-draw" in result.stderr


@pytest.mark.parametrize(
    "path", sorted(Path(BASELINE_PATH).parent.rglob("*.yaml")), ids=lambda p: p.stem
)
def test_every_shipped_scenario_takes_draws(path: Path) -> None:
    """The priors are the baseline's; a case with other camps or sums draws what fits and
    stays a valid scenario (a coupled set it lacks in part keeps its point values)."""
    scenario = load_scenario(path)
    for seed in range(8):
        drawn = drawn_scenario(scenario, seed, _uncertainty())
        assert drawn.name == scenario.name


@pytest.mark.parametrize("k", [1, 3])
def test_the_draws_checked_before_a_run_are_bounded_whatever_its_length(
    monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    """`refused_draw` validates the first `CHECKED_DRAWS` draws of a run, not every draw: a
    check per draw made `run -n 1000000000` validate for days before its first replication.
    Within the bound it still looks at every draw (one validation each)."""
    from transition_sim.ensemble import uncertainty as module

    checked: list[int] = []
    real = module._refusal

    def counting(data, values, coupled):  # type: ignore[no-untyped-def]
        checked.append(1)
        return real(data, values, coupled)

    monkeypatch.setattr(module, "_refusal", counting)
    assert module.refused_draw(SHORT, _uncertainty(k), 10**12, 5) is None
    assert len(checked) == module.CHECKED_DRAWS
    checked.clear()
    assert module.refused_draw(SHORT, _uncertainty(k), 7 * k, 5) is None
    assert len(checked) == 7  # a short run: each of its draws
