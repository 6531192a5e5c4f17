"""What a model that cannot tell apart the cases whose crowd ignites (and those whose crowd does
not) would score if it were calibrated: each case forecast by the observed classes of the *other*
cases of its group (leave-one-out frequencies, so no case sees its own answer), Brier as the
backtest's (sum over the five classes of the squared error).

    uv run python experiments/diagnosis/inverted/bound.py

Groups from library.csv (run.py, 6 runs a case, shipped files): "crowd" if the median peak
active share is at least 0.3, else "quiet". Against session 21's 100-run point-value record.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CLASSES = ["incumbent_holds", "power_sharing", "insider_takeover", "popular_transition",
           "rival_restoration", "unresolved"]  # fmt: skip


def main() -> None:
    rec = json.loads((ROOT / "experiments/session21/backtest_shipped_n100.json").read_text())
    by_name = {c["case"]: c for c in rec["cases"]}
    lib = pd.read_csv(HERE / "library.csv").groupby("case").peak_share.median()
    rows = []
    for case, peak in lib.items():
        name = yaml.safe_load((ROOT / "scenarios/cases" / f"{case}.yaml").read_text())["name"]
        c = by_name[name]
        rows.append((name, "crowd" if peak >= 0.3 else "quiet", c["observed"], c["brier"]))
    total_model = total_pooled = 0.0
    for group in ("crowd", "quiet"):
        members = [r for r in rows if r[1] == group]
        model = pooled = 0.0
        for name, _, observed, brier in members:
            others = Counter(r[2] for r in members if r[0] != name)
            n = sum(others.values())
            p = {k: others[k] / n for k in CLASSES}
            pooled += sum((p[k] - (k == observed)) ** 2 for k in CLASSES)
            model += brier
        total_model += model
        total_pooled += pooled
        freq = dict(Counter(r[2] for r in members))
        print(f"{group}: {len(members)} cases {freq}; mean Brier model {model / len(members):.3f},"
              f" leave-one-out group frequencies {pooled / len(members):.3f}")  # fmt: skip
    n = len(rows)
    print(f"library: model {total_model / n:.3f}, leave-one-out group frequencies"
          f" {total_pooled / n:.3f} (uniform {rec['brier']['uniform']:.3f},"
          f" base rates {rec['brier']['base_rates']:.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
