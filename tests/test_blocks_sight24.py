"""What a resident of a crowd of blocks reads does not grow with the size of her block (session
24, docs/ODD.md §8 "Resolution"): with a vision in residents (`crowd.vision_people`) the people
in her sight, her own block's included, are `vision_people` at any resolution, and so is the
area from which she sees units. Before, her own block came on top of the vision (78,400 + 4,000
residents at 4,000 people per agent, 78,400 + 500 at 500), so at coarse resolutions she read a
larger, less noisy sample of units and actives, and saw up to 3.8% more units than at 1,000."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from transition_sim.core.model import TransitionModel
from transition_sim.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from test_blocks import baseline_of_blocks

WIDE = (4000, 2000, 1000, 500)  # people per agent: the three and the coarse 4,000


def residents_per_cell(crowd) -> float:
    return crowd.n * crowd.people_per_agent / crowd.side**2


@pytest.mark.parametrize("ppa", WIDE)
def test_a_resident_reads_vision_people_at_any_resolution(ppa: int) -> None:
    """Her sight (the vision's cells, its ring by its share, and her own block) and a unit's
    disc (its area in cells) hold `vision_people` residents in every region."""
    sc = baseline_of_blocks(ppa)
    model = TransitionModel(sc, 0)
    for crowd in model.crowds:
        rpc = residents_per_cell(crowd)
        sight = crowd.vision_weights.sum() * rpc + crowd.people_per_agent
        assert sight == pytest.approx(sc.crowd.vision_people, rel=1e-9)
        assert crowd.sight_cells * rpc == pytest.approx(sc.crowd.vision_people, rel=1e-9)


def test_units_in_sight_do_not_grow_with_the_block() -> None:
    """Mean deterring units in a block's sight, per region (10 seeds each), agree within 2.5%
    from 4,000 to 500 people per agent (before: 3.0-4.3% more at 4,000 than at 500 in every
    region, the own block's people on top of the vision)."""
    seen = {}
    for ppa in WIDE:
        rows = []
        for seed in range(10):
            model = TransitionModel(baseline_of_blocks(ppa), seed)
            rows.append([c.cops_seen[c.pos[: c.n]].mean() for c in model.crowds])
        seen[ppa] = np.mean(rows, axis=0)
    ratios = np.max(list(seen.values()), axis=0) / np.min(list(seen.values()), axis=0)
    assert ratios.max() < 1.025, ratios


def test_a_vision_in_cells_keeps_the_own_cell() -> None:
    """With a vision in cells (not resident-based) a unit's disc is the vision's cells and the
    own one, as before."""
    data = baseline_of_blocks(1000).model_dump()
    data["crowd"].update(vision=3, vision_people=None)
    model = TransitionModel(Scenario.model_validate(data), 0)
    for crowd in model.crowds:
        assert crowd.sight_cells == pytest.approx(crowd.vision_weights.sum() + 1.0)
