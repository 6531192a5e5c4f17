"""The library before and after the blocks switch, as Markdown: the backtest's scores at point
values (`transition-sim backtest scenarios/cases -n 40 -w 2 --json`, each case's own seed) on the
baseline of agents (cb36b86) and of blocks (session 20), and, where present, the leave-one-out
records (`backtest --loo ... --json`, `loo.json`).

    B=experiments/baseline_blocks; uv run python $B/table.py > $B/tables.md

Per backtest: classes right (of 30), mean Brier (uniform guess and base rates beside), the first
six cases right and their mean Brier, the mean P(popular transition) over the observed popular
transitions and over the observed holds, Almaty's median peak crowd, and the sourced peak crowds
in range (of 8). Then every case: P(observed), modal class, P(popular) and the median peak.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("Kazakhstan 2022", "Belarus 2020", "Kyrgyzstan 2010", "Armenia 2018",
             "Uzbekistan 2016", "Zimbabwe 2017")  # fmt: skip
RUNS = {"agents (cb36b86)": "backtest_agents_40.json", "blocks (session 20)": "backtest_40.json"}
# Leave-one-out under each baseline's posterior (`backtest --loo --posterior DIR -w 2`): the agents'
# shipped fit as session 19 scored it after rule 14's audit (-n 10, every particle), the same fit
# with the blocks run's settings (-n 4 --particles 25: the add-1/2 smoothing then pulls every
# forecast further towards uniform), and the blocks fit.
LOO = {
    "agents (the shipped fit, session 19's audited files), -n 10":
        HERE.parent / "diagnosis" / "legitimacy" / "loo_audited" / "loo.json",
    "agents (the shipped fit at cb36b86), -n 4 --particles 25 as blocks":
        HERE / "loo_agents_n4" / "loo.json",
    "blocks (the session-20 fit, its prior sample), -n 4 --particles 25":
        HERE / "loo" / "loo.json",
}  # fmt: skip


def load(name: str) -> tuple[dict[str, dict], dict]:
    record = json.loads((HERE / name).read_text())
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}, record


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def pop(c: dict) -> float:
    return c["shares"]["popular_transition"]


def row(label: str, name: str) -> str:
    by, record = load(name)
    peaks = [c["peak_crowd"] for c in by.values() if c.get("peak_crowd")]
    ousters = [pop(c) for c in by.values() if c["observed"] == "popular_transition"]
    holds = [pop(c) for c in by.values() if c["observed"] == "incumbent_holds"]
    almaty = by["Kazakhstan 2022"]["peak_crowd"]["model_median"]
    brier = record["brier"]
    cells = [
        label,
        str(record["hits"]),
        f"{brier['model']:.3f} ({brier['uniform']:.3f}, {brier['base_rates']:.3f})",
        f"{sum(by[n]['hit'] for n in FIRST_SIX)} ({mean([by[n]['brier'] for n in FIRST_SIX]):.3f})",
        f"{mean(ousters):.3f} ({len(ousters)}) / {mean(holds):.3f} ({len(holds)})",
        f"{almaty:,.0f}",
        f"{sum(p['verdict'] == 'in range' for p in peaks)} of {len(peaks)}",
    ]
    return "| " + " | ".join(cells) + " |"


def peak(c: dict) -> str:
    p = c.get("peak_crowd")
    return f"{p['model_median']:,.0f} ({p['verdict']})" if p else ""


def flagged(cases: dict[str, dict]) -> str:
    names = [n for n, c in cases.items() if c["k_flag"]]
    if len(names) == len(cases):
        return f"all {len(names)} (fewer than 25 distinct particles ran)"
    return ", ".join(names) or "none"


def loo_row(label: str, path: Path) -> str:
    if not path.exists():
        return f"| {label} | not measured | | | | | | |"
    record = json.loads(path.read_text())
    cases = {c["case"].removeprefix("Case: "): c for c in record["cases"]}

    def right(c: dict, key: str) -> bool:
        forecast = c[key]
        return max(forecast, key=forecast.get) == c["observed"]

    b, w = record["all"]["brier"], record["without"]["brier"]
    ci = b["loo_minus_base_rates"]["ci95"]
    ousters = [c["forecast_loo"]["popular_transition"] for c in cases.values()
               if c["observed"] == "popular_transition"]  # fmt: skip
    holds = [c["forecast_loo"]["popular_transition"] for c in cases.values()
             if c["observed"] == "incumbent_holds"]  # fmt: skip
    six = [cases[n] for n in FIRST_SIX]
    cells = [
        label,
        f"{b['in_sample']:.3f} / {b['loo']:.3f}",
        f"{w['in_sample']:.3f} / {w['loo']:.3f}",
        f"{b['loo_minus_base_rates']['mean']:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]",
        f"{sum(right(c, 'forecast_in_sample') for c in cases.values())} / "
        f"{sum(right(c, 'forecast_loo') for c in cases.values())}",
        f"{sum(right(c, 'forecast_loo') for c in six)}, "
        f"{mean([c['brier']['loo'] for c in six]):.3f}",
        f"{mean(ousters):.3f} / {mean(holds):.3f}",
        flagged(cases),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    head = ["baseline", "classes right (of 30)", "mean Brier (uniform, base rates)",
            "first six right (Brier)", "P(popular) ousters / holds", "Almaty median peak",
            "sourced peaks in range"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, name in RUNS.items():
        print(row(label, name))
    a, _ = load(RUNS["agents (cb36b86)"])
    b, _ = load(RUNS["blocks (session 20)"])
    print()
    print_loo()
    print()
    head = ["case", "observed", "P(observed)", "modal", "P(popular)", "Brier", "median peak"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name in a:
        x, y = a[name], b[name]
        print(
            f"| {name} | {x['observed']} | {x['p_observed']:.3f} -> {y['p_observed']:.3f} "
            f"| {x['modal']} -> {y['modal']} | {pop(x):.3f} -> {pop(y):.3f} "
            f"| {x['brier']:.3f} -> {y['brier']:.3f} | {peak(x)} -> {peak(y)} |"
        )


def print_loo() -> None:
    head = ["posterior", "Brier in / out (30)", "in / out (29, no Kazakhstan)",
            "out - base rates [95%]", "modal right in / out", "first six right, Brier (out)",
            "P(popular) ousters / holds (out)", "Pareto k > 0.7"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, path in LOO.items():
        print(loo_row(label, path))


if __name__ == "__main__":
    main()
