"""Loyalty results do not depend on the process's string hash seed (PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
from transition_sim.core import loyalty
now = {"ruler": 0.5, "self_interest": 0.3, "family": 0.2}
base = {"ruler": 0.4, "opposition": 0.1, "guard": 0.25, "self_interest": 0.25}
out = loyalty.recover(now, base, 0.4)
moved = loyalty.shifted(base, now, {"ruler": 0.2, "heir": 0.5, "army": 0.3})
print(list(out.items()), list(moved.items()))
"""


def test_recovery_and_shifts_are_the_same_whatever_the_hash_seed() -> None:
    """Six processes with different hash seeds give the same keys, in the same order, with the
    same values (with a set of keys, the order followed each process's hash seed)."""
    seen = {
        subprocess.run(
            [sys.executable, "-c", PROBE],
            env=os.environ | {"PYTHONHASHSEED": str(seed)},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for seed in range(6)
    }
    assert len(seen) == 1, seen
