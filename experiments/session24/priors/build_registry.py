"""The registry a blocks baseline at point 1015 would draw from (session 24, helper P): the
repository's seeds/claims.yaml with the A-calibration priors replaced by the span of the blocks
calibration's finalists (experiments/session23/blocks/priors_1015.txt, written by session 23's
build_scratch.py from experiments/calibration/results/blocks23_r2/finalists.csv by the rule of
experiments/calibration/finalist_priors.py, the rule the registry's own A-calibration priors
follow for the agents' finalists). The agents' span would not be drawn at all for 10 of the 13
values (the blocks point lies outside it: `draw_priors` keeps a value outside its prior's range)
and would draw the other 3 around the agents' finalists. Everything else is the repository's
registry as it is (the crowd.vision_people prior included, if the registry has it).

    uv run python experiments/session24/priors/build_registry.py   # -> claims_blocks1015.yaml
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SPAN = ROOT / "experiments" / "session23" / "blocks" / "priors_1015.txt"
OUT = HERE / "claims_blocks1015.yaml"


def main() -> None:
    text = (ROOT / "seeds" / "claims.yaml").read_text(encoding="utf-8")
    block = re.search(
        r"(  - id: A-calibration\n(?:.*\n)*?    priors:\n)((?:      .*\n)+)(    prior_reason:)",
        text,
    )
    assert block is not None
    new = SPAN.read_text(encoding="utf-8")
    assert len(block.group(2).splitlines()) == len(new.splitlines()) == 13
    text = text[: block.start(2)] + new + text[block.end(2) :]
    head = (
        "# Experiment registry (experiments/session24/priors/build_registry.py):"
        " seeds/claims.yaml\n"
        "# with A-calibration's priors from the blocks finalists (point 1015). Not shipped.\n"
    )
    OUT.write_text(head + text, encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
