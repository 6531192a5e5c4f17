"""The Kazakhstan baseline with the crowd-size signal off and on (outcome shares, median deaths,
detentions, peak protesters, the patron's invitation), under the shipped rule and the exact ratio.

    nice -n 5 uv run python experiments/diagnosis/ouster/kazakhstan.py [-n 200] [--workers 1] \
        --out experiments/diagnosis/ouster/kazakhstan.json

Each arm: the baseline with the setting's overrides (`library_crowds.library_at`), `transition-sim
run --point -n N --seed 20220105 --json`: the same seeds in every arm.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
from library_crowds import library_at  # noqa: E402

EXACT = ROOT / "experiments" / "calibration" / "results" / "arrest_exact_k1.5"
S = "loyalty_dynamics.crowd_size"
ARMS = {
    "shipped/control": ("shipped", {}),
    "shipped/size0.05": ("shipped", {S: 0.05}),
    "shipped/size0.1": ("shipped", {S: 0.1}),
    "exact/control": ("exact", {}),
    "exact/size0.05": ("exact", {S: 0.05}),
    "exact/size0.1": ("exact", {S: 0.1}),
}


def base(setting: str) -> dict:
    if setting == "shipped":
        return {}
    fixed = json.loads((EXACT / "fixed.json").read_text())
    return fixed | json.loads((EXACT / "chosen.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    out = {}
    for name, (setting, extra) in ARMS.items():
        with tempfile.TemporaryDirectory() as tmp:
            library_at(base(setting) | extra, Path(tmp))
            path = Path(tmp) / "scenarios" / "kazakhstan_2022.yaml"
            command = ["transition-sim", "run", str(path), "--point", "-n", str(args.n)]
            command += ["--seed", "20220105", "-w", str(args.workers), "--json"]
            text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        record = json.loads(text)
        m = record["metrics"]
        out[name] = {
            "outcomes": {k: v["share"] for k, v in record["outcomes"].items()},
            "deaths_median": m["deaths"]["median"],
            "detained_median": m["detained"]["median"],
            "peak_protesters_median": m["peak_protesters"]["median"],
            "invitation_day_median": m.get("invitation_day", {}).get("median"),
            "invited_share": m.get("invitation_day", {}).get("n", 0) / args.n,
        }
        print(name, json.dumps(out[name]), flush=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
