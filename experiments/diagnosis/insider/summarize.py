"""Per-job outcome shares and coup mechanics from run.py's CSVs (markdown to stdout).

uv run python experiments/diagnosis/insider/summarize.py FILE.csv [FILE.csv ...]
    [--factions] [--out jobs.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SHORT = {"popular_transition": "pop", "insider_takeover": "ins", "power_sharing": "ps",
         "incumbent_holds": "hold", "unresolved": "unres", "rival_restoration": "rest"}  # fmt: skip


def jobs(df: pd.DataFrame) -> pd.DataFrame:
    runs = df.drop_duplicates(["job", "replication"])
    rows = []
    for job, g in runs.groupby("job", sort=False):
        n = len(g)
        shares = g.outcome.value_counts() / n
        f = df[df.job == job]
        per_run = f.groupby("replication").expected_coups.sum()
        rows.append(
            {
                "job": job,
                "n": n,
                **{v: round(float(shares.get(k, 0.0)), 3) for k, v in SHORT.items()},
                "peak_median": round(float(g.peak_share.median()), 3),
                "street_max_median": round(
                    float(f.groupby("replication").street_max.max().median()), 3
                ),
                "expected_coups": round(float(per_run.mean()), 4),
                "coups": round(float(g.coups.mean()), 3),
                "coups_won": round(float(g.coups_won.mean()), 3),
                "strikes": round(float(g.strikes.mean()), 3),
                "strikes_failed": round(float(g.strikes_failed.mean()), 3),
                "purges": round(float(g.purges.mean()), 3),
                "purges_failed": round(float(g.purges_failed.mean()), 3),
                "decisive": "; ".join(f"{k} {v}" for k, v in g.decisive.value_counts().items()),
            }
        )
    return pd.DataFrame(rows)


def factions(df: pd.DataFrame) -> pd.DataFrame:
    def mode(s: pd.Series) -> str:
        s = s.dropna()
        return str(s.mode().iat[0]) if len(s) else ""

    return (
        df.groupby(["job", "faction"], sort=False)
        .agg(
            expected_coups=("expected_coups", "mean"),
            max_p_coup=("max_p_coup", "median"),
            min_gap=("min_gap", "median"),
            street_max=("street_max", "median"),
            gap_at_street_max=("gap_at_street_max", "median"),
            side=("at_side", mode),
            obey=("at_obey", "median"),
            coup=("at_coup", "median"),
            loyal_side=("at_loyal_side", "median"),
            loyal_office=("at_loyal_office", "median"),
            odds=("at_odds", "median"),
            bandwagon=("at_bandwagon_term", "median"),
            penalty=("at_penalty_term", "median"),
            guardian=("at_guardian_term", "median"),
            office_odds=("at_office_odds", "median"),
        )
        .round(3)
        .reset_index()
    )


def markdown(t: pd.DataFrame) -> str:
    """A markdown table (no tabulate dependency)."""
    lines = ["| " + " | ".join(map(str, t.columns)) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in t.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--factions", action="store_true")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", nargs="+", help="these jobs only")
    args = ap.parse_args()
    df = pd.concat([pd.read_csv(f) for f in args.files], ignore_index=True)
    if args.only:
        df = df[df.job.isin(args.only)]
    table = factions(df) if args.factions else jobs(df)
    if args.out:
        table.to_csv(args.out, index=False)
    print(markdown(table))


if __name__ == "__main__":
    main()
