"""Fuzzing experiment specs through the command line (issue 14): mutated specs (keys dropped,
types swapped, extreme numbers, odd bytes, aliases) never get past `sweep` as a traceback. A
spec is refused with exit 2, or it runs (a tiny sweep) and exits 0; 1 only when every run of
the model failed, said in one line.

CI runs a fixed, small set of examples; `HYPOTHESIS_PROFILE=long` searches longer (see
tests/test_fuzz_scenarios.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_fuzz_scenarios import PROFILE, assert_clean, damage, mutate

from transition_sim.scenario import ScenarioError
from transition_sim.studies.spec import load_spec
from transition_sim.studies.sweep import prepare

BASELINE = Path(__file__).parent.parent / "scenarios" / "kazakhstan_2022.yaml"
MAX_RUNS = 40  # a spec that prepares with more runs is only prepared, not run

BASES: list[dict[str, Any]] = [
    {
        "name": "grid",
        "model": "ishigami",
        "design": "grid",
        "replications": 2,
        "seed": 1,
        "fixed": {"a": 7.0},
        "parameters": [
            {"path": "x1", "values": [0.0, 1.0]},
            {"path": "x2", "range": {"low": 0.0, "high": 1.0, "steps": 3}},
        ],
    },
    {
        "name": "sobol",
        "model": "transition_sim.studies.models:ishigami",
        "design": {"method": "sobol", "samples": 4},
        "replications": 1,
        "seed": 2,
        "parameters": [
            {"path": "x1", "bounds": [-3.0, 3.0]},
            {"path": "x3", "distribution": {"name": "uniform", "low": -1.0, "high": 1.0}},
        ],
    },
    {
        "name": "morris",
        "model": "ishigami",
        "design": {"method": "morris", "samples": 2, "levels": 4},
        "replications": 1,
        "seed": 3,
        "parameters": [
            {"path": "x1", "bounds": [-3.0, 3.0]},
            {"path": "b", "distribution": {"name": "triangular", "low": 0, "mode": 0.1, "high": 1}},
        ],
    },
    {
        "name": "transition",
        "scenario": str(BASELINE),
        "fixed": {"days": 1},
        "design": "oat",
        "replications": 1,
        "seed": 4,
        "parameters": [{"path": "patron.cost", "values": [0.0, 1.0]}],
        "coupled": [],
    },
]


@pytest.mark.timeout(1800)
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_mutated_specs_never_crash_the_cli(data: st.DataObject) -> None:
    doc = yaml.safe_load(yaml.safe_dump(data.draw(st.sampled_from(BASES), label="base")))
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        mutate(doc, data)
    text = damage(yaml.safe_dump(doc, allow_unicode=True).encode(), data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_bytes(text)
        try:
            exp = prepare(load_spec(path))
        except ScenarioError:
            event("refused")
            assert_clean(["sweep", str(path), "--out", f"{tmp}/out", "-w", "1"], allowed=(2,))
            return
        runs = len(exp.points) * exp.spec.replications
        if runs > MAX_RUNS:
            event("prepared only")
            return
        event("runs")
        args = ["sweep", str(path), "--out", f"{tmp}/out", "-w", "1", "--json"]
        status = assert_clean(args, allowed=(0, 1))
        if status == 1:  # the contract's one exit 1 here: every run of the model failed
            assert_clean([*args, "--force"], allowed=(1,))
