"""The encoded inputs that bear on coups, per case (resolved with `extends:`), as shipped.

uv run python experiments/diagnosis/insider/inputs.py [CASE ...] > inputs.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from transition_sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
INSIDERS = ["east_germany_1989", "guinea_2008", "sudan_1985", "mali_2020", "tunisia_1987",
            "zimbabwe_2017"]  # fmt: skip


def main() -> None:
    cases = sys.argv[1:] or INSIDERS
    print("| case | shocks | violent share | camps (power; ally_of; legitimacy) | security's posts "
          "| factions: units (share) kind cw g loyalty |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for case in cases:
        s = load_scenario(ROOT / "scenarios" / "cases" / f"{case}.yaml")
        total = sum(f.units for f in s.factions.values() if f is not None)
        shocks = "; ".join(
            f"d{k.day} {k.event or k.kind or ''}"
            + (f" x{k.magnitude:g}" if getattr(k, "magnitude", None) not in (None, 1.0) else "")
            + (f" {k.camp}" if getattr(k, "camp", None) else "")
            for k in s.shocks
        )
        camps = "; ".join(
            f"{c.name} {c.power:g}{' ally ' + c.ally_of if c.ally_of else ''} {c.legitimacy:g}"
            + (" (incumbent)" if c.incumbent else "")
            for c in s.camps
        )
        facs = "; ".join(
            f"{n} {f.units} ({f.units / total:.2f}) {f.kind[:4]}"
            + (" cw" if f.counterweight else "")
            + (f" g{f.guardian:g}" if f.guardian else "")
            + " {"
            + ", ".join(f"{k}: {v:g}" for k, v in f.loyalty.items())
            + "}"
            for n, f in s.factions.items()
            if f is not None
        )
        print(f"| {s.name.removeprefix('Case: ')} | {shocks} | {s.protesters.violent_share:g} | "
              f"{camps} | {s.power.security:g} | {facs} |")  # fmt: skip
    e = s.expectations
    print(f"\nExpectations (the baseline's, every case): contest exponent {e.contest_exponent}, "
          f"bandwagon {e.bandwagon}, protest weight {e.protest_weight}, stance temperature "
          f"{e.stance_temperature}, inertia {e.inertia}, power weight {e.power_weight}, coup "
          f"penalty {e.coup_penalty}.")  # fmt: skip


if __name__ == "__main__":
    main()
