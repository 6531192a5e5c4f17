"""Fuzzing the scenario loader through the command line: mutated scenario files (keys dropped,
types swapped, extreme numbers, aliases, odd bytes, deep nesting, huge lists) never get past the
CLI as a traceback. `validate` exits 0 or 2; a file that validates also runs (one day, `run -n
1`, exit 0).

CI runs a fixed, small set of examples. To search longer (random examples, 1,000 by default;
FUZZ_EXAMPLES=N for another count):

    HYPOTHESIS_PROFILE=long uv run pytest tests/test_fuzz_scenarios.py
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from transition_sim.cli import app
from transition_sim.scenario import feasibility, load_scenario, scenario_to_yaml

SCENARIOS = Path(__file__).parent.parent / "scenarios"
cli = CliRunner()

_common = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile(
    "fuzz-ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 30)), derandomize=True, **_common
)
settings.register_profile(
    "fuzz-long", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 1000)), **_common
)
PROFILE = "fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz-ci"


def one_day(name: str) -> dict[str, Any]:
    """A shipped scenario, fully resolved (no extends), cut to one day."""
    doc = yaml.safe_load(scenario_to_yaml(load_scenario(SCENARIOS / name)))
    doc["days"] = 1
    doc["shocks"] = [s for s in doc["shocks"] if s["day"] < 1]
    return doc


BASES = [
    one_day("kazakhstan_2022.yaml"),
    one_day("cases/belarus_2020.yaml"),
    one_day("epstein_model1.yaml"),
    {"name": "minimal", "days": 1},
]

EXTREME_NUMBERS = st.sampled_from(
    [0, -1, 1, 2, 3650, 3651, 2**31, 2**53, 2**53 + 1, 2**63, 10**30, -(2**70), 0.0, -0.0]
)
EXTREME_FLOATS = st.sampled_from(
    [0.5, 1.0, 1.5, 5e-324, 1e-9, 1e308, -1e308, float("inf"), float("nan")]
)
WEIRD = st.one_of(
    EXTREME_NUMBERS,
    EXTREME_FLOATS,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.sampled_from(["30", "1e-9", "5e-324", "yes", "nan", ".inf", "2022-01-01", ""]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.lists(st.integers(0, 3), max_size=5),
    st.dictionaries(st.sampled_from(["name", "units", "a", "low"]), st.integers(0, 5)),
    st.builds(lambda n: [0] * n, st.integers(0, 5000)),  # a huge list
    st.builds(lambda d: _nest(d), st.integers(1, 60)),  # deep nesting
)
ODD_BYTES = st.sampled_from(
    [
        b"\x00",
        b"\x1b",
        b"\x7f",
        b"\xff",
        b"\xfe\xff",
        b"\xef\xbb\xbf",
        b"\t",
        b"\r",
        b"\n  ",
        b": ",
        b"- ",
        b"&a ",
        b"*a ",
        b"*zz ",
        b"!!binary ",
        b"<<: ",
        b"{",
        b"[",
        b"'",
        b'"',
        b"%",
    ]
)
TAILS = st.sampled_from(
    [
        "zz1: &a [1, 2, 3]\nzz2: *a\n",  # aliases (to unknown keys)
        "".join(f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 9)).join(
            ["b0: &b0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", ""]
        ),  # billion laughs
        "zz: " + "[" * 3000 + "]" * 3000 + "\n",  # deep nesting
        "zz: &r [*r]\n",  # a recursive alias
        "name: dup\n",  # a duplicate key
    ]
)


def _nest(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or item of `doc`."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += paths(value, (*prefix, i))
    return out


def mutate(doc: Any, data: st.DataObject) -> None:
    """One mutation of the parsed document, in place."""
    where = paths(doc)
    if not where:
        return
    path = data.draw(st.sampled_from(where), label="path")
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    kind = data.draw(st.sampled_from(["drop", "swap", "swap", "nudge", "repeat", "add"]))
    if kind == "drop":
        del parent[key]
    elif kind == "swap":
        parent[key] = data.draw(WEIRD, label="value")
    elif (
        kind == "nudge"
        and isinstance(parent[key], int | float)
        and not isinstance(parent[key], bool)
    ):  # a plausible value: often still a valid scenario
        parent[key] = parent[key] * data.draw(st.sampled_from([0, 0.5, 2, 10, 1000]))
    elif kind == "repeat" and isinstance(parent[key], list):
        parent[key] = parent[key] * data.draw(st.integers(2, 300))
    elif kind == "add" and isinstance(parent[key], dict):
        parent[key][data.draw(st.sampled_from(["extra", "units", "name", "1"]))] = data.draw(WEIRD)


def damage(text: bytes, data: st.DataObject) -> bytes:
    """Byte-level damage to the YAML text: odd bytes spliced in, a tail appended, a cut."""
    kind = data.draw(st.sampled_from(["none", "none", "splice", "tail", "cut"]))
    if kind == "splice":
        at = data.draw(st.integers(0, len(text)))
        return text[:at] + data.draw(ODD_BYTES) + text[at:]
    if kind == "tail":
        return text + data.draw(TAILS).encode()
    if kind == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    return text


def assert_clean(args: list[str], allowed: tuple[int, ...]) -> int:
    """Run the CLI in-process; no exception may escape it (CliRunner would catch it)."""
    result = cli.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in allowed, (args, result.exit_code, result.output)
    return result.exit_code


class _LittleMemory:
    available = 512 * 2**20  # keep whatever validates small enough to run here


@pytest.mark.timeout(1800)
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_mutated_scenarios_never_crash_the_cli(
    data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feasibility.psutil, "virtual_memory", lambda: _LittleMemory)
    doc = yaml.safe_load(yaml.safe_dump(data.draw(st.sampled_from(BASES), label="base")))
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        mutate(doc, data)
    text = damage(yaml.safe_dump(doc, allow_unicode=True).encode(), data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(text)
        status = assert_clean(["validate", str(path)], allowed=(0, 2))
        if status == 0 and load_scenario(path).days > 1:
            # A one-day run of the same scenario: it may now fail validation (a shock past
            # day 0), but if it validates it must run.
            path = Path(tmp) / "one_day.yaml"
            path.write_text("extends: fuzz.yaml\ndays: 1\n", encoding="utf-8")
            status = assert_clean(["validate", str(path)], allowed=(0, 2))
        event("runs" if status == 0 else "refused")
        # Every file that validates runs; every file that does not is refused by `run` too.
        assert_clean(["run", "-n", "1", "--seed", "1", "--json", str(path)], allowed=(status,))
