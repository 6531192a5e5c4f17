"""A scratch copy of the repository whose baseline has the crowd of blocks at a calibration
point, for the library backtest with the baseline switched (issue 13; nothing in the project is
edited: the cases extend ../kazakhstan_2022.yaml, so the copy's cases run on the copy's baseline).

    uv run python experiments/session23/blocks/build_scratch.py POINT.json FINALISTS.csv OUT

POINT.json holds the overrides (the --fix values and the 13 chosen ones, calibration paths:
Almaty is regions.3). The copy is `git archive HEAD` of this tree in OUT/repo, with
scenarios/kazakhstan_2022.yaml rewritten (PyYAML: comments are lost) and, so that `--uncertainty
prior` draws the calibrated numbers around the blocks point and not around the agents' one, the
A-calibration priors of seeds/claims.yaml replaced by the span of FINALISTS.csv (the rule of
experiments/calibration/finalist_priors.py: triangular with its mode at the chosen value,
log-uniform where the span is a factor of 3 or more). Run the copy with
PYTHONPATH=OUT/repo so that the package (and its seeds/claims.yaml) is the copy's.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[3]
NAMED = {"regions.3.": "regions.Almaty."}
FIXED = {"crowd.representation", "crowd.vision", "crowd.vision_people"}


def named(path: str) -> str:
    for index, name in NAMED.items():
        path = path.replace(index, name)
    return path


def prior_lines(point: dict[str, object], finalists: pd.DataFrame) -> list[str]:
    lines = []
    for path, value in point.items():
        if path in FIXED:
            continue
        low = min(float(finalists[path].min()), float(value))
        high = max(float(finalists[path].max()), float(value))
        kind = "log-uniform" if low > 0 and high / low >= 3 else "triangular"
        lines.append(f"      {named(path)}: [{kind}, {low:.4g}, {high:.4g}]")
    return lines


# The registry's priors that a blocks baseline refuses (`backtest --uncertainty prior` refuses
# the run, naming them): vision in cells (blocks see in residents: crowd.vision is null) and the
# three agents-only rules (hardship_skew, gathering, guarding: "not implemented for
# representation: blocks"). Replaced as follows, modelling assumptions of this experiment:
# - crowd.vision [triangular, 5, 9] cells -> crowd.vision_people [triangular, 42000, 126000]
#   residents, the same +-2 cells in residents at 1,000 people per agent and 700 residents a
#   cell (78,400 / 112 cells at radius 7; von Neumann radius r holds 2r(r+1) cells: 60 at 5,
#   180 at 9), mode at the baseline's 78,400;
# - the three agents-only rules held at their baseline values (skew 1, gathering 0, guarding
#   0): their priors are removed, which the agents' prior runs do draw.
VISION = "      crowd.vision: [triangular, 5, 9]\n"
AGENTS_ONLY = ("crowd.hardship_skew", "crowd.gathering", "crowd.guarding")


def blocks_priors(text: str) -> str:
    assert text.count(VISION) == 1
    text = text.replace(VISION, "")
    vision = "  - id: A-vision-resolution\n    parameters: [crowd.vision, crowd.vision_people]\n"
    assert text.count(vision) == 1
    start = text.index(vision)
    end = text.index("\n\n", start)
    text = (
        text[:end]
        + "\n    priors:\n      crowd.vision_people: [triangular, 42000, 126000]"
        + "\n    prior_reason: 'Session 23 experiment (blocks): vision +-2 cells in residents,"
        + " as crowd.vision [triangular, 5, 9] for agents.'"
        + text[end:]
    )
    for path in AGENTS_ONLY:
        line = re.compile(rf"    priors:\n      {re.escape(path)}: \[.*\]\n")
        text, n = line.subn(f"    fixed: [{path}]\n", text)
        assert n == 1, path
    return text


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
    point_path, finalists_path, out = (Path(a) for a in sys.argv[1:4])
    point = json.loads(point_path.read_text())
    repo = out / "repo"
    if repo.exists():
        sys.exit(f"{repo} exists: remove it first")
    repo.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(repo, filter="data")

    baseline = repo / "scenarios" / "kazakhstan_2022.yaml"
    data = yaml.safe_load(baseline.read_text())
    assert data["regions"][3]["name"] == "Almaty", data["regions"][3]["name"]
    for path, value in point.items():
        set_path(data, path, value)
    baseline.write_text(
        "# Scratch copy (experiments/session23/blocks/build_scratch.py): the crowd of blocks at\n"
        f"# {point_path}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )

    claims = repo / "seeds" / "claims.yaml"
    text = claims.read_text()
    block = re.search(
        r"(  - id: A-calibration\n(?:.*\n)*?    priors:\n)((?:      .*\n)+)(    prior_reason:)",
        text,
    )
    assert block is not None
    old = block.group(2).splitlines()
    new = prior_lines(point, pd.read_csv(finalists_path))
    assert len(old) == len(new) == 13, (len(old), len(new))
    text = text[: block.start(2)] + "\n".join(new) + "\n" + text[block.end(2) :]
    text = blocks_priors(text)
    claims.write_text(text)
    (out / "priors.txt").write_text("\n".join(new) + "\n")
    print("\n".join(new))


if __name__ == "__main__":
    main()
