"""The case library at a calibrated point with settings added (no re-fit).

    nice -n 5 uv run python experiments/calibration/library_settings.py \
        BASE SETTING [SETTING ...] --out DIR [-n 40] [--workers 2]

BASE is a calibration's results folder (its `fixed.json` and `chosen.json`, e.g.
results/arrest_exact_k1.5); each SETTING is `name:path=value,path=value` (values JSON, e.g.
`g0.5_po0.5:crowd.gathering=0.5,violence.peaceful_occupation=0.5`). For each, a folder
`DIR/<name>/` gets `fixed.json` (the base's fixed values and the setting's),
`chosen.json` (the base's, unchanged) and `backtest.json` (`transition-sim backtest`, point
values, each case's own seed, as `library_crowds.py` runs it). The Kazakhstan calibration's
total is not re-measured here (`library_crowds.summarize` gets NaN).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from library_crowds import library_at, summarize


def parse(setting: str) -> tuple[str, dict[str, object]]:
    name, _, pairs = setting.partition(":")
    values: dict[str, object] = {}
    for pair in filter(None, pairs.split(",")):
        path, _, value = pair.partition("=")
        values[path] = json.loads(value)
    return name, values


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("settings", nargs="+")
    ap.add_argument("--out", type=Path, required=True, help="a folder per setting goes here")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    fixed = json.loads((args.base / "fixed.json").read_text())
    chosen = json.loads((args.base / "chosen.json").read_text())
    for setting in args.settings:
        name, extra = parse(setting)
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fixed.json").write_text(json.dumps(fixed | extra, indent=2) + "\n")
        (folder / "chosen.json").write_text(json.dumps(chosen, indent=2) + "\n")
        with tempfile.TemporaryDirectory() as tmp:
            out = backtest(library_at(fixed | extra | chosen, Path(tmp)), args.n, args.workers)
        (folder / "backtest.json").write_text(out)
        print(name, summarize(name, json.loads(out), float("nan")), flush=True)


def backtest(cases: Path, n: int, workers: int) -> str:
    """`transition-sim backtest` of the folder ``cases``: its JSON record, as text."""
    command = ["transition-sim", "backtest", str(cases), "-n", str(n), "-w", str(workers)]
    command += ["--uncertainty", "point", "--json"]  # the point values these settings set
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


if __name__ == "__main__":
    main()
