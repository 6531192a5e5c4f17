"""Hostile tests of session 18's start-up changes (hostile20): each states a behaviour that a
bug found in that session broke."""

from __future__ import annotations

import sys

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
