"""The case library under the blocks' registry (claims_blocks.yaml, written by registry.py and
committed before this ran), at point 1025 with guard 0, like session 25's library runs:

    uv run python experiments/session26/prior/run_library.py -n 100 [--set PATH=V ...] [--out F]

The library (scenarios/cases, extending scenarios/kazakhstan_2022.yaml) is copied with
experiments/session24/deaths/point_1025_guard0.json (and every `--set`, e.g.
scale.people_per_agent=2000) applied to the base scenario, by
experiments/calibration/library_crowds.py's `library_at`, and
`transition-sim backtest CASES -n N -w 1 --uncertainty prior --priors REGISTRY --json` runs it
under `nice -n 5`, through experiments/session25/library/backtest_against.py so that the
registry's check (the base's values inside their priors) is made against the blocks base the
copy extends. Each case's own seed, as in session 25. Writes OUT (default
experiments/session26/prior/blocks_prior_g26[_SETS]_nN.json): the backtest's record plus `meta`
(as session 25's run.py writes it, with `calibration_priors` holding every prior of the three
blocks entries and whether the base's value lies inside it, i.e. is drawn).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration"))
sys.path.insert(0, str(ROOT / "experiments" / "session25" / "library"))
from library_crowds import library_at  # noqa: E402
from run import POINT_1025, commit  # noqa: E402

from transition_sim.scenario.address import yaml_value  # noqa: E402

HERE = Path(__file__).resolve().parent
REGISTRY = HERE / "claims_blocks.yaml"
AGAINST = ROOT / "experiments" / "session25" / "library" / "backtest_against.py"
ENTRIES = ("A-calibration", "A-guarding", "A-site-guard")


def drawn(base: Path, registry: Path) -> dict[str, dict]:
    """Each prior of ENTRIES, the base's value and whether it lies in the prior's range."""
    values = yaml.safe_load(base.read_text())
    reg = yaml.safe_load(registry.read_text(encoding="utf-8"))
    out = {}
    for entry in (a for a in reg["assumptions"] if a.get("id") in ENTRIES):
        for path, (kind, low, high) in entry["priors"].items():
            try:
                value = yaml_value(values, path)
            except KeyError:
                value = None  # not in the base file: the scenario's default (0 for these)
            inside = value is None or low <= value <= high
            out[path] = {"prior": [kind, low, high], "value": value, "drawn": inside}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--registry", type=Path, default=REGISTRY)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                    help="an override of the base scenario beside point 1025's")  # fmt: skip
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    sets = {s.split("=")[0]: yaml.safe_load(s.split("=", 1)[1]) for s in args.set}
    overrides = json.loads(POINT_1025.read_text()) | sets
    tag = "".join(f"_{p.split('.')[-1]}{v}" for p, v in sets.items())
    out = args.out or HERE / f"blocks_prior_g26{tag}_n{args.n}.json"
    registry = args.registry.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        cases = library_at(overrides, Path(tmp))
        base = Path(tmp) / "scenarios" / "kazakhstan_2022.yaml"
        command = ["nice", "-n", "5", sys.executable, str(AGAINST), str(base), "backtest",
                   str(cases), "-n", str(args.n), "-w", "1", "--uncertainty", "prior",
                   "--priors", str(registry), "--json"]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.time()
        run = subprocess.run(command, capture_output=True, text=True)
        wall = time.time() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if run.returncode:
            sys.exit(f"backtest failed ({run.returncode}):\n{run.stderr[-3000:]}")
        record = json.loads(run.stdout)
        record["meta"] = {
            "setting": "blocks",
            "mode": "prior",
            "replications_per_case": args.n,
            "commit": commit(),
            "command": " ".join(command).replace(tmp, "TMP").replace(str(ROOT) + "/", ""),
            "overrides": overrides,
            "registry": str(registry.relative_to(ROOT)),
            "cpu_seconds": round(
                (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1
            ),
            "wall_seconds": round(wall, 1),
            "calibration_priors": drawn(base, registry),
        }
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(record, indent=1) + "\n")
    tmp_out.replace(out)
    m = record["meta"]
    print(f"{out.name}: Brier {record['brier']['model']:.3f}, hits {record['hits']},"
          f" CPU {m['cpu_seconds']} s, wall {m['wall_seconds']} s")  # fmt: skip


if __name__ == "__main__":
    main()
