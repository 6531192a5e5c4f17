"""A fitted posterior as a scenario's parameters (`from_posterior:`), drawn per replication.

Each replication's draw takes one particle by weight from the draw's seed, so the draws are the
same whatever the workers or the executor; `run` draws by default and `--point` does not; the
loader refuses a posterior it cannot use, at the line of `from_posterior`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from posterior_files import ADDRESSES, prior_draws_posterior
from typer.testing import CliRunner

from transition_sim.claims import BASELINE_PATH, load_priors
from transition_sim.cli import app
from transition_sim.core.results import RunResult
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.ensemble.summary import summarize
from transition_sim.ensemble.uncertainty import Uncertainty
from transition_sim.scenario.address import yaml_value
from transition_sim.scenario.loader import ScenarioError, load_scenario, scenario_to_yaml
from transition_sim.scenario.posterior import read_posterior
from transition_sim.simulate import simulate

COUPLED = load_priors().coupled


def echo_simulate(scenario, seed: int) -> RunResult:  # type: ignore[no-untyped-def]
    """A stand-in that reports the fitted parameters it was given (top-level: it pickles)."""
    data = scenario.model_dump(mode="json")
    metrics = {a: float(yaml_value(data, a)) for a in ADDRESSES}
    outcome = "incumbent_holds" if np.random.default_rng(seed).random() < 0.5 else "power_sharing"
    return RunResult(outcome, metrics, pd.DataFrame({"day": [0]}), pd.DataFrame({"day": [0]}))


def _scenario_file(folder: Path, posterior: str, days: int = 4) -> Path:
    """A short baseline that draws from ``posterior`` (written relative to this file)."""
    path = folder / "drawn.yaml"
    text = f"extends: {BASELINE_PATH}\nname: drawn\ndays: {days}\nfrom_posterior: {posterior}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def posterior(tmp_path: Path) -> Path:
    return prior_draws_posterior(tmp_path / "fit", particles=6, weights=[1, 2, 3, 4, 5, 6])


def _uncertainty(folder: Path, k: int = 1) -> Uncertainty:
    drawn = read_posterior(folder)
    return Uncertainty((), COUPLED, k, drawn.file, drawn)


def test_draws_are_particles_identical_whatever_the_workers(posterior: Path) -> None:
    scenario = load_scenario(_scenario_file(posterior.parent, "fit"))
    args = {"replications": 24, "seed": 4, "simulate_fn": echo_simulate, "keep": "summary"}
    serial = run_ensemble(scenario, workers=1, uncertainty=_uncertainty(posterior, 2), **args)
    pooled = run_ensemble(scenario, workers=2, uncertainty=_uncertainty(posterior, 2), **args)
    pd.testing.assert_frame_equal(serial.runs, pooled.runs)
    # every replication ran one particle's values, and a draw's replications share it
    drawn = read_posterior(posterior)
    seen = [tuple(row) for row in serial.runs[list(ADDRESSES)].itertuples(index=False)]
    assert set(seen) <= set(drawn.values)
    assert seen[0::2] == seen[1::2]
    assert len(set(seen)) > 2


def test_draws_follow_the_weights(tmp_path: Path) -> None:
    """A particle is drawn as often as its weight says; a particle of zero weight never."""
    folder = prior_draws_posterior(tmp_path / "fit", particles=3, weights=[0.0, 0.25, 0.75])
    scenario = load_scenario(_scenario_file(tmp_path, "fit"))
    runs = run_ensemble(
        scenario,
        800,
        1,
        simulate_fn=echo_simulate,
        keep="summary",
        uncertainty=_uncertainty(folder),
    ).runs
    drawn = read_posterior(folder)
    contagion = runs["crowd.contagion"].to_numpy()
    shares = [float(np.mean(contagion == row[0])) for row in drawn.values]
    assert shares[0] == 0.0
    assert shares[1] == pytest.approx(0.25, abs=0.05)
    assert shares[2] == pytest.approx(0.75, abs=0.05)


DASK_SCRIPT = """
import json, sys
sys.path.insert(0, {tests!r})
from distributed import LocalCluster
from test_posterior import echo_simulate, _uncertainty
from transition_sim.ensemble.runner import run_ensemble
from transition_sim.scenario.loader import load_scenario
from pathlib import Path

scenario = load_scenario({scenario!r})
u = _uncertainty(Path({posterior!r}), 3)
local = run_ensemble(scenario, 12, 3, simulate_fn=echo_simulate, keep="summary", uncertainty=u)
with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
    on_dask = run_ensemble(
        scenario, 12, 3, simulate_fn=echo_simulate, keep="summary", uncertainty=u,
        scheduler=c.scheduler_address,
    )
print(json.dumps(on_dask.runs.equals(local.runs)))
"""


def test_a_dask_cluster_draws_the_same_particles(posterior: Path, tmp_path: Path) -> None:
    script = tmp_path / "dask_posterior.py"
    scenario = _scenario_file(posterior.parent, "fit")
    tests = str(Path(__file__).parent)
    script.write_text(
        textwrap.dedent(
            DASK_SCRIPT.format(tests=tests, scenario=str(scenario), posterior=str(posterior))
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) is True


def test_run_draws_from_the_posterior_by_default_and_point_does_not(posterior: Path) -> None:
    path = _scenario_file(posterior.parent, "fit")
    args = ["run", str(path), "-n", "4", "--seed", "9", "--json"]
    one = CliRunner().invoke(app, [*args, "-w", "1", "--seeds-per-draw", "2"])
    two = CliRunner().invoke(app, [*args, "-w", "2", "--seeds-per-draw", "2"])
    assert one.exit_code == 0, one.output
    assert one.stdout == two.stdout
    drawn = json.loads(one.stdout)
    assert drawn["uncertainty"]["mode"] == "posterior"
    assert drawn["uncertainty"]["particles"] == 6 and drawn["uncertainty"]["draws"] == 2
    assert all("variance_share" in e for e in drawn["outcomes"].values())
    point = json.loads(CliRunner().invoke(app, [*args, "-w", "1", "--point"]).stdout)
    assert "uncertainty" not in point
    scenario = load_scenario(path)
    runs = [simulate(scenario, replication_seed(9, r)) for r in range(4)]
    deaths = [r.metrics["deaths"] for r in runs]
    assert point["metrics"]["deaths"]["median"] == np.median(deaths)
    for name, entry in point["outcomes"].items():
        assert entry["share"] == sum(r.outcome == name for r in runs) / 4


def test_the_summary_records_the_posterior(posterior: Path) -> None:
    scenario = load_scenario(_scenario_file(posterior.parent, "fit"))
    u = _uncertainty(posterior, 2)
    summary = summarize(
        run_ensemble(scenario, 8, 1, simulate_fn=echo_simulate, keep="summary", uncertainty=u)
    )
    assert summary["uncertainty"]["posterior_sha256"] == read_posterior(posterior).sha256


def test_from_posterior_is_relative_to_the_file_that_writes_it(
    posterior: Path, tmp_path: Path
) -> None:
    base = _scenario_file(posterior.parent, "fit")  # tmp/drawn.yaml: fit/ is beside it
    other = tmp_path / "elsewhere"
    other.mkdir()
    child = other / "child.yaml"
    child.write_text(f"extends: {base}\nname: child\n", encoding="utf-8")
    scenario = load_scenario(child)
    assert Path(scenario.from_posterior or "") == (posterior / "posterior.parquet").resolve()


def test_a_scenario_without_a_posterior_prints_as_before() -> None:
    """The field is left out of a scenario that does not set it (hashes and files unchanged)."""
    # the agents' baseline (since session 26 the shipped one, blocks, names no posterior)
    baseline = load_scenario(Path(__file__).parent / "agents_baseline.yaml")
    assert baseline.from_posterior is not None  # the shipped fit's
    unset = baseline.model_copy(update={"from_posterior": None})
    assert "from_posterior" not in scenario_to_yaml(unset)
    assert "from_posterior" in scenario_to_yaml(baseline)


def _wrong_kind(folder: Path) -> None:
    file = folder / "posterior.parquet"
    table = pq.read_table(file)
    meta = json.loads(table.schema.metadata[b"transition_sim"]) | {"kind": "predictive"}
    pq.write_table(table.replace_schema_metadata({b"transition_sim": json.dumps(meta)}), file)


def _unknown_column(folder: Path) -> None:
    file = folder / "posterior.parquet"
    table = pq.read_table(file)
    meta = table.schema.metadata
    table = table.append_column("crowd.contagon", pa.array([0.1] * table.num_rows))
    pq.write_table(table.replace_schema_metadata(meta), file)


BAD = {
    "missing": (lambda folder: (folder / "posterior.parquet").unlink(), "cannot read"),
    "wrong kind": (_wrong_kind, "not a posterior"),
    "unknown column": (_unknown_column, "crowd.contagon"),
    "not parquet": (
        lambda folder: (folder / "posterior.parquet").write_text("particle,weight\n"),
        "not a Parquet file",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_posterior_exits_2_at_its_line(posterior: Path, case: str) -> None:
    spoil, message = BAD[case]
    spoil(posterior)
    path = _scenario_file(posterior.parent, "fit")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert (err.value.file, err.value.line, err.value.field) == (path, 4, "from_posterior")
    assert message in err.value.message
    for command in (["validate", str(path)], ["run", str(path), "-n", "1", "--json"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert f"{path}:4: from_posterior: " in result.stderr
        assert "Traceback" not in result.stderr


def test_run_posterior_option_checks_its_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    args = ["run", str(BASELINE_PATH), "-n", "1", "--posterior", str(missing), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--posterior" and "cannot read" in error["message"]
    epstein = Path(BASELINE_PATH).parent / "epstein_model1.yaml"  # names no posterior
    none = CliRunner().invoke(app, ["run", str(epstein), "--uncertainty", "posterior"])
    assert none.exit_code == 2 and "from_posterior" in none.stderr


def test_a_server_load_reads_no_posterior(posterior: Path) -> None:
    """The dashboard loads with ``within`` and runs at point values: it neither reads the
    posterior (not even a broken one) nor keeps the field."""
    (posterior / "posterior.parquet").unlink()
    path = _scenario_file(posterior.parent, "fit")
    scenario = load_scenario(path, within=[Path(BASELINE_PATH).parent, posterior.parent])
    assert scenario.from_posterior is None


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_a_posterior_that_is_not_a_regular_file_exits_2(tmp_path: Path, target: str) -> None:
    """A device would be read forever, a folder without posterior.parquet is not one."""
    if target == "folder":
        (tmp_path / "empty").mkdir()
        target = "empty"
    path = _scenario_file(tmp_path, target)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: from_posterior: " in result.stderr
