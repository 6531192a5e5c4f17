"""The README's tables from analysis.json (printed as markdown); R's resolution/report.py with a
table of every outcome's share difference per pair.

uv run python experiments/session24/deaths/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTCOMES = ["incumbent_holds", "rival_restoration", "unresolved", "popular_transition",
            "power_sharing", "insider_takeover"]  # fmt: skip


def f(x: float, d: int = 3) -> str:
    return f"{x:.{d}f}"


def ci(v: list[float], d: int = 2) -> str:
    return f"[{v[0]:.{d}f}, {v[1]:.{d}f}]"


def per_resolution(name: str) -> None:
    data = json.loads((HERE / f"{name}.json").read_text())
    for s in data["sets"]:
        one_set(name, s)
        pair_shares(s)


def one_set(name: str, s: dict) -> None:
    print(f"\n`{name}.json`, {s['resolutions']}:\n")
    kinds = [k for k in OUTCOMES if k in next(iter(s["per_resolution"].values()))["outcomes"]]
    print(
        "| people per agent | runs | " + " | ".join(kinds) + " | deaths/M mean | median | p90 |"
        " p99 | top 1% of runs' share | runs > 1,000/M | median peak share | CPU ms median |"
    )
    print("|" + "---|" * (len(kinds) + 10))
    for p, r in s["per_resolution"].items():
        casc = s["cascade_share_deaths_over_1000_per_million"][p]
        print(
            f"| {p} | {r['replications']} | "
            + " | ".join(f(r["outcomes"][k]) for k in kinds)
            + f" | {r['deaths_per_million_mean']:.0f} | {r['deaths_per_million_median']:.1f}"
            f" | {r['deaths_per_million_p90']:.0f} | {r['deaths_per_million_p99']:.0f}"
            f" | {f(r['deaths_share_of_top_1pct_runs'], 2)} | {f(casc)}"
            f" | {f(r['peak_active_share_median'], 4)} | {1e3 * r['cpu_s_median']:.0f} |"
        )
    print(
        "\n| pair | mean deaths ratio [95%] | verdict | median ratio [95%] | shares verdict |"
        " largest share difference interval |"
    )
    print("|---|---|---|---|---|---|")
    for k, v in s["pairwise"].items():
        widest = max(v["share_difference_ci95"].values(), key=lambda c: max(abs(c[0]), abs(c[1])))
        print(
            f"| {k} | {f(v['deaths_mean_ratio'], 2)} {ci(v['deaths_mean_ratio_ci95'])}"
            f" | {v['deaths_verdict']} | {f(v['deaths_median_ratio'], 2)}"
            f" {ci(v['deaths_median_ratio_ci95'])} | {v['shares_verdict']} | {ci(widest, 3)} |"
        )
    for t in [s]:
        o = t["observed"]
        print(
            f"\nSet {t['resolutions']}: largest outcome gap {f(o['share_gap'])} (null 50/95%:"
            f" {ci(t['null_50_95']['share_gap'], 3)}, p {f(t['null_p_value']['share_gap'], 2)});"
            f" mean deaths max/min {f(o['deaths_mean_ratio'], 2)} (null"
            f" {ci(t['null_50_95']['deaths_mean_ratio'])}, p"
            f" {f(t['null_p_value']['deaths_mean_ratio'], 2)}, a resolution-free model meets 1.15"
            f" {t['null_share_meeting']['deaths_mean_ratio']:.0%} of the time); median deaths"
            f" max/min {f(o['deaths_median_ratio'], 2)} (null"
            f" {ci(t['null_50_95']['deaths_median_ratio'])}, p"
            f" {f(t['null_p_value']['deaths_median_ratio'], 2)}); deaths' CV"
            f" {f(t['deaths_cv'], 1)}: {t['replications_needed_for_deaths_ci_within_15pct']:,}"
            " replications per resolution for a ratio's 95% interval of +-15%."
        )


def pair_shares(s: dict) -> None:
    """Per pair, every outcome's share difference (first minus second) with its 95% interval."""
    kinds = [k for k in OUTCOMES if k in next(iter(s["per_resolution"].values()))["outcomes"]]
    print(f"\nOutcome-share differences, {s['resolutions']} (first minus second, [95%]):\n")
    print("| pair | " + " | ".join(kinds) + " | verdict | runs > 1,000/M difference |")
    print("|" + "---|" * (len(kinds) + 3))
    for k, v in s["pairwise"].items():
        cells = [
            f"{v['share_difference'][o]:+.3f} {ci(v['share_difference_ci95'][o], 3)}" for o in kinds
        ]
        casc = f"{v['cascade_share_difference']:+.4f} {ci(v['cascade_share_difference_ci95'], 4)}"
        print(f"| {k} | " + " | ".join(cells) + f" | {v['shares_verdict']} | {casc} |")


if __name__ == "__main__":
    per_resolution("analysis")
