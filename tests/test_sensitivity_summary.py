"""The sensitivity summary: noise floors grey cells, impossible indices and unconverged
outputs are flagged, outcomes that never occur are left out, parameters get readers' names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from transition_sim.viz.results import load_sweep
from transition_sim.viz.sensitivity_summary import converged, summary_chart

NAMES = ["a.x", "b.y"]


def study(tmp_path: Path, method: str, outputs: dict, samples: int = 64, points: int = 300) -> Path:
    (tmp_path / "sensitivity.json").write_text(
        json.dumps(
            {"method": method, "samples": samples, "points": points, "outputs": outputs,
             "skipped": {"share_never": "constant across the design: nothing to attribute"}}
        )
    )  # fmt: skip
    (tmp_path / "spec.yaml").write_text(f"name: my study\nmethod: {method}\n")
    return tmp_path


def sobol(st: list[float], conf: float, floor: float | None, ok: bool = True) -> dict:
    return {"names": NAMES, "ST": st, "ST_conf": [conf] * len(st), "noise_floor": floor,
            "convergence": {"converged": ok}}  # fmt: skip


def test_the_halving_check_is_not_believed_with_wide_intervals_or_few_samples() -> None:
    narrow, wide = sobol([0.5, 0.2], 0.05, None), sobol([0.5, 0.2], 0.4, None)
    assert converged("sobol", narrow, 64)
    assert not converged("sobol", narrow, 8)  # N = 8
    assert not converged("sobol", wide, 64)
    assert not converged("sobol", sobol([0.5, 0.2], 0.05, None, ok=False), 64)


def test_cells_below_the_floor_are_grey_and_impossible_indices_flagged(tmp_path: Path) -> None:
    outputs = {
        "share_holds": sobol([1.2, 0.01], 0.05, 0.05),
        "deaths_mean": sobol([0.4, 0.3], 0.3, 0.02),
        "share_zero": sobol([0.0, 0.0], 0.0, None),
    }
    fig = summary_chart(load_sweep(study(tmp_path, "sobol", outputs)), {"a.x": "Actor › x"})
    grey, main = fig.data[0], fig.data[1]
    columns = list(main.x)
    assert len(columns) == 2  # share_zero (never occurs) is left out
    assert columns[0].startswith("P(holds)") and "not shown to converge" not in columns[0]
    assert "not shown to converge" in columns[1]  # intervals of 0.3
    assert list(main.y) == ["Actor › x", "b.y"]
    z, g = np.array(main.z, dtype=float), np.array(grey.z, dtype=float)
    assert np.isnan(z[1, 0]) and g[1, 0] == 0.0  # 0.01 under the floor 0.05: grey
    assert z[0, 0] == 1.2 and main.text[0][0].endswith("!")  # ST > 1: flagged
    assert "never" in fig.layout.title.subtitle.text and "zero" in fig.layout.title.subtitle.text
    assert fig.layout.title.text == "my study (Sobol indices)"
