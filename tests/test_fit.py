"""The fit across the library (`transition-sim fit`): a tiny ABC-SMC fit writes the agreed
posterior format, reproduces itself from its seed whatever executes it, and refuses bad specs
and per-case addresses with exit 2 and file:line: field."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from textwrap import dedent

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.studies.fit import run_fit
from transition_sim.studies.fit_spec import load_fit_spec

ROOT = Path(__file__).resolve().parent.parent
# The crowd of agents at its calibrated point (the baseline before session 26): the fit's tests
# keep the base whose contagion lies in their prior and whose rules the shipped posterior records.
BASE = ROOT / "tests" / "agents_baseline.yaml"
ADDRESSES = ["loyalty_dynamics.backfire", "crowd.contagion"]
cli = CliRunner()

SPEC = """\
name: tiny
scenario: {base}
cases: cases
seed: 7
population: 8
generations: 2
replications: 1
days: 6
parameters:
  - {{address: loyalty_dynamics.backfire, prior: A-loyalty-backfire}}
  - {{address: crowd.contagion, prior: {{distribution: uniform, low: 0.05, high: 0.2}}}}
record:
  replications: 2
  deaths: {{value: 231, source: F-toll}}
  detained: {{value: 9900, source: F-toll}}
  invitation_day: {{range: [2, 6], source: F-csto-invited}}
  days_to_order: {{value: 9, source: F-csto-withdrawal}}
  peak_crowd: {{region: Almaty, range: [5000, 50000], source: A-peak-crowd}}
patterns:
  - {{case: case_b, metric: deaths, range: [10, 100], source: a test}}
"""


def library(folder: Path, spec: str = SPEC, case_b_extra: str = "") -> Path:
    """A spec and a two-case library (both extend the baseline) in ``folder``."""
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    for name, outcome in (("case_a", "incumbent_holds"), ("case_b", "popular_transition")):
        text = f"""\
            extends: {BASE}
            name: {name}
            days: 8
            observed: {{outcome: {outcome}, crisis: mass_protest}}
            """
        extra = case_b_extra if name == "case_b" else ""
        (folder / "cases" / f"{name}.yaml").write_text(dedent(text) + extra)
    path = folder / "fit.yaml"
    path.write_text(spec.format(base=BASE))
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fit")
    spec = library(folder)
    run_fit(load_fit_spec(spec), folder / "out", workers=1)
    return spec, folder / "out"


def test_a_tiny_fit_writes_the_agreed_posterior_format(fitted: tuple[Path, Path]) -> None:
    _, out = fitted
    table = pq.read_table(out / "posterior.parquet")
    posterior = table.to_pandas()
    assert list(posterior.columns) == ["particle", "weight", *ADDRESSES]
    assert len(posterior) == 8
    assert posterior.weight.sum() == pytest.approx(1.0)
    assert (posterior.weight > 0).all()
    meta = json.loads(table.schema.metadata[b"transition_sim"])
    assert meta["kind"] == "posterior" and meta["generations"] == 2
    assert meta["priors"]["crowd.contagion"] == {
        "distribution": "uniform", "low": 0.05, "high": 0.2,
    }  # fmt: skip
    assert meta["priors"]["loyalty_dynamics.backfire"]["distribution"] == "triangular"
    # Particles stay within their priors' support.
    assert posterior["crowd.contagion"].between(0.05, 0.2).all()
    assert posterior["loyalty_dynamics.backfire"].between(0.0, 0.2).all()

    diagnostics = pd.read_parquet(out / "diagnostics.parquet")
    assert list(diagnostics.columns) == [
        "generation", "epsilon", "particles", "evaluations", "acceptance_rate", "ess", "seconds",
    ]  # fmt: skip
    assert diagnostics.generation.tolist() == [0, 1]
    assert diagnostics.acceptance_rate.iloc[0] == 1.0  # generation 0 is the prior sample
    assert 0 < diagnostics.acceptance_rate.iloc[1] <= 1
    assert diagnostics.epsilon.iloc[1] < diagnostics.epsilon.iloc[0]
    assert (diagnostics.ess <= 8 + 1e-9).all() and (diagnostics.ess >= 1).all()

    predictive = pd.read_parquet(out / "predictive.parquet")
    summaries = {"deaths", "detained", "invitation_day", "days_to_order", "peak_protesters"}
    summaries |= {"peak_crowd", "outcome", "hit"}
    assert {"particle", "case", "replication"} | summaries <= set(predictive.columns)
    assert set(predictive.particle) == set(posterior.particle)
    assert set(predictive.case) == {f"base:{BASE.stem}", "case_a", "case_b"}
    # Each particle: the base's 2 record runs and 1 run of each case.
    assert (predictive.groupby("particle").size() == 4).all()
    assert (out / "report.html").read_text().count("class='figure'") == 7  # 5 record, 1, classes


def test_the_same_spec_and_seed_give_the_same_fit_on_any_executor(
    fitted: tuple[Path, Path], tmp_path: Path
) -> None:
    """Run again on a Dask cluster (in-process): the same particles, weights, predictive draws
    and distances thresholds as the serial fit."""
    distributed = pytest.importorskip("distributed")
    spec, first = fitted
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        run_fit(load_fit_spec(spec), tmp_path / "again", scheduler=cluster.scheduler_address)
    for name in ("posterior.parquet", "predictive.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(first / name), pd.read_parquet(tmp_path / "again" / name)
        )
    a, b = (pd.read_parquet(p / "diagnostics.parquet") for p in (first, tmp_path / "again"))
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"))


def test_a_per_parameter_proposal_draws_each_parameter_by_its_own_kernel(
    fitted: tuple[Path, Path], tmp_path: Path
) -> None:
    """`proposal: per_parameter` gives another fit from the same seed (its second generation is
    proposed by one kernel per parameter), and pyabc's own transition is the one built."""
    from pyabc.transition import AggregatedTransition

    from transition_sim.studies.fit import prepare, proposal_kernel

    _, joint = fitted
    sf = load_fit_spec(
        library(tmp_path, SPEC.replace("seed: 7", "seed: 7\nproposal: per_parameter"))
    )
    kernel = proposal_kernel(sf.spec, prepare(sf))
    assert isinstance(kernel, AggregatedTransition)
    assert sorted(k[0] if isinstance(k, tuple) else k for k in kernel.mapping) == sorted(ADDRESSES)
    run_fit(sf, tmp_path / "out", workers=1)
    a, b = (pd.read_parquet(p / "posterior.parquet") for p in (joint, tmp_path / "out"))
    assert len(b) == 8 and b.weight.sum() == pytest.approx(1.0)
    assert not a[ADDRESSES].equals(b[ADDRESSES])  # generation 1 was proposed another way
    assert b["crowd.contagion"].between(0.05, 0.2).all()


def test_a_budget_stops_before_a_generation_that_would_overrun(tmp_path: Path) -> None:
    spec = library(tmp_path)
    result = run_fit(load_fit_spec(spec), tmp_path / "out", budget_minutes=1e-4)
    assert result.stopped == "budget"
    assert len(pd.read_parquet(tmp_path / "out" / "diagnostics.parquet")) == 1
    assert pd.read_parquet(tmp_path / "out" / "posterior.parquet").weight.sum() == pytest.approx(1)


def refused(spec: Path, tmp_path: Path) -> str:
    result = cli.invoke(app, ["fit", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "posterior.parquet").exists()
    return result.output


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("population: 8", "population: eight", "5: population: input should be a valid integer"),
        ("seed: 7", "seed: 7\nsed: 8", "5: sed: unknown key"),
        ("high: 0.2}", "high: 0.01}", "11: parameters.1.prior: low (0.05) must be below high"),
        ("prior: A-loyalty-backfire", "prior: A-loyalty-cascade",
         "10: parameters.0.prior: no prior for loyalty_dynamics.backfire under"),
        ("address: crowd.contagion", "address: loyalty_dynamics.backfire",
         "11: parameters.1.address: 'loyalty_dynamics.backfire' is already fitted"),
        ("case: case_b", "case: case_c", "20: patterns.0.case: no case 'case_c'"),
        ("region: Almaty", "region: Atlantis", "18: record.peak_crowd.region: no region"),
        ("address: crowd.contagion", "address: crowd.contagious", "11: parameters.1.address"),
        ("metric: deaths", "metric: peak_crowd",
         "20: patterns.0: a peak_crowd pattern names its region, and only it does"),
        ("metric: deaths", "metric: peak_crowd, region: Atlantis",
         "20: patterns.0.region: no region 'Atlantis' in case_b"),
        ("seed: 7", "seed: 7\nproposal: independent",
         "5: proposal: input should be 'joint' or 'per_parameter'"),
    ],
)  # fmt: skip
def test_a_bad_spec_exits_2_with_file_line_and_field(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    assert old in SPEC
    spec = library(tmp_path, SPEC.replace(old, new))
    assert f"fit.yaml:{where}" in refused(spec, tmp_path)


def test_an_address_a_case_file_sets_is_refused(tmp_path: Path) -> None:
    """crowd.contagion is shared until a case documents its own value: then fitting it would
    overwrite that case's fact."""
    spec = library(tmp_path, case_b_extra="crowd: {contagion: 0.1}\n")
    output = refused(spec, tmp_path)
    assert "fit.yaml:11: parameters.1.address: crowd.contagion is set by the case file" in output
    assert "case_b.yaml" in output


def test_an_address_a_case_removes_is_refused(tmp_path: Path) -> None:
    """The army's guardian weight is not shared when a case replaces the factions."""
    spec = library(
        tmp_path,
        SPEC.replace(
            "address: crowd.contagion, prior: {{distribution: uniform, low: 0.05, high: 0.2}}",
            "address: factions.army.guardian, prior: A-guardian-coup",
        ),
        case_b_extra="factions: {army: null}\n",
    )
    assert "fit.yaml:11: parameters.1.address: factions.army.guardian is not in case case_b" in (
        refused(spec, tmp_path)
    )


def test_a_peak_crowd_pattern_reads_the_named_region_of_its_case() -> None:
    """A case's peak crowd is scored in its city, as the record's is: the runs' rows carry the
    region's peak in people, and the pattern's part is 0 inside the range and grows with the
    orders of magnitude outside it."""
    from transition_sim.studies.fit import distance_parts, evaluate, prepare

    with TemporaryDirectory() as tmp:
        spec = SPEC.replace(
            "metric: deaths, range: [10, 100]", "metric: peak_crowd, region: Almaty, range: {r}"
        )
        problem = prepare(load_fit_spec(library(Path(tmp), spec.replace("{r}", "[1, 2]"))))
        values = {"loyalty_dynamics.backfire": 0.05, "crowd.contagion": 0.1}
        rows = pd.DataFrame(evaluate(problem, values, 11))
    crowd = rows.loc[rows.case == "case_b", "peak_crowd"]
    assert crowd.notna().all() and (crowd > 0).all()  # Almaty's crowd on day 0-6 of a shock
    assert rows.loc[rows.case == "case_a", "peak_crowd"].isna().all()  # no pattern, no reading
    median = float(crowd.median())
    for low, high, expected in [
        (median / 10, median * 10, 0.0),
        (median * 10, median * 100, 1.0),
        (median / 1000, median / 100, 2.0),
    ]:
        pattern = problem.patterns[0].model_copy(update={"range": (low, high)})
        parts = distance_parts(replace(problem, patterns=(pattern,)), rows)
        assert parts["patterns"] == pytest.approx(expected)
