"""Leave-one-out scores under the shipped posterior, change C against the control, as Markdown.

    D=experiments/diagnosis/insider; uv run python $D/loo_compare.py > $D/loo_tables.md

Reads `loo_control/loo.json` (this branch's first commit, f295b6e: the model without C) and
`loo_fixC/loo.json` (with C), each written by `transition-sim backtest scenarios/cases --loo
--posterior experiments/fit/results/library -n 10 -w 2 --out DIR`.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_SIX = ("kazakhstan_2022", "belarus_2020", "kyrgyzstan_2010", "armenia_2018",
             "uzbekistan_2016", "zimbabwe_2017")  # fmt: skip
INSIDERS = ("east_germany_1989", "guinea_2008", "sudan_1985", "mali_2020", "tunisia_1987",
            "zimbabwe_2017")  # fmt: skip


def modal(forecast: dict[str, float]) -> str:
    return max(forecast, key=forecast.get)


def row(label: str, record: dict) -> str:
    a = record["all"]["brier"]
    cases = record["cases"]
    stem = {Path(c["file"]).stem: c for c in cases}
    six = [stem[s] for s in FIRST_SIX]
    ins = [stem[s]["forecast_loo"]["insider_takeover"] for s in INSIDERS]
    others = [c["forecast_loo"]["insider_takeover"] for s, c in stem.items() if s not in INSIDERS]
    ci_u = a["loo_minus_uniform"]["ci95"]
    cells = [
        label,
        f"{a['in_sample']:.3f}",
        f"{a['loo']:.3f}",
        f"{a['loo_minus_uniform']['mean']:+.3f} [{ci_u[0]:+.3f}, {ci_u[1]:+.3f}]",
        f"{sum(modal(c['forecast_in_sample']) == c['observed'] for c in cases)} / "
        f"{sum(modal(c['forecast_loo']) == c['observed'] for c in cases)}",
        f"{sum(modal(c['forecast_loo']) == c['observed'] for c in six)}, "
        f"{sum(c['brier']['loo'] for c in six) / 6:.3f}",
        ", ".join(f"{p:.2f}" for p in ins),
        f"{sum(others) / len(others):.3f}",
        ", ".join(k.removeprefix("Case: ") for k in record["all"]["k_flagged"]) or "none",
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    control = json.loads((HERE / "loo_control" / "loo.json").read_text())
    fix = json.loads((HERE / "loo_fixC" / "loo.json").read_text())
    head = ["run", "Brier in sample", "Brier left out", "left out - uniform [95%]",
            "modal right (in / out, of 30)", "first six: right, Brier (out)",
            "P(insider) left out: EG, Guinea, Sudan, Mali, Tunisia 1987, Zimbabwe 2017",
            "mean P(insider) left out, 24 others", "Pareto k > 0.7"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    print(row("control (f295b6e)", control))
    print(row("C: the camp's man", fix))
    print("\n(uniform 0.833, base rates 0.761)\n")
    print("| case | observed | P(observed) left out | modal left out |")
    print("|---|---|---|---|")
    before = {c["case"]: c for c in control["cases"]}
    for c in fix["cases"]:
        b = before[c["case"]]
        pb, pa = b["forecast_loo"][c["observed"]], c["forecast_loo"][c["observed"]]
        if abs(pb - pa) >= 0.005 or modal(b["forecast_loo"]) != modal(c["forecast_loo"]):
            print(f"| {c['case'].removeprefix('Case: ')} | {c['observed']} | {pb:.2f} -> {pa:.2f} "
                  f"| {modal(b['forecast_loo'])} -> {modal(c['forecast_loo'])} |")  # fmt: skip


if __name__ == "__main__":
    main()
