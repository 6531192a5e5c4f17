"""The headline scores as one trigger constant moves: one row per value, the cases that flip.

    uv run python experiments/diagnosis/triggers/table.py CONTROL LABEL=DIR [LABEL=DIR ...] \
        [--csv FILE] [--cases-csv FILE]

CONTROL holds the whole library's `backtest.json` at the shipped point; each DIR holds
`run.py`'s `backtest.json` for a subset of the cases, and LABEL is the constant's value there.
The cases a DIR did not run are the control's (they have no shock of the kind moved). The
scores are `experiments/calibration/results/coalition/compare.py`'s: classes right of 30, mean
Brier, modal right in its first six cases, peaks in range, mean P(popular transition) over its
five ousters and five holds. Prints a Markdown table and, per value, the cases whose modal class
differs from the control's.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "experiments" / "calibration" / "results" / "coalition"))

from compare import FIRST_SIX, HOLDS, OUSTERS, popular  # noqa: E402


def by_case(folder: Path) -> dict[str, dict]:
    record = json.loads((folder / "backtest.json").read_text())
    return {c["case"].removeprefix("Case: "): c for c in record["cases"]}


def scores(cases: dict[str, dict]) -> dict[str, object]:
    peaks = [c["peak_crowd"] for c in cases.values() if c.get("peak_crowd")]
    return {
        "classes right": sum(c["hit"] for c in cases.values()),
        "mean Brier": round(sum(c["brier"] for c in cases.values()) / len(cases), 3),
        "first six right": sum(cases[n]["hit"] for n in FIRST_SIX),
        "peaks in range": sum(p["verdict"] == "in range" for p in peaks),
        "P(popular) ousters": round(sum(popular(cases[n]) for n in OUSTERS) / 5, 3),
        "P(popular) holds": round(sum(popular(cases[n]) for n in HOLDS) / 5, 3),
    }


def flip(name: str, before: dict, after: dict) -> str:
    """`Serbia 2000 PT->PS (-)`: the modal class at the shipped point and here; + now right, - now
    wrong (against the observed class)."""
    short = {"incumbent_holds": "IH", "power_sharing": "PS", "insider_takeover": "IT",
             "rival_restoration": "RR", "popular_transition": "PT", "unresolved": "UN"}  # fmt: skip
    mark = "+" if after["hit"] else "-" if before["hit"] else "0"
    return f"{name} {short[before['modal']]}->{short[after['modal']]} ({mark})"


def check_control(folder: Path, cases: dict[str, dict]) -> None:
    """The scores recomputed from the cases agree with the backtest's own totals."""
    record = json.loads((folder / "backtest.json").read_text())
    assert len(cases) == 30 and record["hits"] == sum(c["hit"] for c in cases.values())
    mean = sum(c["brier"] for c in cases.values()) / len(cases)
    assert abs(record["brier"]["model"] - mean) < 1e-12


def print_matrix(control: dict[str, dict], arms: list[str], moved: list[dict]) -> None:
    """P(popular transition) of each case that moved, by value (shipped: from CONTROL)."""
    names = sorted({m["case"] for m in moved})
    labels = [arm.partition("=")[0] for arm in arms]
    cell = {(m["case"], m["value"]): m["p_popular"] for m in moved}
    print("\n| case (observed) | " + " | ".join(labels) + " |\n|" + "---|" * (len(labels) + 1))
    for name in names:
        row = [cell.get((name, label), popular(control[name])) for label in labels]
        observed = control[name]["observed"]
        print(f"| {name} ({observed}) | " + " | ".join(f"{p:.3f}" for p in row) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("control", type=Path)
    ap.add_argument("arms", nargs="+", help="LABEL=DIR")
    ap.add_argument("--csv", type=Path, help="append the score rows here")
    ap.add_argument("--cases-csv", type=Path, help="append the moved cases here")
    ap.add_argument("--constant", default="", help="the constant's name, for the CSV rows")
    args = ap.parse_args()
    control = by_case(args.control)
    check_control(args.control, control)
    rows, moved = [], []
    for arm in args.arms:
        label, _, folder = arm.partition("=")
        run = by_case(Path(folder)) if folder else {}
        merged = control | run
        flips = [
            flip(n, control[n], c) for n, c in run.items() if c["modal"] != control[n]["modal"]
        ]
        rows.append({"constant": args.constant, "value": label} | scores(merged))
        rows[-1]["modal flips vs shipped"] = "; ".join(flips) or "none"
        for name, c in run.items():
            x = control[name]
            if c["shares"] == x["shares"] and c.get("peak_crowd") == x.get("peak_crowd"):
                continue
            peak = c["peak_crowd"]["model_median"] if c.get("peak_crowd") else ""
            moved.append(
                {"constant": args.constant, "value": label, "case": name,
                 "observed": c["observed"], "modal": c["modal"],
                 "p_observed": c["p_observed"], "p_popular": popular(c),
                 "p_power_sharing": c["shares"]["power_sharing"], "peak_median": peak}
            )  # fmt: skip
    keys = list(rows[0])
    print("| " + " | ".join(keys[1:]) + " |\n|" + "---|" * (len(keys) - 1))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys[1:]) + " |")
    print_matrix(control, args.arms, moved)
    for path, items in ((args.csv, rows), (args.cases_csv, moved)):
        if path and items:
            new = not path.exists()
            with path.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(items[0]))
                if new:
                    writer.writeheader()
                writer.writerows(items)


if __name__ == "__main__":
    main()
