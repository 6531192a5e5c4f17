"""Session 23: the backtest's paired bootstrap interval over cases needs two cases or more.

Resampling one case gives that case every time: the interval was [x, x], a zero-width (and so
perfectly confident) 95% interval the data cannot give. With fewer than 2 cases it is undefined:
null in the JSON, with the reason, and said so in the table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from test_backtest import runner, write_case

from transition_sim.backtest import bootstrap_interval, case_interval, interval_text
from transition_sim.backtest.loo import _means
from transition_sim.cli import app

REASON = "undefined over 1 case: a paired bootstrap over cases needs 2 or more"


def test_one_case_has_no_interval_in_the_json_nor_the_table(tmp_path: Path) -> None:
    write_case(tmp_path, "a_missed", "popular_transition")
    args = ["backtest", str(tmp_path), "-n", "2", "-w", "1"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    differences = json.loads(result.stdout)["brier_differences"]
    for entry in differences.values():
        assert entry["ci95"] is None and entry["ci95_reason"] == REASON, entry
        assert math.isfinite(entry["mean"])  # the one case's difference is still reported
    text = " ".join(runner.invoke(app, args).stdout.split())
    assert f"model minus uniform: {differences['model_minus_uniform']['mean']:+.3f}" in text
    assert f"(no 95% interval: {REASON})" in text


def test_two_cases_keep_their_interval() -> None:
    """The interval from 2 cases on is the bootstrap's, unchanged."""
    entry = case_interval([-5 / 6, 7 / 6])
    assert entry == {"ci95": list(bootstrap_interval([-5 / 6, 7 / 6]))}
    lo, hi = entry["ci95"]
    assert lo < hi


def test_loo_means_over_one_case_have_no_interval() -> None:
    """The leave-one-out table's averages use the same interval (`--without` can leave one)."""
    scores = {"in_sample": 0.5, "loo": 0.7, "uniform": 0.8, "base_rates": 0.6}
    row = {"case": "x", "brier": scores, "log": scores, "k_flag": False}
    entry = _means([row])["brier"]["loo_minus_uniform"]
    assert entry["ci95"] is None and entry["ci95_reason"] == REASON
    assert interval_text(entry) == f"{0.7 - 0.8:+.3f} (no 95% interval: {REASON})"
    two = _means([row, row | {"brier": scores | {"loo": 0.9}}])["brier"]["loo_minus_uniform"]
    assert two["ci95"] is not None and "ci95_reason" not in two
