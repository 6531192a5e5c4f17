"""Temporary copies of the whole case library with one setting changed on every case (a
diagnostic of a generic change, never a proposal to edit a case), for `transition-sim backtest`:

    uv run python experiments/diagnosis/inverted/variant.py OUTDIR KEY=VALUE [KEY=VALUE ...]
    nice -n 10 uv run transition-sim backtest OUTDIR -n 20 -w 1 --uncertainty point --json > F.json

Each copy is the shipped case file with `extends` made absolute and each dotted KEY set to VALUE
(YAML-parsed), e.g. `triggers.disputed_election.legitimacy=-0.3`. The cases' own seeds are kept,
so the runs are the backtest's replications of the shipped cases but for the setting.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "insider"))
import run as insider  # noqa: E402  (../insider/run.py: CASES, _set)


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    sets = [a.split("=", 1) for a in sys.argv[2:]]
    for path in sorted(insider.CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if "extends" in data:
            data["extends"] = str((path.parent / data["extends"]).resolve())
        for key, value in sets:
            insider._set(key, yaml.safe_load(value))(data)
        (out / path.name).write_text(yaml.safe_dump(data, sort_keys=False))
    print(f"{len(list(out.glob('*.yaml')))} cases in {out}")


if __name__ == "__main__":
    main()
