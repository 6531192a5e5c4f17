"""Sweeps: seeds from the run's identity, failed runs kept, resume, summaries, folders, CLI."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path
from textwrap import dedent

import numpy as np
import pandas as pd
import pytest
import sweep_functions
from scenario_files import write
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble.runner import replication_seed
from transition_sim.ensemble.summary import wilson_interval
from transition_sim.studies import engine
from transition_sim.studies.spec import load_spec
from transition_sim.studies.studies import run_sweep
from transition_sim.studies.sweep import load_runs, prepare, run_blocks, summarize_points

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
cli = CliRunner()


def toy_spec(tmp_path: Path, extra: str = "", name: str = "toy.yaml", reps: int = 3) -> Path:
    return write(
        tmp_path / name,
        f"""
        name: toy
        model: sweep_functions:toy
        design: grid
        replications: {reps}
        seed: 11
        parameters:
          - {{path: x, values: [0.0, 0.5, 1.0]}}
          - {{path: y, range: {{low: 0, high: 1, steps: 3}}}}
        """
        + dedent(extra),
    )


def tiny_model_spec(tmp_path: Path) -> Path:
    """The real model, 2 x 2 points x 3 replications of a ten-day baseline (a few seconds)."""
    return write(
        tmp_path / "tiny.yaml",
        f"""
        name: tiny
        scenario: {BASELINE}
        fixed: {{days: 10}}
        design: grid
        replications: 3
        seed: 5
        parameters:
          - {{path: factions.KNB.loyalty.successor, values: [0.1, 0.8]}}
          - {{path: patron.cost, values: [0.0, 1.0]}}
        coupled:
          - [factions.KNB.loyalty.successor, factions.KNB.loyalty.family,
             factions.KNB.loyalty.self_interest]
        """,
    )


# --- seeds and rows -----------------------------------------------------------------------------


def test_each_run_is_seeded_by_its_identity_and_reproduces(tmp_path: Path) -> None:
    exp = prepare(load_spec(toy_spec(tmp_path)), allow_code=True)
    result = run_sweep(exp, tmp_path / "out")
    runs = load_runs(tmp_path / "out")
    assert len(runs) == 9 * 3 == result.runs
    assert runs[["point", "replication"]].drop_duplicates().shape[0] == len(runs)
    for row in runs.sample(6, random_state=0).itertuples():
        seed = replication_seed(replication_seed(11, row.point), row.replication)
        assert row.seed == seed
        outcome, metrics = sweep_functions.toy(
            exp.model.build(exp.points.point(row.point))[0], seed
        )
        assert (row.outcome, row.total, row.draw) == (outcome, metrics["total"], metrics["draw"])
    assert runs["x"].tolist() == np.repeat([0.0, 0.5, 1.0], 9).tolist()


def test_a_failing_run_is_stored_with_its_error(tmp_path: Path) -> None:
    spec = toy_spec(tmp_path, "fixed: {fail_above: 0.7}\n")
    out = tmp_path / "out"
    result = run_sweep(prepare(load_spec(spec), allow_code=True), out)
    runs = load_runs(out)
    failed = runs[runs["x"] == 1.0]
    assert len(failed) == 9 and result.failed == 9
    assert failed["error"].str.startswith("ValueError: x = 1.0 is too large").all()
    assert failed["outcome"].isna().all() and failed["total"].isna().all()
    assert runs.loc[runs["x"] < 1, "error"].isna().all()
    points = pd.read_parquet(out / "points.parquet")
    bad = points[points["x"] == 1.0]
    assert (bad["n"] == 0).all() and (bad["n_failed"] == 3).all()
    assert bad["share_high"].isna().all()  # not a silent 0
    assert (bad[["share_high_lo", "share_high_hi"]].to_numpy() == [0.0, 1.0]).all()


def test_metrics_must_be_the_same_in_every_run(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "r.yaml",
        """
        name: ragged
        model: sweep_functions:ragged
        design: grid
        replications: 1
        seed: 0
        parameters: [{path: x, values: [0.2, 0.8]}]
        """,
    )
    run_sweep(prepare(load_spec(spec), allow_code=True), tmp_path / "out")
    runs = load_runs(tmp_path / "out")
    assert runs.columns.tolist()[-2:] == ["always", "only_low"]
    assert pd.isna(runs.loc[0, "error"])
    assert runs.loc[1, "error"].startswith("unexpected metrics only_high")
    assert math.isnan(runs.loc[1, "only_low"])


def test_a_metric_named_like_a_column_is_refused(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "c.yaml",
        """
        name: clash
        model: sweep_functions:clash
        design: grid
        replications: 1
        seed: 0
        parameters: [{path: x, values: [0.2, 0.8]}]
        """,
    )
    result = cli.invoke(app, ["sweep", "--allow-code", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "metrics named like columns of the results (x)" in result.stderr


# --- resume -------------------------------------------------------------------------------------

CALLS = {"n": 0, "stop_at": None}


def interrupting_toy(v: dict, seed: int) -> tuple[str, dict[str, float]]:
    CALLS["n"] += 1
    if CALLS["stop_at"] is not None and CALLS["n"] >= CALLS["stop_at"]:
        raise KeyboardInterrupt
    return sweep_functions.toy(v, seed)


interrupting_toy.inputs = sweep_functions.toy.inputs  # type: ignore[attr-defined]


def test_an_interrupted_sweep_resumes_to_the_same_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = toy_spec(tmp_path, reps=40)  # 360 runs in parts of 6
    exp = prepare(load_spec(spec), allow_code=True)
    run_sweep(exp, tmp_path / "whole")
    expected = load_runs(tmp_path / "whole")

    monkeypatch.setattr(engine, "TASK_SECONDS", 1e-9)  # one run per task: parts finish one by one
    stopped = exp.model.__class__(interrupting_toy, exp.model.base, exp.model.coupled)
    exp_int = dataclasses.replace(exp, model=stopped)
    out = tmp_path / "interrupted"
    for stop_at in (100, 150):
        CALLS.update(n=0, stop_at=stop_at)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(exp_int, out, resume=out.exists())  # nothing to resume at first
        stored = pd.read_parquet(out / "runs")
        assert 0 < len(stored) < 360
        assert not stored.duplicated(["point", "replication"]).any()
    CALLS.update(n=0, stop_at=None)
    before = len(pd.read_parquet(out / "runs"))
    result = run_sweep(exp_int, out, resume=True)
    assert result.resumed and result.ran == 360 - before
    pd.testing.assert_frame_equal(load_runs(out), expected)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "points.parquet"),
        pd.read_parquet(tmp_path / "whole" / "points.parquet"),
    )


# --- per-point summaries ------------------------------------------------------------------------


def test_points_summary_by_hand() -> None:
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 0, 1, 1],
            "replication": [0, 1, 2, 3, 0, 1],
            "seed": range(6),
            "p": [0.1] * 4 + [0.2] * 2,
            "outcome": ["a", "a", "b", None, None, None],
            "error": [None, None, None, "boom", "boom", "boom"],
            "m": [1.0, 2.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    table = summarize_points(runs, ["p"], ["a", "b", "c"], points=3).set_index("point")
    assert table.loc[0, ["n", "n_failed"]].tolist() == [3, 1]
    assert table.loc[0, "share_a"] == pytest.approx(2 / 3)
    assert (table.loc[0, "share_a_lo"], table.loc[0, "share_a_hi"]) == pytest.approx(
        wilson_interval(2, 3)
    )
    assert table.loc[0, "share_c"] == 0
    assert table.loc[0, "m_median"] == 1.5 and table.loc[0, "m_p05"] == pytest.approx(1.05)
    assert table.loc[1, ["n", "n_failed"]].tolist() == [0, 2] and math.isnan(
        table.loc[1, "share_a"]
    )
    assert table.loc[2, ["n", "n_failed"]].tolist() == [0, 0]  # a point with no runs at all
    assert math.isnan(table.loc[2, "p"])


@pytest.mark.filterwarnings("error::pandas.errors.PerformanceWarning")
def test_many_metrics_summarize_without_warnings() -> None:
    """Three camps give about 40 metrics; one column per statistic inserted one by one made
    pandas print a screenful of PerformanceWarnings on every sweep and compare."""
    metrics = {f"m{i}": [float(i), float(i + 1)] for i in range(60)}
    runs = pd.DataFrame(
        {"point": [0, 0], "replication": [0, 1], "seed": [0, 1], "p": [0.1, 0.1],
         "outcome": ["a", "b"], "error": [None, None], **metrics}
    )  # fmt: skip
    table = summarize_points(runs, ["p"], ["a", "b"])
    assert table.loc[0, "m59_median"] == 59.5
    assert list(table.columns[-3:]) == ["m59_median", "m59_p05", "m59_p95"]


def test_run_blocks_hold_whole_points_in_order(tmp_path: Path) -> None:
    """Parts of 6 runs cut points of 40 replications; blocks are whole points, in order."""
    run_sweep(prepare(load_spec(toy_spec(tmp_path, reps=40)), allow_code=True), tmp_path / "out")
    blocks = list(run_blocks(tmp_path / "out"))
    assert len(blocks) == 9  # each part ends inside a point: one point per block
    for block in blocks:
        assert block.groupby("point").size().eq(40).all()
    points = [block["point"].tolist() for block in blocks]
    assert [p[0] for p in points] == sorted({p[0] for p in points})
    joined = pd.concat(blocks, ignore_index=True)
    pd.testing.assert_frame_equal(joined, load_runs(tmp_path / "out"))


# --- workers ------------------------------------------------------------------------------------


def test_the_real_model_gives_the_same_runs_with_one_or_two_workers(tmp_path: Path) -> None:
    exp = prepare(load_spec(tiny_model_spec(tmp_path)), allow_code=True)
    run_sweep(exp, tmp_path / "one", workers=1)
    run_sweep(exp, tmp_path / "two", workers=2, batch_size=1)
    one, two = load_runs(tmp_path / "one"), load_runs(tmp_path / "two")
    pd.testing.assert_frame_equal(one, two)
    assert one["deaths"].nunique() > 3  # the runs differ, so equality is not trivial
    knb = one.groupby("point")["factions.KNB.loyalty.successor"].first().tolist()
    assert knb == [0.1, 0.1, 0.8, 0.8]


# --- the folder ---------------------------------------------------------------------------------


def test_the_folder_is_complete_and_reproduces_itself(tmp_path: Path) -> None:
    out = tmp_path / "out"
    exp = prepare(load_spec(tiny_model_spec(tmp_path)), allow_code=True)
    run_sweep(exp, out)
    manifest = json.loads((out / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (out / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert {"spec.yaml", "scenario.resolved.yaml", "points.parquet", "report.html"} <= set(
        manifest["files"]
    )
    assert any(name.startswith("runs/part-") for name in manifest["files"])
    stored = prepare(
        load_spec(out / "spec.yaml"), allow_code=True
    )  # the folder's own spec, on its own scenario
    assert stored.hash == exp.hash
    assert stored.model.base.days == 10
    assert "plotly" in (out / "report.html").read_text()[:20_000].lower()


# --- command line -------------------------------------------------------------------------------


def test_cli_sweep_refuses_to_clobber_and_resumes(tmp_path: Path) -> None:
    spec, out = toy_spec(tmp_path), tmp_path / "out"
    first = cli.invoke(
        app, ["sweep", "--allow-code", str(spec), "--out", str(out), "--json", "-w", "1"]
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["runs"] == 27
    again = cli.invoke(app, ["sweep", "--allow-code", str(spec), "--out", str(out)])
    assert again.exit_code == 2 and "--resume" in again.stderr
    resumed = cli.invoke(
        app, ["sweep", "--allow-code", str(spec), "--out", str(out), "--resume", "--json"]
    )
    assert resumed.exit_code == 0 and json.loads(resumed.stdout)["ran"] == 0
    changed = toy_spec(tmp_path, reps=4)
    other = cli.invoke(app, ["sweep", "--allow-code", str(changed), "--out", str(out), "--resume"])
    assert other.exit_code == 2 and "different inputs" in other.stderr
    forced = cli.invoke(
        app, ["sweep", "--allow-code", str(changed), "--out", str(out), "--force", "--json"]
    )
    assert forced.exit_code == 0 and json.loads(forced.stdout)["runs"] == 36


def test_cli_refuses_a_folder_another_run_holds(tmp_path: Path) -> None:
    from transition_sim.ensemble.lock import hold_lock

    out = tmp_path / "out"
    with hold_lock(out):
        result = cli.invoke(
            app, ["sweep", "--allow-code", str(toy_spec(tmp_path)), "--out", str(out), "--json"]
        )
    assert result.exit_code == 2 and "in use by another run" in result.stderr
    assert json.loads(result.stdout)["error"]["field"] == "--out"


def test_cli_bad_spec_exits_2_with_file_and_line(tmp_path: Path) -> None:
    spec = toy_spec(tmp_path, "coupled: [[x]]\n")
    result = cli.invoke(app, ["sweep", "--allow-code", str(spec), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {spec}:9: coupled.0:")
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_cli_sensitivity_needs_morris_or_sobol(tmp_path: Path) -> None:
    result = cli.invoke(
        app, ["sensitivity", "--allow-code", str(toy_spec(tmp_path)), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "morris or sobol" in result.stderr
