"""Shared helpers of the session-27 diagnosis (helper M): the two crowds' scenarios, built the
way the tests build them, and a per-run record."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"
AGENTS = ROOT / "tests" / "agents_baseline.yaml"
BLOCKS = SCENARIOS / "kazakhstan_2022.yaml"
OUT = Path(__file__).resolve().parent


def library(crowd: str, folder: Path) -> Path:
    """scenarios/cases under ``folder``/cases extending the baseline of ``crowd`` ("blocks":
    the shipped file; "agents": tests/agents_baseline.yaml, as tests/scenario_files.py does)."""
    folder.mkdir(parents=True, exist_ok=True)
    if crowd == "agents":
        text = AGENTS.read_text(encoding="utf-8")
        posterior = load_scenario(AGENTS).from_posterior
        text = re.sub(r"(?m)^from_posterior: .*$", f"from_posterior: {posterior}", text)
    else:
        text = BLOCKS.read_text(encoding="utf-8")
    (folder / "kazakhstan_2022.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(SCENARIOS / "cases", folder / "cases", dirs_exist_ok=True)
    for f in SCENARIOS.glob("kz_*.yaml"):
        shutil.copy(f, folder / f.name)
    return folder


def scenario(crowd: str, name: str, folder: Path, **overrides) -> Scenario:
    """Scenario ``name`` (e.g. "kz_aftermath" or "cases/zimbabwe_2017") on ``crowd``'s baseline,
    with top-level sections merged with ``overrides`` (dicts merged one level deep)."""
    base = library(crowd, folder / crowd)
    data = load_scenario(base / f"{name}.yaml").model_dump()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Scenario.model_validate(data)


def dump(obj, path: Path) -> None:
    path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
