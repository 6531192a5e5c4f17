"""Comparing scenarios: common random numbers, paired differences, Monte Carlo labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.ensemble.runner import replication_seed, run_ensemble
from transition_sim.scenario import load_scenario
from transition_sim.studies.compare import WITHIN, differences
from transition_sim.studies.studies import run_compare
from transition_sim.studies.sweep import load_runs

ROOT = Path(__file__).resolve().parents[1]
cli = CliRunner()


def scenario_file(tmp_path: Path, name: str, extra: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'kazakhstan_2022.yaml'}\nname: {name}\ndays: 10\n{extra}",
        encoding="utf-8",
    )
    return path


def runs_frame(
    a: list[str], b: list[str], metric_a: list[float], metric_b: list[float]
) -> pd.DataFrame:
    n = len(a)
    return pd.DataFrame(
        {
            "point": [0] * n + [1] * n,
            "replication": list(range(n)) * 2,
            "seed": list(range(n)) * 2,
            "scenario": ["A"] * n + ["B"] * n,
            "outcome": a + b,
            "error": [None] * (2 * n),
            "m": metric_a + metric_b,
        }
    )


def test_runs_share_seeds_and_equal_plain_ensembles(tmp_path: Path) -> None:
    """Replication r of every scenario runs with replication_seed(seed, r), the seeds of
    `transition-sim run --seed`: each scenario's runs are its ensemble's."""
    a, b = (
        scenario_file(tmp_path, "a"),
        scenario_file(tmp_path, "b", "patron: {cost: 1}\n"),
    )
    scenarios = [load_scenario(a), load_scenario(b)]
    out = tmp_path / "out"
    result = run_compare(scenarios, ["a", "b"], out, replications=4, seed=77)
    runs = load_runs(out)
    seeds = [replication_seed(77, r) for r in range(4)]
    assert runs.groupby("point")["seed"].apply(list).tolist() == [seeds, seeds]
    ensemble = run_ensemble(scenarios[1], 4, 77)
    mine = runs[runs["point"] == 1].reset_index(drop=True)
    assert mine["outcome"].tolist() == ensemble.runs["outcome"].tolist()
    np.testing.assert_array_equal(mine["deaths"], ensemble.runs["deaths"])
    assert result["differences"]["b"]["pairs"] == 4
    assert json.loads((out / "compare.json").read_text()) == result


def test_identical_scenarios_differ_by_exactly_nothing(tmp_path: Path) -> None:
    a = load_scenario(scenario_file(tmp_path, "a"))
    result = run_compare([a, a], ["a", "again"], tmp_path / "out", replications=4, seed=1)
    diff = result["differences"]["again"]
    for entry in diff["outcomes"].values():
        assert entry["diff"] == 0 and entry["ci95"] == [0, 0] and entry["label"] == WITHIN
    assert diff["metrics"]["deaths"]["median_diff"] == 0


def test_pairing_narrows_the_interval_when_seeds_correlate() -> None:
    """B flips 6 of 200 outcomes of A: unpaired, that is noise; paired, it is a difference."""
    rng = np.random.default_rng(0)
    a = list(rng.choice(["x", "y"], 200))
    b = list(a)
    for i in [i for i, o in enumerate(a) if o == "y"][:6]:
        b[i] = "x"
    metric = rng.normal(100, 30, 200)
    runs = runs_frame(a, b, list(metric), list(metric + 5))
    result = differences(runs, ["A", "B"], ["x", "y"], ["m"], seed=0)["B"]
    share = result["outcomes"]["x"]
    assert share["diff"] == pytest.approx(0.03)
    assert share["paired"] and share["se_paired"] < share["se_unpaired"] / 3
    assert share["ci95"][0] > 0 and share["label"] == "different"
    m = result["metrics"]["m"]
    assert (
        m["paired"]
        and m["mean_diff"] == pytest.approx(5)
        and m["mean_ci95"] == pytest.approx([5, 5])
    )


def test_a_difference_inside_the_noise_is_labelled_so() -> None:
    rng = np.random.default_rng(1)
    a = list(rng.choice(["x", "y"], 100))
    b = list(rng.choice(["x", "y"], 100))  # independent draws: no real difference
    result = differences(runs_frame(a, b, [1.0] * 100, [1.0] * 100), ["A", "B"], ["x"], ["m"], 0)
    share = result["B"]["outcomes"]["x"]
    assert share["ci95"][0] < 0 < share["ci95"][1] and share["label"] == WITHIN


def test_a_metric_one_scenario_rarely_defines_is_compared_unpaired() -> None:
    n = 40
    metric_b = [np.nan] * n
    metric_b[:5] = [3.0, 4.0, 5.0, 6.0, 7.0]
    runs = runs_frame(["x"] * n, ["x"] * n, [1.0] * n, metric_b)
    entry = differences(runs, ["A", "B"], ["x"], ["m"], 0)["B"]["metrics"]["m"]
    assert entry["paired"] is False and entry["n"] == [n, 5]
    assert entry["median_diff"] == 4.0


def test_cli_compare(tmp_path: Path) -> None:
    a, b = (
        scenario_file(tmp_path, "a"),
        scenario_file(tmp_path, "b", "patron: {cost: 1}\n"),
    )
    result = cli.invoke(app, ["compare", str(a), str(b), "-n", "3", "--seed", "2", "-w", "1"])
    assert result.exit_code == 0, result.output
    assert "common random numbers" in result.stdout and "incumbent_holds" in result.stdout
    one = cli.invoke(app, ["compare", str(a)])
    assert one.exit_code == 2 and "at least two" in one.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndays: -1\n", encoding="utf-8")
    broken = cli.invoke(app, ["compare", str(a), str(bad)])
    assert broken.exit_code == 2 and f"{bad}:2: days:" in broken.stderr
