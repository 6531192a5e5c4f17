"""Citizen-steps per second: our Epstein model against Mesa's example, in one process.

    uv run python benchmarks/bench_crowd.py [--sides 40,100,300] [--repeats 3] [--smoke]

Both models run Epstein's Model 1 at the example's defaults (legitimacy 0.8, cop density 0.074,
vision 7, max jail term 1000) on a side x side torus. Mesa's example is
`mesa.examples.advanced.epstein_civil_violence`; ours is scenarios/epstein_model1.yaml through
`TransitionModel` (the whole model: crowd kernel plus the model's day), and the crowd kernel
alone (`RegionCrowd.step`). Each repeat times both, one after the other, from the same
warm-up, so that the ratio is measured under the same load; the table gives the minimum and
median over the repeats. Times are CPU time of the process (`_clock`). A script, not a test:
numbers are written to benchmarks/results/crowd.json (see benchmarks/tables.py), never
asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _common import add_common_args, table, write

from transition_sim.core.model import TransitionModel
from transition_sim.core.population import warm_up
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "epstein_model1.yaml"
WARM_UP_STEPS = 3  # past the opening outburst, and Mesa's neighbourhood caches built
# Steps timed per side: (Mesa's, ours); enough for ours to run at least ~0.1 s.
STEPS = {40: (20, 400), 100: (5, 60), 300: (2, 8)}
SMOKE_STEPS = (2, 5)


def _clock() -> float:
    """CPU time of this process: on a machine shared with other jobs, the time each model
    actually ran (wall time counts the other jobs' turns too, differently for each side)."""
    return time.process_time()


def our_scenario(side: int, days: int = 3650) -> Scenario:
    data = load_scenario(SCENARIO).model_dump()
    data["regions"][0]["urban_population"] = round(0.7 * side * side)
    data["factions"]["police"]["units"] = round(0.074 * side * side)
    data["days"] = days
    return Scenario.model_validate(data)


def time_mesa(side: int, steps: int, seed: int) -> float:
    """Citizen-steps per second of Mesa's example."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    model = EpsteinCivilViolence(width=side, height=side, scenario=EpsteinScenario(rng=seed))
    for _ in range(WARM_UP_STEPS):
        model.step()
    start = _clock()
    for _ in range(steps):
        model.step()
    return len(model.agents_by_type[Citizen]) * steps / (_clock() - start)


def time_ours(side: int, steps: int, seed: int) -> tuple[float, float]:
    """Citizen-steps per second of our whole model (`TransitionModel.run`, the days as a
    replication runs them: its first days, the opening outburst, included), and of its crowd
    kernel alone (after the warm-up days, as Mesa's)."""
    model = TransitionModel(our_scenario(side, steps), seed)
    start = _clock()
    model.run()
    whole = model.citizens * steps / (_clock() - start)
    model = TransitionModel(our_scenario(side), seed)
    model.run_for(WARM_UP_STEPS)
    crowd, rules = model.crowds[0], _rules(model)
    start = _clock()
    for _ in range(steps):
        crowd.step(rules)
    return whole, crowd.n * steps / (_clock() - start)


def _rules(model: TransitionModel):
    from transition_sim.core.crowd import CrowdRules

    c = model.params.crowd
    return CrowdRules(
        legitimacy=model.elites.regime_legitimacy(),
        threshold=c.active_threshold,
        arrest_constant=c.arrest_constant,
        max_jail_term=c.max_jail_term,
        movement=c.movement,
        batches=0,
        social_signal=0.0,
        contagion_signal=0.0,
        memory_effect=0.0,
        memory_gain=0.0,
        memory_decay=0.0,
        crime_drive=0.0,
        arrests_per_unit=1,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sides", default="40,100,300")
    ap.add_argument("--repeats", type=int, default=3)
    add_common_args(ap)
    args = ap.parse_args()
    if args.smoke:
        args.sides, args.repeats = "12", 1
    warm_up()
    rows, raw = [], {}
    for side in (int(s) for s in args.sides.split(",")):
        mesa_steps, our_steps = SMOKE_STEPS if args.smoke else STEPS.get(side, (5, 60))
        mesa, whole, kernel = [], [], []
        for seed in range(args.repeats):
            mesa.append(time_mesa(side, mesa_steps, seed))
            w, k = time_ours(side, our_steps, seed)
            whole.append(w)
            kernel.append(k)
        model_ratio = [w / m for w, m in zip(whole, mesa, strict=True)]
        kernel_ratio = [k / m for k, m in zip(kernel, mesa, strict=True)]
        raw[str(side)] = {"mesa": mesa, "model": whole, "kernel": kernel}
        rows.append(
            [
                f"{side}×{side}",
                f"{statistics.median(mesa) / 1e3:.1f} k/s",
                f"{statistics.median(whole) / 1e6:.2f} M/s",
                f"{statistics.median(kernel) / 1e6:.2f} M/s",
                _spread(model_ratio),
                _spread(kernel_ratio),
            ]
        )
        print(rows[-1], flush=True)
    columns = ["grid", "Mesa", "ours, whole model", "ours, kernel", "model / Mesa",
               "kernel / Mesa"]  # fmt: skip
    note = (
        f"Citizen-steps per second of CPU time (medians); ratios: median (minimum–maximum) over"
        f" {args.repeats} repeats, Mesa and ours one after the other in each repeat."
    )
    write("crowd", args, {"mesa": table(columns, rows, note)}, citizen_steps_per_second=raw)


def _spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.0f}× ({min(ratios):.0f}–{max(ratios):.0f})"


if __name__ == "__main__":
    main()
