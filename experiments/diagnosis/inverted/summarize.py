"""Tables of experiments/diagnosis/inverted/README.md from run.py's CSVs:

    cd experiments/diagnosis/inverted && uv run python summarize.py > tables.md

Per job (medians over the runs): outcome shares, the crowd's peak active share, the office
holder's legitimacy recorded on day 1 (after day 0's shocks) and its minimum, the share of runs
in which a security faction ever stopped obeying and the median first day, the share of runs in
which the crowd held the seat (`occupy_seat`) or the ruler left, median deaths, the first
decisive events. And the library table: each case's trigger kinds, legitimacy on day 1, peak
share, against the observed class and the modal class of session 21's 100-run backtest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "insider"))
from summarize import markdown  # noqa: E402  (../insider/summarize.py)

SHORT = {"popular_transition": "pop", "incumbent_holds": "holds", "power_sharing": "ps",
         "insider_takeover": "ins", "unresolved": "unres", "rival_restoration": "rest"}  # fmt: skip


def per_job(path: Path) -> str:
    df = pd.read_csv(path)
    g = df.groupby("job", sort=False)
    out = pd.DataFrame({"n": g.size()})
    for cls, short in SHORT.items():
        share = g.outcome.apply(lambda s, c=cls: (s == c).mean())
        if share.any():
            out[short] = share
    out["peak share"] = g.peak_share.median()
    out["legit d1"] = g.legit_day1.median()
    out["legit min"] = g.legit_min.median()
    out["turned runs"] = g.days_not_obeying.apply(lambda s: (s > 0).mean())
    out["first turned"] = g.first_not_obeying.median()
    out["seat runs"] = g.seat_day.apply(lambda s: s.notna().mean())
    out["leave runs"] = g.leave_day.apply(lambda s: s.notna().mean())
    out["deaths"] = g.deaths.median()
    out["decisive"] = g.decisive.agg(
        lambda s: ", ".join(f"{k} {v}" for k, v in s.value_counts().items())
    )
    return markdown(out.round(3).reset_index())


def library(path: Path, record: Path) -> str:
    df = pd.read_csv(path)
    rec = json.loads(record.read_text())
    obs = {c["case"].removeprefix("Case: "): c for c in rec["cases"]}
    rows = []
    for case, g in df.groupby("case"):
        d = yaml.safe_load((ROOT / "scenarios" / "cases" / f"{case}.yaml").read_text())
        kinds = sorted({f"{s['kind']}@d{s['day']}" if "kind" in s else f"event:{s['event']}"
                        for s in d.get("shocks") or []})  # fmt: skip
        c = obs[d["name"].removeprefix("Case: ")]
        rows.append({"case": d["name"].removeprefix("Case: "), "observed": SHORT[c["observed"]],
                     "modal (n100)": SHORT[c["modal"]], "P(obs)": c["p_observed"],
                     "triggers": ", ".join(kinds), "legit d1": g.legit_day1.median(),
                     "peak share": g.peak_share.median(),
                     "turned runs": (g.days_not_obeying > 0).mean()})  # fmt: skip
    t = pd.DataFrame(rows).sort_values(["legit d1", "peak share"])
    return markdown(t.round(3))


def main() -> None:
    for name in ("cases", "swaps", "swaps2", "swaps3", "swaps4", "sweep"):
        path = HERE / f"{name}.csv"
        if path.exists():
            print(f"## {name}.csv\n\n{per_job(path)}\n")
    record = ROOT / "experiments" / "session21" / "backtest_shipped_n100.json"
    table = library(HERE / "library.csv", record)
    print(f"## library.csv (with {record.relative_to(ROOT)})\n\n{table}")


if __name__ == "__main__":
    main()
