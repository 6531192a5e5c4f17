"""Scenario discovery: PRIM finds a known box; importances find the parameters that matter."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.studies.discover import discover
from transition_sim.studies.spec import load_spec
from transition_sim.studies.studies import run_sweep
from transition_sim.studies.sweep import load_runs, prepare

cli = CliRunner()


@pytest.fixture(scope="module")
def corner_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ "hit" inside x > 0.7 and y < 0.3 (z plays no part), 5% of labels flipped; 1,500 points."""
    folder = tmp_path_factory.mktemp("corner")
    spec = folder / "corner.yaml"
    spec.write_text(
        dedent("""
        name: corner
        model: sweep_functions:corner
        design: {method: lhs, samples: 1500}
        replications: 1
        seed: 12
        parameters:
          - {path: x, bounds: [0, 1]}
          - {path: y, bounds: [0, 1]}
          - {path: z, bounds: [0, 1]}
        """),
        encoding="utf-8",
    )
    run_sweep(prepare(load_spec(spec), allow_code=True), folder / "out")
    return folder / "out"


def test_prim_finds_the_box(corner_sweep: Path) -> None:
    found = discover(load_runs(corner_sweep), ["x", "y", "z"], "hit")
    prim = found["prim"]
    chosen = next(b for b in prim["boxes"] if b["id"] == prim["chosen"])
    assert chosen["coverage"] >= 0.5 and chosen["density"] > 0.7
    assert chosen["restricted"]["x"][0] == pytest.approx(0.7, abs=0.06)
    assert chosen["restricted"]["y"][1] == pytest.approx(0.3, abs=0.06)
    assert "z" not in chosen["restricted"]
    assert prim["boxes"][0]["coverage"] == 1.0  # the trajectory starts from the whole space
    assert prim["boxes"][0]["density"] == pytest.approx(found["share"])


def test_importances_rank_the_parameters_that_matter(corner_sweep: Path) -> None:
    """The flips cap the AUC: 9% of runs fall in the box, 2% of the other 91% are flipped to
    "hit", so about 1.8 / (8.8 + 1.8) = 17% of hits are noise, ranked at chance: the best
    possible AUC is about 0.83 + 0.17 / 2 = 0.91."""
    importance = discover(load_runs(corner_sweep), ["x", "y", "z"], "hit", seed=1)["importance"]
    assert importance["auc"] > 0.8
    assert set(importance["names"][:2]) == {"x", "y"}
    z = importance["importance"][importance["names"].index("z")]
    assert z < 0.02 < min(importance["importance"][:2])


def test_cli_discover(corner_sweep: Path, tmp_path: Path) -> None:
    result = cli.invoke(
        app,
        ["discover", str(corner_sweep), "--outcome", "hit", "--out", str(tmp_path / "d"), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((tmp_path / "d" / "discovery.json").read_text())
    assert (tmp_path / "d" / "report.html").exists()
    never = cli.invoke(app, ["discover", str(corner_sweep), "--outcome", "nope"])
    assert never.exit_code == 2 and "no run ends in 'nope'" in never.stderr
    missing = cli.invoke(app, ["discover", str(tmp_path), "--outcome", "hit"])
    assert missing.exit_code == 2 and "spec.yaml" in missing.stderr
