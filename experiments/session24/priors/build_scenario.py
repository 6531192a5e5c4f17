"""The blocks Kazakhstan baseline as a scratch scenario (session 24, helper P): the shipped
baseline with session 23's point 1015 (experiments/session23/blocks/point_1015.json: the crowd of
blocks, vision 78,400 residents, and the 13 calibrated values of
experiments/calibration/results/blocks23_r2/chosen.json), without its `from_posterior` (the
library fit was made under the agents rule and is refused under blocks). Nothing in scenarios/ is
edited: the file is written here, `kz_blocks_1015.yaml`, and extends nothing (a plain copy of the
baseline's YAML with the values set, PyYAML: comments are lost).

    uv run python experiments/session24/priors/build_scenario.py
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
POINT = ROOT / "experiments" / "session23" / "blocks" / "point_1015.json"
BASELINE = ROOT / "scenarios" / "kazakhstan_2022.yaml"
OUT = HERE / "kz_blocks_1015.yaml"


def set_path(data: dict, path: str, value: object) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def main() -> None:
    point = json.loads(POINT.read_text())
    data = yaml.safe_load(BASELINE.read_text())
    assert data["regions"][3]["name"] == "Almaty", data["regions"][3]["name"]
    data.pop("from_posterior", None)
    data["name"] = "kazakhstan_2022_blocks_1015"
    for path, value in point.items():
        set_path(data, path, value)
    OUT.write_text(
        "# Scratch scenario (experiments/session24/priors/build_scenario.py):"
        " the shipped baseline\n"
        "# with the crowd of blocks at session 23's point 1015, no from_posterior.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    print(OUT)


if __name__ == "__main__":
    main()
