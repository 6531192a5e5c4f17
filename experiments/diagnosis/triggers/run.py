"""Run a subset of the case library at the shipped point with trigger constants overridden.

    nice -n 10 uv run python experiments/diagnosis/triggers/run.py CASES SETTING [SETTING ...] \
        --out DIR [-n 40] [--workers 1]

CASES is a comma-separated list of case file stems (e.g. `belarus_2020,serbia_2000`), or `all`;
each SETTING is `name:path=value,path=value` as in experiments/calibration/library_settings.py
(e.g. `de-0.25:triggers.disputed_election.legitimacy=-0.25`). For each, `DIR/<name>/` gets
`setting.json` (the overrides and the cases) and `backtest.json` (`transition-sim backtest`,
point values, each case's own seed). Only the listed cases run: a case without a shock of the
overridden kind runs the same model as at the shipped point, so its result is the control's
(`table.py` takes it from there; the README shows one such case checked).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))

from library_crowds import library_at  # noqa: E402
from library_settings import backtest, parse  # noqa: E402


def keep_only(cases: Path, stems: set[str]) -> None:
    """Remove the library's case files not named in `stems` (all of them stay for `all`)."""
    found = {p.stem for p in cases.glob("*.yaml")}
    if missing := stems - found:
        sys.exit(f"run.py: no such case: {', '.join(sorted(missing))}")
    for path in cases.glob("*.yaml"):
        if path.stem not in stems:
            path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", help="comma-separated case file stems, or `all`")
    ap.add_argument("settings", nargs="+")
    ap.add_argument("--out", type=Path, required=True, help="a folder per setting goes here")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    stems = None if args.cases == "all" else set(filter(None, args.cases.split(",")))
    for setting in args.settings:
        name, overrides = parse(setting)
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        record = {"overrides": overrides, "cases": sorted(stems) if stems else "all"}
        (folder / "setting.json").write_text(json.dumps(record, indent=2) + "\n")
        with tempfile.TemporaryDirectory() as tmp:
            cases = library_at(overrides, Path(tmp))
            if stems is not None:
                keep_only(cases, stems)
            out = backtest(cases, args.n, args.workers)
        (folder / "backtest.json").write_text(out)
        print(name, json.loads(out)["hits"], "hits of", len(json.loads(out)["cases"]), flush=True)


if __name__ == "__main__":
    main()
