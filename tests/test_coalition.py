"""Coalition blame (issue 13, proposal M1; claims entry A-coalition-blame): a stolen election's
or a term-limit evasion's legitimacy loss falls, by the kind's `allies` share, on the camps
allied with the office holder too, so a coalition partner no longer props up the regime
legitimacy the crowd reads. Bad values are refused with their file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_files import load_error, write
from test_hostile_scenarios import assert_refused

from transition_sim.core.elites import DEFECTED
from transition_sim.core.model import TransitionModel
from transition_sim.scenario.schema import Scenario

VOTE = {"day": 0, "label": "a stolen vote", "kind": "disputed_election"}


def coalition(allies: float, *, allied: bool = True, ruler_names_it: bool = False, **vote) -> dict:
    """A ruler and a partner (allied, or a rival when ``allied`` is false) on Epstein's city; a
    disputed election on day 0 whose loss the partner shares by ``allies``."""
    ruler = {"name": "incumbent", "incumbent": True, "power": 0.7, "legitimacy": 0.85}
    partner = {"name": "partner", "power": 0.3, "legitimacy": 0.6}
    if allied and ruler_names_it:
        ruler["ally_of"] = "partner"
    elif allied:
        partner["ally_of"] = "incumbent"
    return {
        "name": "coalition",
        "days": 5,
        "camps": [ruler, partner],
        "triggers": {"disputed_election": {"legitimacy": -0.5, "allies": allies}},
        "shocks": [VOTE | vote],
    }


def after_the_vote(data: dict, partner_out: bool = False) -> tuple[float, float, float]:
    """The ruler's, the partner's and the regime's legitimacy once the vote's shock has fired."""
    m = TransitionModel(Scenario.model_validate(data), 1)
    el = m.elites
    if partner_out:
        el.camps["partner"].status = DEFECTED
    m._shocks[0].fire()
    return el.legitimacy, el.camps["partner"].legitimacy, el.regime_legitimacy()


@pytest.mark.parametrize("ruler_names_it", [False, True])
def test_a_stolen_vote_discredits_the_rulers_coalition_partner(ruler_names_it: bool) -> None:
    """With a share, the partner loses legitimacy with the ruler and the regime the crowd reads
    is less legitimate than when the partner is spared; the ruler's own loss is the same. A
    larger share discredits the partner more. Either camp may name the alliance."""
    spared, half, whole = (
        after_the_vote(coalition(share, ruler_names_it=ruler_names_it)) for share in (0, 0.5, 1)
    )
    assert spared[1] == 0.6, "no share: the partner keeps its legitimacy"
    assert whole[1] < half[1] < spared[1]
    assert whole[2] < half[2] < spared[2]
    assert spared[0] == half[0] == whole[0] < 0.85


def test_a_rival_or_a_partner_out_of_play_is_not_discredited() -> None:
    """The share falls only on allies in play: a rival camp, or a partner that has gone over
    before the vote, keeps its legitimacy, and the regime's is what it is with no share."""
    for allied, out in ((False, False), (True, True)):
        shared = after_the_vote(coalition(1.0, allied=allied), partner_out=out)
        spared = after_the_vote(coalition(0.0, allied=allied), partner_out=out)
        assert shared[1] == 0.6
        assert shared == spared


def test_a_shocks_explicit_legitimacy_is_the_office_holders_alone() -> None:
    """A shock's own `legitimacy` states what happens to the office holder: the kind's share
    does not carry it to the partner."""
    data = coalition(1.0, legitimacy=-0.2)
    data["triggers"]["disputed_election"]["legitimacy"] = 0.0
    ruler, partner, _ = after_the_vote(data)
    assert ruler < 0.85
    assert partner == 0.6


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5", "less than or equal to 1"),
        ("-0.1", "greater than or equal to 0"),
        ("half", "valid number"),
    ],
)
def test_a_bad_share_names_its_file_line_and_field(
    tmp_path: Path, value: str, message: str
) -> None:
    text = f"name: x\ntriggers:\n  term_limit_evasion:\n    allies: {value}\n"
    path = write(tmp_path / "x.yaml", text)
    err = load_error(path)
    assert (err.line, err.field) == (4, "triggers.term_limit_evasion.allies"), err
    assert message in err.message, err.message
    assert_refused(path, f"{path}:4: triggers.term_limit_evasion.allies")
