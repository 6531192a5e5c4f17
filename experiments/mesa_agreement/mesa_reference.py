"""Our Epstein scenario against Mesa's own example: settings, metrics, and the reference data.

Mesa's example (`mesa.examples.advanced.epstein_civil_violence`) runs about 20-40 steps a second
at 40x40, too slow to run at full size in the test suite, so this script runs it once per
setting and seed and stores every step's counts in ``reference.json`` (with the
Mesa version, settings and seeds). `tests/test_mesa_agreement.py` compares our model's live runs
with that file, and re-runs a few of Mesa's steps to check the file still reproduces.

    uv run python experiments/mesa_agreement/mesa_reference.py [--settings app,large] [--jobs 2]

Implementation differences and how they are handled (docs/ODD.md §7.1):
- Mesa fills each cell with a citizen, a cop or nothing at random, so its agent counts vary by
  seed; our counts are fixed. Each of our runs takes the counts of one of Mesa's runs.
- Mesa's citizens see with `cop_vision`; in every setting here both visions are 7.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
SCENARIO = HERE.parents[1] / "scenarios" / "epstein_model1.yaml"
OUTBURST_SHARE = 0.02  # an outburst starts on a step where 2% or more are active, after fewer


@dataclass(frozen=True)
class Setting:
    side: int
    legitimacy: float
    cop_density: float
    max_jail_term: int
    steps: int
    seeds: int


SETTINGS = {
    "defaults": Setting(40, 0.8, 0.074, 1000, 300, 25),  # the example's defaults
    "app": Setting(40, 0.82, 0.04, 30, 300, 25),  # the sliders of its app
    "low_legitimacy": Setting(40, 0.7, 0.04, 30, 300, 25),  # the app's, legitimacy 0.7
    "large": Setting(60, 0.82, 0.04, 30, 200, 20),  # the app's on a 60x60 grid
}
METRICS = ("active_share", "jailed_share", "outbursts_per_100")


def metrics(active: np.ndarray, jailed: np.ndarray, citizens: int) -> dict[str, float]:
    """Mean active and jailed shares over the steps, and outbursts per 100 steps."""
    share = np.asarray(active) / citizens
    started = (share[1:] >= OUTBURST_SHARE) & (share[:-1] < OUTBURST_SHARE)
    return {
        "active_share": float(share.mean()),
        "jailed_share": float(np.mean(jailed) / citizens),
        "outbursts_per_100": 100.0 * (started.sum() + (share[0] >= OUTBURST_SHARE)) / len(share),
    }


def run_mesa(setting: Setting, seed: int, steps: int | None = None) -> dict:
    """Mesa's example with `seed`: its agent counts and each step's actives and jailed."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, Cop
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    scenario = EpsteinScenario(
        rng=seed,
        legitimacy=setting.legitimacy,
        cop_density=setting.cop_density,
        max_jail_term=setting.max_jail_term,
    )
    model = EpsteinCivilViolence(width=setting.side, height=setting.side, scenario=scenario)
    active, jailed = [], []
    for _ in range(setting.steps if steps is None else steps):
        model.step()
        active.append(int(model.ACTIVE))
        jailed.append(int(model.ARRESTED))
    return {
        "seed": seed,
        "citizens": len(model.agents_by_type[Citizen]),
        "cops": len(model.agents_by_type[Cop]),
        "active": active,
        "jailed": jailed,
    }


def run_ours(
    setting: Setting, citizens: int, cops: int, seed: int, batches: int = 0
) -> dict[str, np.ndarray]:
    """scenarios/epstein_model1.yaml at `setting`, with the given agent counts (and, to show
    that the comparison can fail, `batches` > 0 for batched activation)."""
    from transition_sim.core.model import TransitionModel
    from transition_sim.scenario.loader import load_scenario
    from transition_sim.scenario.schema import Scenario

    base = load_scenario(SCENARIO).model_dump()
    cells = setting.side**2
    base["days"] = setting.steps
    base["crowd"]["citizen_density"] = citizens / cells
    base["crowd"]["max_jail_term"] = setting.max_jail_term
    base["regions"][0]["urban_population"] = citizens
    base["factions"]["police"]["units"] = cops
    base["camps"][0]["legitimacy"] = setting.legitimacy  # the one camp holds the office
    if batches:
        base["crowd"] |= {"activation": "batches", "activation_batches": batches}
    model = TransitionModel(Scenario.model_validate(base), seed)
    model.run()
    assert len(model.crowds[0].pos) == citizens + cops and model.crowds[0].side == setting.side
    rows = np.array([stats[0] for _, stats, _, _ in model.rows])  # a day: kernel.STAT_*
    return {"active": rows[:, :3].sum(axis=1), "jailed": rows[:, 4]}


def load(name: str) -> dict:
    """The stored reference of one setting."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


def _task(args: tuple[str, int]) -> dict:
    name, seed = args
    start = time.perf_counter()
    run = run_mesa(SETTINGS[name], seed)
    print(f"{name} seed {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    return run


def main() -> None:
    import mesa

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    REFERENCE.mkdir(exist_ok=True)
    for name in args.settings.split(","):
        setting = SETTINGS[name]
        with ProcessPoolExecutor(args.jobs) as pool:
            runs = list(pool.map(_task, [(name, seed) for seed in range(setting.seeds)]))
        data = {
            "about": "Mesa's Epstein example (mesa.examples.advanced.epstein_civil_violence)"
            " run with EpsteinScenario(rng=seed, legitimacy, cop_density, max_jail_term) on a"
            " side x side grid, the other parameters at the example's defaults; per step (after"
            " each model.step()) the number of active and of arrested citizens. Written by"
            " experiments/mesa_agreement/mesa_reference.py.",
            "mesa": mesa.__version__,
            "python": platform.python_version(),
            "setting": asdict(setting),
            "runs": runs,
        }
        (REFERENCE / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
