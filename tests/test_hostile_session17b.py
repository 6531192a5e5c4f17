"""Hostile checks of session 17's later changes (deferred imports for ``run``, coalition blame,
``validate``'s rules check): what broke, kept as tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from transition_sim.lazy import defer


@pytest.fixture
def failing_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package ``hostile17b_pkg`` with a module ``flaky`` whose first run fails."""
    root = tmp_path / "hostile17b_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "flaky.py").write_text(
        "import sys\nsys.flaky_runs = getattr(sys, 'flaky_runs', 0) + 1\n"
        "if sys.flaky_runs == 1:\n    raise ValueError('first run fails')\nOK = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "flaky_runs", 0, raising=False)
    yield "hostile17b_pkg"
    for name in [m for m in sys.modules if m.split(".")[0] == "hostile17b_pkg"]:
        del sys.modules[name]


def test_a_deferred_module_that_failed_is_imported_again_by_from_import(failing_once: str) -> None:
    """After a deferred module's load fails, ``from package import module`` runs it again, as
    after a failed import (was: the package kept the half-run module, without its names)."""
    import hostile17b_pkg

    assert defer([f"{failing_once}.flaky"]) == [f"{failing_once}.flaky"]
    with pytest.raises(ValueError):
        _ = hostile17b_pkg.flaky.OK
    from hostile17b_pkg import flaky

    assert flaky.OK
    assert sys.flaky_runs == 2  # type: ignore[attr-defined]


def test_garbage_left_before_the_imports_is_not_frozen_for_good() -> None:
    """`importing()` freezes what lives after the imports; a caller's garbage (a cycle dropped
    before an in-process command) must still be collectable, not moved to the permanent
    generation."""
    import gc
    import weakref

    from transition_sim.lazy import importing

    class Node:
        pass

    node = Node()
    node.self = node  # a cycle: only the cyclic collector frees it
    alive = weakref.ref(node)
    was = gc.isenabled()
    gc.disable()  # so that nothing collects it before the block
    del node
    try:
        with importing():
            pass
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
        if was:
            gc.enable()
