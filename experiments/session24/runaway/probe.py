"""Why an ignited Almaty keeps growing with the crowd of blocks (session 24, helper G).

Runs replications of a scenario (units optionally scaled, as helper P's runaway.py scales them),
records Almaty's state after every day (read from the crowd's own arrays, nothing in
transition_sim/ edited), and optionally switches one mechanism off from the day after Almaty's
crowd first exceeds 50,000 people (the ignition): the run is identical to the plain one until
then (same seed), so each counterfactual is paired with the plain run.

    uv run python experiments/session24/runaway/probe.py SCENARIO OUT.json --factor 0.85 \
        -n 40 [--switch NAME] [--crowd agents] [--at start]

Switches (applied to every region unless said):
  none          the model as it is
  exact         P from units/actives unrounded (crowd.arrest_ratio: exact): no P = 0 cliff
  self_one      blocks: the deciding person counts as a block's worth of actives, as an agent
                counts as one agent (P reads C / (A + 1 agent)); agents: unchanged
  no_social     the social signal (seen / k) off
  no_contagion  the contagion between regions off (network weights 0)
  no_memory     the memory effect off
  no_release    nobody leaves jail after the switch
  fixed_legit   the legitimacy the crowd reads frozen at its ignition-day value
  no_feedback   no_contagion, no_social and no_memory together: the threshold stays Epstein's
  cap           the fix tested: each region's contagion signal (the threshold shift from the
                neighbours' active shares) capped at --cap (with --at start: from day 0)
  lumpy         blocks: a unit detains whole blocks' active people in a random order of the
                blocks in its sight (as an agents unit takes whole agents) instead of a share of
                every block in sight (kernel copy in lumpy.py)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import yaml

from transition_sim.core import blocks as B
from transition_sim.core import kernel as K
from transition_sim.core.model import TransitionModel
from transition_sim.ensemble.seeds import replication_seed
from transition_sim.scenario import load_scenario
from transition_sim.scenario.address import apply_values, scenario_values, yaml_value
from transition_sim.scenario.schema import Scenario

UNITS = [f"factions.{f}.units_per_1000" for f in ("police", "KNB", "army", "guard")]
CITY = "Almaty"
IGNITION = 50_000  # people active in Almaty (helper P's "above 50,000")
SWITCHES = (
    "none", "exact", "self_one", "no_social", "no_contagion", "no_memory", "no_release",
    "fixed_legit", "lumpy", "no_feedback", "cap",
)  # fmt: skip


def scaled_scenario(
    path: Path, factor: float, crowd: str | None, sets: list[str] | None = None
) -> Scenario:
    scenario = load_scenario(path)
    data = scenario_values(scenario)
    values = {p: yaml_value(data, p) * factor for p in UNITS}
    data, _ = apply_values(data, values, [])
    for item in sets or []:  # --set crowd.name=value (a YAML scalar; crowd fields only)
        path_, _, text = item.partition("=")
        section, field = path_.split(".")
        data[section][field] = yaml.safe_load(text)
    if crowd == "agents":  # the same point, the agents crowd (vision 7 cells, Epstein's)
        data["crowd"]["representation"] = "agents"
        data["crowd"]["vision"] = 7
        data["crowd"]["vision_people"] = None
    elif crowd == "blocks":  # the same point, blocks (7 von Neumann cells = 112 x 700 residents)
        data["crowd"]["representation"] = "blocks"
        data["crowd"]["vision"] = None
        data["crowd"]["vision_people"] = 78400
        data["from_posterior"] = None
    data.pop("from_posterior", None) if data.get("from_posterior") is None else None
    return Scenario.model_validate(data)


def block_measures(c: B.BlockCrowd, rules, signal: float) -> dict:
    n = c.n
    cells = c.pos[:n]
    own = c.active.sum(axis=1)
    seen = c.actives_seen[cells]
    cops = c.cops_seen[cells]
    per, me = c.people_per_agent / c.unit_people, 1.0 / c.unit_people
    ratio = cops / ((seen + own) * per + me)
    r = ratio if rules.exact_ratio else np.rint(ratio)
    p = 1.0 - np.exp(-rules.arrest_constant * r)
    w = own / max(own.sum(), 1e-12)
    k = c.vision_weights.sum()
    social = rules.social_signal * seen / k
    memory = rules.memory_effect * c.experience
    t = rules.threshold - signal - social - memory
    deters = int(c.unit_deters.sum())
    # the actives a deterring unit has in sight, in people (sum over blocks of its actives times
    # the units that see it = sum over units of the actives they see)
    pairs = float((own * cops).sum()) * c.people_per_agent
    lo, hi = c.traits[0, 0], c.traits[0, 1]
    rlo, rhi = c.traits[0, 2], c.traits[0, 3]
    nl = 1.0 - rules.legitimacy
    tm = float(t.mean())
    extra = c.hardship_extra
    potential0 = B.rule_share(lo, hi, rlo, rhi, 0.0, 0.0, 0.0, tm, nl, extra)
    pmean = float(p.mean())
    potential = B.rule_share(lo, hi, rlo, rhi, 0.0, 0.0, pmean, tm, nl, extra)
    return {
        "active": float(own.sum() / n),
        "jailed": float(c.jailed.sum() / n),
        "p_mean": pmean,
        "p_active": float((p * w).sum()),
        "p0_share": float((r == 0).mean()),  # residents whose P is exactly 0
        "units": deters,
        "actives_per_unit_seen": pairs / deters if deters else 0.0,
        "units_per_active_seen": float((w * cops / np.maximum((seen + own) * per, 1e-12)).sum()),
        "t_mean": tm,
        "social": float(social.mean()),
        "memory": float(memory.mean()),
        "signal": float(signal),
        "legitimacy": float(rules.legitimacy),
        "potential_p0": float(potential0),
        "potential": float(potential),
    }


def agent_measures(c, rules, signal: float) -> dict:
    n = c.n
    st = c.state
    act = st == K.ACTIVE
    free = st != K.JAILED
    cells = c.pos[:n]
    seen = c.actives_seen[cells]
    cops = c.cops_seen[cells]
    ratio = cops / (seen + 1.0)
    r = ratio if rules.exact_ratio else np.rint(ratio)
    p = 1.0 - np.exp(-rules.arrest_constant * r)
    deters = int(c.unit_deters.sum())
    k = c.neighbors.shape[1]
    social = rules.social_signal * seen / k
    memory = rules.memory_effect * c.experience
    t = rules.threshold - signal - social - memory
    return {
        "active": float(act.mean()),
        "jailed": float((st == K.JAILED).mean()),
        "p_mean": float(p[free].mean()) if free.any() else 0.0,
        "p_active": float(p[act].mean()) if act.any() else 0.0,
        "p0_share": float((r[free] == 0).mean()) if free.any() else 0.0,
        "units": deters,
        # in agents (people_per_agent people each): analyze.py converts to people
        "actives_per_unit_seen": float((act * cops).sum()) / deters if deters else 0.0,
        "units_per_active_seen": (
            float((cops[act] / (seen[act] + 1.0)).mean()) if act.any() else 0.0
        ),
        "t_mean": float(t[free].mean()) if free.any() else 0.0,
        "social": float(social[free].mean()) if free.any() else 0.0,
        "memory": float(memory.mean()),
        "signal": float(signal),
        "legitimacy": float(rules.legitimacy),
    }


def apply_switch(model: TransitionModel, name: str, day: int) -> None:
    rules = model._rules
    if name == "exact":
        rules.exact_ratio = True
    elif name == "no_social":
        rules.social_signal = 0.0
    elif name == "no_memory":
        rules.memory_effect = 0.0
    elif name == "no_contagion":
        model.network = np.zeros_like(model.network)
    elif name == "fixed_legit":
        value = model.elites.regime_legitimacy()
        model.elites.regime_legitimacy = lambda: value  # what the crowd reads (`_day`)
    elif name == "self_one":
        for c in model.crowds:
            if isinstance(c, B.BlockCrowd):
                plain = c.floats

                def floats(r, x, plain=plain):
                    f = plain(r, x)
                    f[B.SELF] = f[B.PER_BLOCK]
                    return f

                c.floats = floats
    elif name == "no_release":
        model._no_release = True
    elif name == "no_feedback":
        for part in ("no_contagion", "no_social", "no_memory"):
            apply_switch(model, part, day)
    elif name == "lumpy":
        model._lumpy = True
    elif name == "cap":
        model._cap = CAP[0]
    elif name != "none":
        raise SystemExit(f"unknown switch {name}")


def hold_jail(model: TransitionModel) -> None:
    """Before a day: nobody jailed is released today (the switch `no_release`)."""
    for c in model.crowds:
        if isinstance(c, B.BlockCrowd):
            c.ring[:] = 0.0  # release days: none (jailed stays; today's arrests add to it)
        else:
            jailed = c.state == K.JAILED
            c.jail[jailed] = np.maximum(c.jail[jailed], 2)


def run_one(scenario: Scenario, rep: int, switch: str, at: str) -> dict:
    seed = replication_seed(scenario.seed, rep)
    model = TransitionModel(scenario, seed=seed)
    names = [r.name for r in scenario.regions]
    city = names.index(CITY)
    crowd = model.crowds[city]
    blocks = isinstance(crowd, B.BlockCrowd)
    ppa = scenario.scale.people_per_agent
    citizens = crowd.citizens if blocks else crowd.n  # agents' worth
    series: list[dict] = []
    state = {"ignited": None, "switched": False}
    if at == "start":
        apply_switch(model, switch, 0)
        state["switched"] = True
    pop = model.population
    plain_step = pop.step
    captured = {}

    def step(rules, contagion):
        if getattr(model, "_no_release", False):
            hold_jail(model)
        if getattr(model, "_lumpy", False):
            from lumpy import lumpy_day  # compiled only when used

            B.block_day = lumpy_day
        cap = getattr(model, "_cap", None)
        if cap is not None:
            contagion = np.minimum(contagion, cap)
        captured["signal"] = float(contagion[city])
        stats = plain_step(rules, contagion)
        captured["stats"] = stats[city].copy()
        return stats

    pop.step = step
    plain_day = model._day

    def day(d):
        plain_day(d)
        st = captured["stats"]
        m = (block_measures if blocks else agent_measures)(crowd, model._rules, captured["signal"])
        arrests = float(st[K.STAT_ARRESTS : K.STAT_ARRESTS + 3].sum()) * ppa
        m["arrests"] = arrests
        m["arrests_per_unit"] = arrests / m["units"] if m["units"] else 0.0
        m["active_people"] = float(st[K.STAT_ACTIVE : K.STAT_ACTIVE + 3].sum()) * ppa
        m["day"] = d
        if d == 4:  # regions at 0.5% active or more on day 4 (the record's spread, roughly)
            state["spread4"] = int((np.asarray(model.region_share) >= 0.005).sum())
        series.append({k: (round(v, 5) if isinstance(v, float) else v) for k, v in m.items()})
        if state["ignited"] is None and m["active_people"] > IGNITION:
            state["ignited"] = d
            if not state["switched"]:
                apply_switch(model, switch, d)
                state["switched"] = True

    model._day = day
    model.run()
    B.block_day = PLAIN_DAY
    res = model.result()
    act = np.array([s["active"] for s in series])
    peak_day = int(act.argmax())
    late = act[40:].max() if len(act) > 40 else 0.0
    return {
        "replication": rep,
        "seed": seed,
        "citizens_agents": float(citizens),
        "ignited_day": state["ignited"],
        "regions_half_percent_day4": state.get("spread4"),
        "almaty_peak_above_50000": bool(max(s["active_people"] for s in series) > IGNITION),
        "peak_share": float(act.max()),
        "peak_people": float(series[peak_day]["active_people"]),
        "peak_day": peak_day,
        "jailed_at_peak": float(series[peak_day]["jailed"]),
        "late_peak_share": float(late),
        "repeak_after_40": bool(late >= 0.5 * act.max() and late > 0.05),
        "outcome": str(res.outcome.label) if hasattr(res.outcome, "label") else str(res.outcome),
        "series": series,
    }


PLAIN_DAY = B.block_day
CAP = [0.05]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--factor", type=float, default=1.0)
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--switch", default="none", choices=SWITCHES)
    ap.add_argument("--crowd", default=None, choices=("agents", "blocks"))
    ap.add_argument("--at", default="ignition", choices=("ignition", "start"))
    ap.add_argument("--cap", type=float, default=0.05)
    ap.add_argument("--set", action="append", default=[], help="path=value, before scaling")
    ap.add_argument("--series", default="ignited", choices=("ignited", "all", "none"))
    args = ap.parse_args()
    scenario = scaled_scenario(args.scenario, args.factor, args.crowd, args.set)
    CAP[0] = args.cap
    t0 = time.process_time()
    runs = []
    for rep in range(args.first, args.first + args.n):
        r = run_one(scenario, rep, args.switch, args.at)
        if args.series == "none" or (args.series == "ignited" and r["ignited_day"] is None):
            r.pop("series")
        runs.append(r)
        print(
            f"rep {rep:>3} ign {r['ignited_day']} peak {r['peak_share']:.3f} day {r['peak_day']:>2}"
            f" jailed {r['jailed_at_peak']:.3f} late {r['late_peak_share']:.3f} {r['outcome']}",
            flush=True,
        )
    ign = [r for r in runs if r["ignited_day"] is not None]
    summary = {
        "scenario": str(args.scenario),
        "crowd": args.crowd or scenario.crowd.representation,
        "factor": args.factor,
        "switch": args.switch,
        "cap": args.cap if args.switch == "cap" else None,
        "at": args.at,
        "n": args.n,
        "first": args.first,
        "seed": scenario.seed,
        "set": args.set,
        "cpu_s": round(time.process_time() - t0, 1),
        "ignited": len(ign),
        "median_peak_share_ignited": (
            float(np.median([r["peak_share"] for r in ign])) if ign else None
        ),
        "runs": runs,
    }
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary))
    os.replace(tmp, args.out)
    print({k: v for k, v in summary.items() if k != "runs"})


if __name__ == "__main__":
    main()
    _ = math
