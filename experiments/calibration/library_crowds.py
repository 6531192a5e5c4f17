"""Run the case library at calibrated baselines: the sourced peak crowds, and the classes.

    uv run python experiments/calibration/library_crowds.py DIR [DIR ...] [-n 40] [--workers 2]

Each DIR is a calibration's results folder (`calibrate_kazakhstan.py --fix ... --results DIR`):
its `fixed.json` and `chosen.json` are applied to a copy of scenarios/kazakhstan_2022.yaml, the
library's cases (which extend it) are copied beside it, and `transition-sim backtest` runs them
at point values. Each folder gets `backtest.json`; the table printed compares the settings by
what chooses between them, the crowds (how many of the eight sourced peaks the model's median
falls in, and the mean log10 distance of the medians from their ranges) and the Kazakhstan
calibration's total, and, beside them, the class scores, which do not choose (they are scored
out of sample; the README says so).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from transition_sim.studies.fit import PATTERN_CAP as CAP
from transition_sim.studies.patterns import log_distance

ROOT = Path(__file__).resolve().parents[2]


def set_path(data: dict, path: str, value: object) -> None:
    """Set a dotted path (list items by index) in a scenario's YAML data."""
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[int(last) if isinstance(node, list) else last] = value


def library_at(overrides: dict[str, object], where: Path) -> Path:
    """A copy of the library whose base scenario carries `overrides`; returns its cases folder."""
    data = yaml.safe_load((ROOT / "scenarios" / "kazakhstan_2022.yaml").read_text())
    for path, value in overrides.items():
        set_path(data, path, value)
    (where / "scenarios").mkdir(parents=True)
    (where / "scenarios" / "kazakhstan_2022.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copytree(ROOT / "scenarios" / "cases", where / "scenarios" / "cases")
    (where / "experiments").symlink_to(ROOT / "experiments")  # the baseline's posterior folder
    return where / "scenarios" / "cases"


def summarize(setting: str, record: dict, total: float) -> dict:
    peaks = [c["peak_crowd"] for c in record["cases"] if c.get("peak_crowd")]
    return {
        "setting": setting,
        "kazakhstan_total": round(total, 3),
        "peaks_in_range": sum(p["verdict"] == "in range" for p in peaks),
        "peaks_above": sum(p["verdict"] == "above" for p in peaks),
        "peaks_below": sum(p["verdict"] == "below" for p in peaks),
        "peak_log10_distance": round(
            sum(min(log_distance(p["model_median"], p["range"]), CAP) for p in peaks) / len(peaks),
            3,
        ),
        "hits": record["hits"],
        "brier": round(record["brier"]["model"], 3),
        "brier_uniform": round(record["brier"]["uniform"], 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("-n", type=int, default=40, help="replications per case")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for folder in args.folders:
        overrides = json.loads((folder / "fixed.json").read_text())
        overrides |= json.loads((folder / "chosen.json").read_text())
        finals = pd.read_csv(folder / "finalists.csv")
        with tempfile.TemporaryDirectory() as tmp:
            cases = library_at(overrides, Path(tmp))
            command = ["transition-sim", "backtest", str(cases), "-n", str(args.n)]
            out = subprocess.run(
                [*command, "-w", str(args.workers), "--uncertainty", "point", "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        (folder / "backtest.json").write_text(out)
        rows.append(summarize(folder.name, json.loads(out), float(finals.iloc[0]["total"])))
        print(rows[-1], flush=True)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
