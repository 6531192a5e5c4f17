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


# The values the two baselines differ in besides the crowd rule itself (representation, vision,
# people per agent): point 1025's calibrated numbers against the agents' (agents_baseline.yaml)
CALIBRATED = [
    "crowd.hardship.high",
    "crowd.social_signal",
    "crowd.contagion",
    "protesters.violent_share",
    "protesters.crime_motivation",
    "violence.protester_lethality",
    "violence.violent_lethality",
    "violence.detention_share",
    "government.lethal_force_armed_share",
    "expectations.protest_weight",
    "triggers.price_rise.hardship",
    "regions.Almaty.violent_share",
    "regions.Almaty.crime_share",
]


def _node(data: dict, path: str):
    *parents, leaf = path.split(".")
    node = data
    for p in parents:
        if isinstance(node, list):
            node = next((r for r in node if r.get("name") == p), None)
            if node is None:
                return None, leaf
        else:
            node = node[p]
    return node, leaf


def with_values(data: dict, crowd: str, values_from: str, paths=CALIBRATED) -> dict:
    """``data`` (a scenario on ``crowd``'s baseline, dumped) with each of ``paths`` set to
    ``values_from``'s baseline value where it still holds ``crowd``'s baseline value (a value the
    case file set itself is kept)."""
    own = load_scenario(AGENTS if crowd == "agents" else BLOCKS).model_dump()
    other = load_scenario(AGENTS if values_from == "agents" else BLOCKS).model_dump()
    for path in paths:
        node, leaf = _node(data, path)
        mine, _ = _node(own, path)
        theirs, _ = _node(other, path)
        if node is None or mine is None or node.get(leaf) != mine[leaf]:
            continue
        node[leaf] = theirs[leaf]
    return data
