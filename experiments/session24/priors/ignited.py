"""Almaty's peak split by whether the run's crowd left the sourced range (above 50,000): the
share of such runs, the median peak of those runs and of the others, and each group's outcome
shares (session 24, helper P).

    uv run python experiments/session24/priors/ignited.py SCREEN.json [...] > ignited.md
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main() -> None:
    print(
        "| screen | run | n | above 50,000 | median peak, above | median peak, in or below |"
        " P(popular) above | P(popular) in or below | P(holds) above | P(holds) in or below |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        with open(path) as f:
            result = json.load(f)
        for name in ("point", "all"):
            if name not in result["runs"]:
                continue
            r = result["runs"][name]
            peaks = np.array(r["peaks"])
            out = np.array(r["outcome"])
            up = peaks > 50_000

            def share(mask: np.ndarray, outcome: str, out: np.ndarray = out) -> str:
                return f"{(out[mask] == outcome).mean():.2f}" if mask.any() else "-"

            print(
                f"| {path.split('/')[-1]} | {name} | {len(peaks)} | {up.mean():.3f} |"
                f" {np.median(peaks[up]):,.0f} | {np.median(peaks[~up]):,.0f} |"
                f" {share(up, 'popular_transition')} | {share(~up, 'popular_transition')} |"
                f" {share(up, 'incumbent_holds')} | {share(~up, 'incumbent_holds')} |"
            )


if __name__ == "__main__":
    main()
