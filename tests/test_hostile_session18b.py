"""Hostile tests of session 18's start-up changes (hostile20): each states a behaviour that a
bug found in that session broke."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import transition_sim


def test_claims_fixture_leaves_the_module_bound_to_its_package() -> None:
    """tests/test_claims.py's module fixture, torn down, leaves `transition_sim.claims` as the
    import system does: in sys.modules and bound to the package (it took the binding off, so
    that a later ``import transition_sim.claims`` found the module loaded, did not bind it
    again, and ``transition_sim.claims`` raised AttributeError:
    tests/test_check_claims_posterior.py failed after tests/test_claims.py)."""
    import test_claims

    fixture = test_claims.claims.__wrapped__()
    module = next(fixture)
    for _ in fixture:  # teardown
        pass
    assert sys.modules["transition_sim.claims"] is module
    assert transition_sim.claims is module


def test_scipy_linalg_submodules_import_after_a_run_deferred_it() -> None:
    """After `defer_for_run` (``run``, or a command after it in the same process), a submodule
    of scipy.linalg imported first (as sklearn's and statsmodels' modules do: ``from
    scipy.linalg.lapack import get_lapack_funcs``) works, and the package with it; numba's
    check (``scipy.linalg.cython_blas``) still loads without the package. With the package
    deferred with its submodules open, blas ran first, imported the package, whose
    ``__init__`` imported the half-run blas: ImportError."""
    code = (
        "import sys\n"
        "from transition_sim.lazy import defer_for_run\n"
        "defer_for_run()\n"
        "import scipy.linalg.cython_blas\n"
        "assert type(sys.modules['scipy.linalg']).__name__ == 'Deferred'\n"
        "from scipy.linalg.lapack import get_lapack_funcs\n"
        "import scipy.linalg\n"
        "assert scipy.linalg.solve([[2.0]], [1.0])[0] == 0.5\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_submodule_of_a_deferred_package_is_not_run_twice() -> None:
    """After `defer_for_run`, ``import mesa.discrete_space.grid`` (first touch of the deferred
    package) gives the module the package imported, not a second run of it: one class
    ``OrthogonalMooreGrid``, whichever way it is reached (isinstance works across). The
    package ran at the read of its ``__path__``, after the import system's last look in
    sys.modules, which then ran grid.py again into a second module."""
    code = (
        "import sys\n"
        "from transition_sim.lazy import defer_for_run\n"
        "defer_for_run()\n"
        "import mesa\n"
        "import mesa.discrete_space.grid as grid\n"
        "import mesa.discrete_space\n"
        "assert grid is sys.modules['mesa.discrete_space.grid']\n"
        "assert mesa.discrete_space.OrthogonalMooreGrid is grid.OrthogonalMooreGrid\n"
        "assert grid.__spec__.name == 'mesa.discrete_space.grid' and grid.__spec__.origin\n"
        "import asyncio.events\n"  # asyncio: deferred by run since session 18
        "import asyncio\n"
        "assert asyncio.AbstractEventLoop is asyncio.events.AbstractEventLoop\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_priors_refuse_a_registry_the_safe_loader_refuses_outside_the_assumptions(
    tmp_path: Path,
) -> None:
    """`load_priors` (``run --priors``, drawn parameters) builds only the assumptions and coupled
    sets into values, but a tag the safe loader cannot build elsewhere (a claim's
    ``!!python/object``) is still refused at its line, as `yaml.load` refused it (the run
    went ahead); merge keys still load."""
    from transition_sim.claims import REGISTRY_PATH, PriorError, load_priors

    text = REGISTRY_PATH.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  - id: C-")) + 1
    lines.insert(at, "    bogus: !!python/object:os.system x\n")
    bad = tmp_path / "claims.yaml"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(PriorError) as err:
        load_priors(bad)
    assert str(err.value).startswith(f"{bad}:{at + 1}: yaml: ")
    merged = text.replace("claims:\n", "base: &b {x: 1}\nother:\n  <<: *b\nclaims:\n", 1)
    bad.write_text(merged, encoding="utf-8")
    shifted = [(p.path, p.low, p.high, p.line - 3) for p in load_priors(bad).priors]
    assert shifted == [(p.path, p.low, p.high, p.line) for p in load_priors().priors]


def test_python_dash_m_runs_the_command_line() -> None:
    """``python -m transition_sim`` failed (no __main__.py); it is the same app, same errors."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "transition_sim", "validate", "no-such-file.yaml"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "no-such-file.yaml" in done.stderr and "Traceback" not in done.stderr
