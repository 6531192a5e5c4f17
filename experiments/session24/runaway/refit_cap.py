"""A short re-fit around point 1015 with the contagion signal capped (the fix proposed in
README.md) or not (the control, same budget and seeds): experiments/calibration/
calibrate_kazakhstan.py's main, unchanged, run in this process (one worker) with the
populations' day wrapped as in score_cap.py; nothing in transition_sim/ edited.

    uv run python experiments/session24/runaway/refit_cap.py CAP -- [calibrate_kazakhstan args]
"""

from __future__ import annotations

import sys
from pathlib import Path

from score_cap import capped

from transition_sim.core import blocks as B
from transition_sim.core import population as P

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "calibration"))
import calibrate_kazakhstan

if __name__ == "__main__":
    cap = sys.argv[1]
    if cap != "none":
        B.BlockPopulation.step = capped(B.BlockPopulation.step, float(cap))
        P.Population.step = capped(P.Population.step, float(cap))
    sys.argv = [sys.argv[0], *sys.argv[3:]]  # after "CAP --"
    calibrate_kazakhstan.main()
