"""The case library like for like: main's agents baseline beside the crowd of blocks at point
1025, each at point values and under the priors, same cases, seeds and replications.

    uv run python experiments/session25/library/run.py SETTING MODE -n N [--priors-from FOLDER]

SETTING is `agents` (main's scenarios/kazakhstan_2022.yaml as it is) or `blocks` (its copy with
experiments/session24/deaths/point_1025_guard0.json applied, as
experiments/calibration/library_crowds.py builds it); MODE is `point` or `prior`. The library
(scenarios/cases, which extend the base scenario) is copied beside the base scenario into a
temporary folder and `transition-sim backtest` runs it there (`-w 1`, `nice -n 10`, `--json`,
each case's own seed). With `--priors-from FOLDER` (a calibration's results folder) the
registry is a copy of seeds/claims.yaml whose A-calibration priors span that folder's finalists
(the rule of experiments/calibration/finalist_priors.py, mode at the scenario's value); the
registry itself is not edited. Writes OUT (default
experiments/session25/library/SETTING_MODE_nN.json): the backtest's record plus `meta`
(command, commit, CPU seconds of the backtest process, wall seconds, the overrides, and which
A-calibration priors the base scenario's values fall inside, i.e. which of them are drawn).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
from finalist_priors import named  # noqa: E402
from library_crowds import library_at  # noqa: E402

from transition_sim.scenario.address import yaml_value  # noqa: E402

HERE = Path(__file__).resolve().parent
POINT_1025 = ROOT / "experiments" / "session24" / "deaths" / "point_1025_guard0.json"
CALIBRATION_ID = "A-calibration"


def finalist_prior_lines(folder: Path, point: dict[str, float]) -> dict[str, str]:
    """The A-calibration priors spanning `folder`'s finalists, with `point` inside the span
    (finalist_priors.prior_lines' rule, on another folder and point)."""
    finalists = pd.read_csv(folder / "finalists.csv")
    lines = {}
    for path, value in point.items():
        if path not in finalists.columns:
            continue
        low = min(float(finalists[path].min()), value)
        high = max(float(finalists[path].max()), value)
        kind = "log-uniform" if low > 0 and high / low >= 3 else "triangular"
        lines[named(path)] = f"[{kind}, {low:.4g}, {high:.4g}]"
    return lines


def registry_copy(
    folder: Path | None, point: dict[str, float], where: Path, pins: dict[str, float]
) -> Path:
    """seeds/claims.yaml with A-calibration's `priors:` block replaced by `folder`'s finalists'
    span (if given) and each prior of `pins` narrowed to its value ([uniform, v, v]: every draw
    gives v); a text edit, all else byte-identical."""
    text = (ROOT / "seeds" / "claims.yaml").read_text(encoding="utf-8")
    for path, value in pins.items():
        line = re.compile(rf"^(      {re.escape(path)}: )\[.*\]$", re.M)
        text, count = line.subn(rf"\g<1>[uniform, {value}, {value}]", text)
        assert count == 1, (path, count)
    if folder is None:
        out = where / "claims.yaml"
        out.write_text(text, encoding="utf-8")
        return out
    lines = finalist_prior_lines(folder, point)
    start = text.index(f"  - id: {CALIBRATION_ID}\n")
    block = re.compile(r"    priors:\n((?:      .*\n)+)")
    m = block.search(text, start)
    old = dict(re.findall(r"      (\S+): (\[.*\])\n", m.group(1)))
    assert set(old) == set(lines), (sorted(old), sorted(lines))
    new = "".join(f"      {path}: {lines[path]}\n" for path in old)
    text = text[: m.start(1)] + new + text[m.end(1) :]
    out = where / "claims.yaml"
    out.write_text(text, encoding="utf-8")
    return out


def drawn_calibration(base: Path, registry: Path) -> dict[str, dict]:
    """Each A-calibration prior, the base scenario's value and whether the value lies in the
    prior's range (claims.draw_priors draws only those; the others keep the scenario's value)."""
    values = yaml.safe_load(base.read_text())
    reg = yaml.safe_load(registry.read_text(encoding="utf-8"))
    entry = next(a for a in reg["assumptions"] if a.get("id") == CALIBRATION_ID)
    out = {}
    for path, (kind, low, high) in entry["priors"].items():
        value = yaml_value(values, path)
        out[path] = {"prior": [kind, low, high], "value": value, "drawn": low <= value <= high}
    return out


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("setting", choices=["agents", "blocks"])
    ap.add_argument("mode", choices=["point", "prior"])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--priors-from", type=Path, help="a calibration's results folder")
    ap.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="a diagnostic: the registry copy's prior of PATH gives VALUE in every draw",
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    pins = {p.split("=")[0]: float(p.split("=")[1]) for p in args.pin}
    overrides = json.loads(POINT_1025.read_text()) if args.setting == "blocks" else {}
    tag = f"{args.setting}_{args.mode}" + ("_finalists" if args.priors_from else "")
    tag += "".join(f"_pin_{p.split('.')[-1]}{v:g}" for p, v in pins.items())
    out = args.out or HERE / f"{tag}_n{args.n}.json"
    with tempfile.TemporaryDirectory() as tmp:
        cases = library_at(overrides, Path(tmp))
        base = Path(tmp) / "scenarios" / "kazakhstan_2022.yaml"
        registry = ROOT / "seeds" / "claims.yaml"
        if args.priors_from or pins:
            point = {k: v for k, v in overrides.items() if isinstance(v, float)}
            registry = registry_copy(args.priors_from, point, Path(tmp), pins)
        command = ["nice", "-n", "10", "transition-sim", "backtest", str(cases), "-n",
                   str(args.n), "-w", "1", "--uncertainty", args.mode, "--json"]  # fmt: skip
        if args.mode == "prior" and (args.priors_from or pins):
            command += ["--priors", str(registry)]
        if args.mode == "prior" and args.priors_from:
            # the registry's checks against the base this library extends (backtest_against.py);
            # without --priors-from the CLI checks against main's base, as for the registry
            wrapper = [sys.executable, str(HERE / "backtest_against.py"), str(base)]
            command = command[:3] + wrapper + command[4:]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.time()
        run = subprocess.run(command, capture_output=True, text=True)
        wall = time.time() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if run.returncode:
            sys.exit(f"backtest failed ({run.returncode}):\n{run.stderr[-3000:]}")
        record = json.loads(run.stdout)
        record["meta"] = {
            "setting": args.setting,
            "mode": args.mode,
            "replications_per_case": args.n,
            "commit": commit(),
            "command": " ".join(command).replace(tmp, "TMP"),
            "overrides": overrides,
            "priors_from": str(args.priors_from) if args.priors_from else None,
            "pinned_priors": pins,
            "cpu_seconds": round(
                (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
            ),
            "wall_seconds": round(wall, 1),
            "calibration_priors": drawn_calibration(base, registry),
        }
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(record, indent=1) + "\n")
    tmp_out.replace(out)
    m = record["meta"]
    print(f"{out.name}: Brier {record['brier']['model']:.3f}, hits {record['hits']},"
          f" CPU {m['cpu_seconds']} s, wall {m['wall_seconds']} s")  # fmt: skip


if __name__ == "__main__":
    main()
