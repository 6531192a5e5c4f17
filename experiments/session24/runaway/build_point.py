"""A scratch scenario at a re-fit's chosen point: kz_blocks_1015.yaml (helper P's, point 1015)
with the 13 values of CHOSEN.json set (as ../priors/build_scenario.py sets them).

    uv run python experiments/session24/runaway/build_point.py refit_cap0.05/chosen.json OUT.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "priors"))
from build_scenario import set_path  # noqa: E402

BASE = HERE.parent / "priors" / "kz_blocks_1015.yaml"


def main() -> None:
    chosen, out = Path(sys.argv[1]), Path(sys.argv[2])
    data = yaml.safe_load(BASE.read_text())
    assert data["regions"][3]["name"] == "Almaty"
    for path, value in json.loads(chosen.read_text()).items():
        set_path(data, path, value)
    data["name"] = f"kazakhstan_2022_blocks_{chosen.parent.name}"
    out.write_text(
        f"# Scratch scenario (build_point.py): kz_blocks_1015.yaml at {chosen}\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    print(out)


if __name__ == "__main__":
    main()
