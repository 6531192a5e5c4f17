"""The compiled kernel's on-disk cache: where it goes, and that it changes no result."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from transition_sim.core import kernel
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate

RUN = """
import hashlib, sys
from transition_sim.scenario.loader import load_scenario
from transition_sim.simulate import simulate
sc = load_scenario(sys.argv[1]).model_copy(update={"days": 12})
r = simulate(sc, 5)
print(hashlib.sha256(r.timeseries.to_csv().encode()).hexdigest(), r.metrics["detained"])
"""
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "kazakhstan_2022.yaml"


def test_cache_goes_to_numba_cache_dir_when_set(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    leaf = f"numba-{kernel._sources_digest()}"
    assert kernel._numba_cache_dir() == str(tmp_path / leaf)
    # a worker inherits the parent's folder in NUMBA_CACHE_DIR and keeps it (no nesting)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / leaf))
    assert kernel._numba_cache_dir() == str(tmp_path / leaf)


def test_cache_moves_to_the_user_cache_when_bytecode_is_not_written(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    leaf = f"numba-{kernel._sources_digest()}"
    assert kernel._numba_cache_dir() == str(tmp_path / "transition_sim" / "numba" / leaf)
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE")
    beside = Path(kernel.__file__).parent / "__pycache__" / leaf  # writable here
    assert kernel._numba_cache_dir() == str(beside)


def test_the_cache_folder_is_named_by_every_compiled_module() -> None:
    """Numba keys a cached function on its own file, but the compiled modules inline each
    other's functions: every module with compiled code must be in the digest, so that a change
    to one recompiles all (a stale inlined random stream would change results silently)."""
    core = Path(kernel.__file__).parent
    compiled = {p.name for p in core.glob("*.py") if "numba.njit" in p.read_text("utf-8")}
    assert compiled == set(kernel.COMPILED_SOURCES)


def test_results_are_the_same_compiled_afresh_or_loaded_from_the_cache(tmp_path) -> None:
    """Two fresh processes share an empty cache folder: the first compiles and writes it, the
    second loads it. Both reproduce this process's run bit for bit."""
    env = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path)}

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", RUN, str(BASELINE)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    fresh = run()
    assert any(tmp_path.rglob("*.nbi")), "the first process wrote the cache"
    cached = run()
    here = simulate(load_scenario(BASELINE).model_copy(update={"days": 12}), 5)
    digest = hashlib.sha256(here.timeseries.to_csv().encode()).hexdigest()
    assert fresh == cached == f"{digest} {here.metrics['detained']}"
