"""Tables of probe.py's JSONs (no simulation): the effect of each switch on the ignited Almaty,
paired with the plain run of the same crowd, point and units factor; and the mechanism measures
at the peak of the plain runs that kept their day-by-day series.

    uv run python experiments/session24/runaway/analyze.py > experiments/session24/runaway/tables.md
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def load(name: str) -> dict | None:
    p = HERE / name
    return json.loads(p.read_text()) if p.exists() else None


def med(xs) -> str:
    return f"{np.median(xs):.3f}" if len(xs) else "-"


def effect_row(stem: str, switch: str, factor: str) -> str | None:
    base = load(f"{stem}_none_x{factor}_n40.json")
    alt = base if switch == "none" else load(f"{stem}_{switch}_x{factor}_n40.json")
    if base is None or alt is None:
        return None
    b = {r["replication"]: r for r in base["runs"]}
    ign = [r for r in alt["runs"] if r["ignited_day"] is not None]
    peaks = [r["peak_share"] for r in ign]
    diffs = [r["peak_share"] - b[r["replication"]]["peak_share"] for r in ign]
    late = sum(r["peak_day"] >= 20 for r in ign)
    repeak = sum(r["repeak_after_40"] for r in ign)
    popular = sum(r["outcome"] == "popular_transition" for r in ign)
    above = sum(r["peak_share"] > 0.25 for r in ign)
    return (
        f"| {stem} | x{factor} | {switch} | {len(ign)}/{alt['n']} | {med(peaks)} |"
        f" {max(peaks) if peaks else 0:.3f} | {above} | {med(diffs) if switch != 'none' else '-'} |"
        f" {med([r['peak_day'] for r in ign])} | {late} | {repeak} |"
        f" {med([r['jailed_at_peak'] for r in ign])} | {popular} | {alt['cpu_s']} |"
    )


MEASURES = (
    "p0_share", "p_mean", "units_per_active_seen", "actives_per_unit_seen", "arrests_per_unit",
    "t_mean", "signal", "social", "memory", "legitimacy", "potential_p0", "jailed",
)  # fmt: skip


def measures(name: str) -> list[str]:
    d = load(name)
    if d is None:
        return []
    rows = []
    ign = [r for r in d["runs"] if r.get("series")]
    for when in ("ignition", "peak"):
        vals = {m: [] for m in MEASURES}
        for r in ign:
            day = r["ignited_day"] if when == "ignition" else r["peak_day"]
            s = r["series"][day]
            for m in MEASURES:
                if m in s:
                    v = s[m]
                    if m == "actives_per_unit_seen" and name.startswith("agents"):
                        v *= 1000  # probe.py counts agents there: people_per_agent 1000
                    vals[m].append(v)
        cells = " | ".join(med(vals[m]) if vals[m] else "-" for m in MEASURES)
        rows.append(f"| {name.removesuffix('.json')} | {len(ign)} | {when} | {cells} |")
    return rows


def start_row(stem: str, variant: str, factor: str) -> str | None:
    d = load(f"start_{stem}_{variant}_x{factor}_n60.json")
    if d is None:
        return None
    runs = d["runs"]
    ign = [r for r in runs if r["almaty_peak_above_50000"]]
    peaks = [r["peak_share"] for r in ign]
    spread = [r["regions_half_percent_day4"] for r in runs]
    holds = sum(r["outcome"] == "incumbent_holds" for r in runs)
    popular = sum(r["outcome"] == "popular_transition" for r in runs)
    people = [r["peak_people"] for r in runs]
    q90 = float(np.quantile(people, 0.9))
    tail = min(max(np.log10(q90 / 50_000), np.log10(5_000 / q90), 0.0), 2.0)  # the part proposed
    return (
        f"| {stem} | x{factor} | {variant} | {len(ign)}/{len(runs)} | {np.median(people):,.0f} |"
        f" {q90:,.0f} | {tail:.2f} |"
        f" {med(peaks)} | {max(peaks) if peaks else 0:.3f} | {sum(p > 0.25 for p in peaks)} |"
        f" {sum(r['repeak_after_40'] for r in ign)} | {np.mean(spread):.2f} |"
        f" {sum(x >= 5 for x in spread)} | {holds} | {popular} | {d['cpu_s']} |"
    )


def main() -> None:
    print("## Effect of each switch on the ignited runs (switched at ignition, paired)\n")
    print(
        "| crowd@point | units | switch | ignited/runs | median peak share | max | peaks > 25% |"
        " median paired change | median peak day | peaks on day >= 20 | re-peak after 40 |"
        " median jailed at peak | popular transitions | CPU s |"
    )
    print("|" + "---|" * 14)
    switches = (
        "none", "no_contagion", "no_social", "no_memory", "no_feedback", "exact", "self_one",
        "lumpy", "no_release", "fixed_legit",
    )  # fmt: skip
    for stem in ("blocks1015", "agents1015", "blocksAgentsPoint", "agentsAgentsPoint"):
        for factor in ("1", "0.85"):
            for s in switches:
                row = effect_row(stem, s, factor)
                if row:
                    print(row)
    print("\n## The fix as a model change: from day 0 (60 runs each, same seeds)\n")
    print(
        "| crowd@point | units | variant | Almaty peak > 50,000 |"
        " median Almaty peak (people, all runs) | its 90th percentile | tail part (proposed) |"
        " median peak share (those) | max | > 25% |"
        " re-peak after 40 | mean regions >= 0.5% on day 4 | runs with >= 5 such regions |"
        " incumbent holds | popular transition | CPU s |"
    )
    print("|" + "---|" * 16)
    for stem in ("blocks1015", "agents1015", "blocksAgentsPoint", "agentsAgentsPoint"):
        for factor in ("1", "0.85"):
            for v in ("none", "cap0.02", "cap0.03", "cap0.05", "cap0.1", "exact"):
                row = start_row(stem, v, factor)
                if row:
                    print(row)
    print("\n## Mechanism measures in the plain runs (medians over ignited runs, Almaty)\n")
    print("| runs | ignited | day | " + " | ".join(MEASURES) + " |")
    print("|" + "---|" * (3 + len(MEASURES)))
    for name in (
        "blocks1015_none_x1_n40.json", "blocks1015_none_x0.85_n40.json",
        "agents1015_none_x1_n40.json", "agents1015_none_x0.85_n40.json",
        "blocksAgentsPoint_none_x1_n40_series.json", "blocksAgentsPoint_none_x0.85_n40_series.json",
        "agentsAgentsPoint_none_x1_n40_series.json", "agentsAgentsPoint_none_x0.85_n40_series.json",
    ):  # fmt: skip
        for row in measures(name):
            print(row)


if __name__ == "__main__":
    main()
