"""The shipped scenarios' outputs are bit-identical to the golden hashes in tests/golden.

A speed change must leave every table of every scenario identical. A model change changes the
hashes on purpose: regenerate them with `uv run python tests/golden/regenerate.py` and review
which scenarios and tables changed (see that script).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "golden_regenerate", Path(__file__).with_name("golden") / "regenerate.py"
)
assert _SPEC is not None and _SPEC.loader is not None
regenerate = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(regenerate)

GOLDEN = json.loads(regenerate.HASHES.read_text())
FILES = {p.name: p for p in regenerate.scenario_files()}


def test_every_shipped_scenario_has_golden_hashes() -> None:
    assert sorted(GOLDEN) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_outputs_match_golden_hashes(name: str) -> None:
    hashes = regenerate.scenario_hashes(FILES[name])
    assert hashes == GOLDEN[name], "outputs changed: a model change must regenerate the hashes"
