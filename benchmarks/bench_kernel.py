"""The crowd kernel inside the baseline: citizen-steps per second per core, cycles per
citizen-step against its operation count, how time per citizen-step scales with agents and
days, and the kernel against an older commit's.

    uv run python benchmarks/bench_kernel.py [-n 20] [--scales 1,2,4,8] [--days 15,30,60,120,240]
        [--against f25fbef | --old-tree DIR] [--repeats 3]
    uv run python benchmarks/bench_kernel.py --smoke

Every region's day (`kernel.crowd_day`, called region by region in place of the day's one
call of `population.population_day`) is timed while whole replications of
the agents' baseline (tests/agents_baseline.yaml) run in this process (`simulate`, one warm-up):
thread CPU time (other processes on a loaded machine count less), read inside compiled code
around the call, so that the few µs of a call from Python (unboxing 19 arguments), which the
model's one compiled call a day does not pay, are not counted (kept apart: ``call_ns``).
For each call the script also counts the day's random draws exactly (by stepping a copy of the
region's stream from its state before the call to its state after) and its moves (agents whose
cell changed); tally updates are estimated from the day's changes: each move of a tallied agent
(an active citizen, a deterring unit) costs 2 x the cells in vision, each citizen turning active
or leaving the active state 1 x.

- ``baseline``: per grid of the baseline, citizen-steps/s of kernel CPU time, and cycles per
  citizen-step at the clock /proc/cpuinfo reports.
- ``agents``: agents x1, x2, x4, x8 at fixed densities (people per agent divided by k, security
  and patron units multiplied by k): time per citizen-step of the kernel and of the whole
  replication, and their ratio to x1.
- ``days``: the same against the number of days run.
- ``against``: per grid, the kernel's citizen-steps/s of the commit ``--against`` (checked out
  in a temporary worktree with its own environment; default f25fbef, the commit before issue 15's
  kernel work) and of this tree, each measured by this script in a fresh subprocess
  (``--baseline-only``), old and new alternating ``--repeats`` times; ratios are of time per
  citizen-step, new / old, median (min-max) over the repeats. The baseline and, by default, its
  agents x8 (``--against-scales 1,8``: grids of side 59-151, n / 8 replications).

A script, not a test: results go to benchmarks/results/kernel.json, never asserted.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numba
import numpy as np
from _common import ROOT, add_common_args, commit, cpu_mhz, old_tree, table, write

from transition_sim.core import kernel, population
from transition_sim.core.population import warm_up
from transition_sim.scenario.loader import load_scenario
from transition_sim.scenario.schema import Scenario
from transition_sim.simulate import simulate

# The agents' kernel is timed on the agents' baseline: the shipped one until session 26, a test
# fixture since (the shipped baseline's crowd is blocks, which never calls this kernel).
BASELINE = ROOT / "tests" / "agents_baseline.yaml"


def agents_scenario(tree: Path) -> Path:
    """`tree`'s agents baseline: its tests/agents_baseline.yaml, or (a tree from before session
    26) its shipped scenarios/kazakhstan_2022.yaml, which was the agents' then."""
    fixture = tree / "tests" / BASELINE.name
    return fixture if fixture.exists() else tree / "scenarios" / "kazakhstan_2022.yaml"


MAX_DRAWS = 1 << 32
AGAINST = "f25fbef"  # main before issue 15's kernel work
THREAD_CPUTIME = 3  # CLOCK_THREAD_CPUTIME_ID (Linux)

try:
    _clock_gettime = ctypes.CDLL(None).clock_gettime
    _clock_gettime.argtypes = (ctypes.c_int, ctypes.c_void_p)
    _clock_gettime.restype = ctypes.c_int
except (AttributeError, OSError):  # no libc clock_gettime: timed from Python instead
    _clock_gettime = None


def _compiled_timer(day: Any) -> Any:
    """`day` (the kernel's day of one region) between two reads of the thread's CPU clock, in
    compiled code: (the day's statistics, nanoseconds)."""
    clock = _clock_gettime

    @numba.njit
    def timed(ts: np.ndarray, *a: Any) -> tuple[np.ndarray, int]:
        clock(THREAD_CPUTIME, ts.ctypes.data)
        stats = day(*a)
        clock(THREAD_CPUTIME, ts[2:].ctypes.data)
        return stats, (ts[2] - ts[0]) * 1_000_000_000 + ts[3] - ts[1]

    return timed


@numba.njit(cache=True)
def draws_between(start: np.ndarray, end: np.ndarray) -> int:
    """How many numbers the stream drew to go from state `start` to state `end`."""
    s = start.copy()
    for i in range(MAX_DRAWS):
        if s[0] == end[0] and s[1] == end[1] and s[2] == end[2] and s[3] == end[3]:
            return i
        kernel._next(s)
    return -1


class Probe:
    """Stands in for `population.population_day`: runs the day region by region with
    `kernel.crowd_day` on the same slices (the same results), timing each call; CPU time,
    citizen-steps and operation counts, by grid side."""

    def __init__(self) -> None:
        # The model's day of a region: with its vision's rows and tables kept from day to day
        # (`crowd_day_rows`) or computed in each call (`crowd_day`: older trees, --against).
        self.day = getattr(kernel, "crowd_day_rows", kernel.crowd_day)
        self.timed = _compiled_timer(self.day) if _clock_gettime is not None else None
        self.ts = np.zeros(4, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self.by_side: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def __call__(self, *a: Any) -> np.ndarray:
        if len(a) == 26:  # an older tree: no vision rows, no kept tables
            a = (*a[:4], None, None, None, None, *a[4:])
        (nbr, nbr_at, offsets, offsets_at, rows, rows_at, tables, tables_at, sides, occupant,
         cops_seen, actives_seen, cell_at, pos, agent_at, kind, hardship, risk, state, jail,
         experience, citizen_at, deters, counted, unit_at, sites, site_at, floats, ints,
         streams) = a  # fmt: skip
        out = np.empty((len(sides), kernel.N_STATS), dtype=np.int64)
        for r, side in enumerate(sides):
            k = offsets_at[r + 1] - offsets_at[r]
            c, g, u = (slice(at[r], at[r + 1]) for at in (citizen_at, cell_at, unit_at))
            out[r] = self.region(
                ()
                if rows is None
                else (
                    rows[rows_at[r] : rows_at[r + 1]],
                    tables[tables_at[r] : tables_at[r + 1]],
                ),
                nbr[nbr_at[r] : nbr_at[r + 1]].reshape(side * side, k),
                offsets[offsets_at[r] : offsets_at[r + 1]],
                occupant[g], pos[agent_at[r] : agent_at[r + 1]], kind[c], hardship[c], risk[c],
                state[c], jail[c], experience[c], deters[u], counted[u], cops_seen[g],
                actives_seen[g], sites[site_at[r] : site_at[r + 1]], int(side), floats[r], ints,
                streams[r],
            )  # fmt: skip
        return out

    def region(self, rows: tuple, *a: Any) -> np.ndarray:
        """One region's day; `a` are `kernel.crowd_day`'s arguments, `rows` its vision's rows and
        kept tables where the tree's day takes them (`kernel.crowd_day_rows`)."""
        nbr, pos, state, deters, counted, side, stream = (
            a[0],
            a[3],
            a[7],
            a[10],
            a[11],
            a[15],
            a[18],
        )
        n = a[4].shape[0]
        before_pos, before_state, before_stream = pos.copy(), state.copy(), stream.copy()
        tallied_units = counted.copy()
        start = time.thread_time_ns()
        if self.timed is not None:
            stats, cpu = self.timed(self.ts, *rows, *a)
        else:
            stats = self.day(*rows, *a)
        call = time.thread_time_ns() - start
        cpu = call if self.timed is None else cpu
        moved = pos != before_pos
        k = nbr.shape[1]
        tallied_moves = int((moved[:n] & (state == kernel.ACTIVE)).sum()) + int(
            (moved[n:] & tallied_units).sum()
        )
        flips = int(((before_state == kernel.ACTIVE) != (state == kernel.ACTIVE)).sum())
        flips += int((deters != tallied_units).sum())
        row = self.by_side[side]
        row["cpu_ns"] += cpu
        row["call_ns"] += call
        row["citizen_steps"] += n
        row["calls"] += 1
        row["moves"] += int(moved.sum())
        row["draws"] += draws_between(before_stream, stream)
        row["tally_updates"] += k * (2 * tallied_moves + flips)
        return stats

    def total(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for row in self.by_side.values():
            for key, value in row.items():
                out[key] += value
        return out


def scaled(scenario: Scenario, k: int, days: int | None = None) -> Scenario:
    """`scenario` with k times the agents at the same densities (and `days` days)."""
    data = scenario.model_dump()
    data["scale"]["people_per_agent"] /= k
    # Units given per 1,000 residents keep their density by themselves; absolute counts scale.
    for faction in data["factions"].values():
        if faction.get("units") is not None:
            faction["units"] *= k
    if data.get("patron") and data["patron"].get("units") is not None:
        data["patron"]["units"] *= k
    if days is not None:
        data["days"] = days
    return Scenario.model_validate(data)


def run(probe: Probe, scenario: Scenario, seeds: range) -> dict[str, float]:
    """Replications of `scenario`: the probe's totals, and the whole replications' CPU time."""
    probe.reset()
    cpu = time.process_time()
    for seed in seeds:
        simulate(scenario, seed)
    totals = probe.total()
    totals["whole_cpu_s"] = time.process_time() - cpu
    return totals


def per_step(t: dict[str, float]) -> tuple[float, float]:
    """Nanoseconds per citizen-step: of the kernel, and of the whole replication."""
    return t["cpu_ns"] / t["citizen_steps"], t["whole_cpu_s"] * 1e9 / t["citizen_steps"]


def baseline_table(probe: Probe, mhz: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
    rows, raw = [], {}
    sides = sorted(probe.by_side)
    for side in [*sides, None]:
        t = probe.total() if side is None else probe.by_side[side]
        steps = t["citizen_steps"]
        rate = steps / (t["cpu_ns"] / 1e9)
        cycles = mhz * 1e6 / rate if mhz else float("nan")
        raw[str(side or "all")] = dict(t)
        rows.append(
            [
                "all" if side is None else f"{side}×{side}",
                f"{steps / t['calls']:,.0f}" if side is not None else "",
                f"{rate / 1e6:.1f} M/s",
                f"{cycles:.0f}",
                f"{t['moves'] / steps:.2f}",
                f"{t['draws'] / steps:.2f}",
                f"{t['tally_updates'] / steps:.0f}",
            ]
        )
    columns = ["grid", "citizens", "kernel (per core)", "cycles / citizen-step",
               "moves / citizen-step", "random draws", "tally updates (est.)"]  # fmt: skip
    return table(columns, rows), raw


def scaling_table(label: str, results: list[tuple[str, dict[str, float]]]) -> dict[str, Any]:
    kernel0, whole0 = per_step(results[0][1])
    rows = []
    for name, t in results:
        kern, whole = per_step(t)
        rows.append(
            [
                name,
                f"{t['citizen_steps'] / t['replications']:,.0f}",
                f"{kern:.0f} ns",
                f"{kern / kernel0:.2f}",
                f"{whole:.0f} ns",
                f"{whole / whole0:.2f}",
            ]
        )
    columns = [label, "citizen-steps per replication", "kernel per citizen-step", "vs first",
               "whole replication per citizen-step", "vs first"]  # fmt: skip
    return table(columns, rows)


def baseline_in(tree: Path, n: int, smoke: bool, scale: int = 1) -> dict[str, dict[str, float]]:
    """The raw baseline totals by grid side of `tree`'s kernel (its own environment and
    baseline scenario, agents x `scale`), measured by this script in a fresh subprocess."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "kernel.json"
        subprocess.run(
            [str(tree / ".venv" / "bin" / "python"), __file__, "--baseline-only", "-n", str(n),
             "--scenario", str(agents_scenario(tree)), "--out", str(out),
             "--scale", str(scale),
             *(["--smoke"] if smoke else [])],
            check=True, capture_output=True,
        )  # fmt: skip
        runs = json.loads(out.read_text())["baseline"]
        return runs if scale == 1 else {f"{side}@{scale}": t for side, t in runs.items()}


def against_table(
    label: str, runs: dict[str, list[dict[str, dict[str, float]]]], repeats: int
) -> dict[str, Any]:
    """Per grid, each tree's median citizen-steps/s and the paired ratios of time per step."""

    def rate(t: dict[str, float]) -> float:
        return t["citizen_steps"] / t["cpu_ns"] * 1e3  # M/s

    def order(key: str) -> tuple[int, int]:  # "side" or "side@scale" (agents x scale)
        side, _, scale = key.partition("@")
        return int(scale or 1), 1 << 30 if side == "all" else int(side)

    sides = [s for s in runs["new"][0] if all(s in r for r in runs["old"])]
    rows = []
    for side in sorted(sides, key=order):
        old = [rate(r[side]) for r in runs["old"]]
        new = [rate(r[side]) for r in runs["new"]]
        ratio = sorted(o / n for o, n in zip(old, new, strict=True))  # time new / old
        rows.append(
            [
                _grid(side),
                f"{statistics.median(old):.1f} M/s",
                f"{statistics.median(new):.1f} M/s",
                f"{statistics.median(ratio):.2f} ({ratio[0]:.2f}–{ratio[-1]:.2f})",
            ]
        )
    columns = ["grid", f"kernel, {label}", "kernel, this tree", "time per citizen-step, new / old"]
    note = (
        f"Citizen-steps/s of kernel CPU time (medians), each tree's kernel in its own baseline,"
        f" measured by this script in fresh subprocesses, old and new alternating, {repeats}"
        " repeats; ratio: median (minimum–maximum) over the repeats."
    )
    return table(columns, rows, note)


def _grid(key: str) -> str:
    side, _, scale = key.partition("@")
    grid = "all" if side == "all" else f"{side}×{side}"
    return f"{grid}, agents ×{scale}" if scale else grid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20, help="replications per measurement")
    ap.add_argument("--scales", default="1,2,4,8")
    ap.add_argument("--days", default="15,30,60,120,240")
    ap.add_argument("--scenario", type=Path, default=BASELINE)
    ap.add_argument("--against", default=AGAINST, help="the older commit to compare with")
    ap.add_argument("--old-tree", type=Path, default=None, help="a checkout to use as the old")
    ap.add_argument("--repeats", type=int, default=3, help="old/new pairs for --against")
    ap.add_argument(
        "--against-scales",
        default="1,8",
        help="agents multiples of the baseline for --against (x8: grids of side 59-151)",
    )
    ap.add_argument("--scale", type=int, default=1, help="agents x SCALE (with --baseline-only)")
    ap.add_argument(
        "--baseline-only", action="store_true", help="only the baseline table (for --against)"
    )
    add_common_args(ap)
    args = ap.parse_args()
    if args.smoke:
        args.n, args.scales, args.days = 1, "1,2", "3,6"
        args.old_tree, args.repeats = ROOT, 1
    base = load_scenario(args.scenario)
    if args.scale != 1:
        base = scaled(base, args.scale)
        args.n = max(1, args.n // args.scale)
    if args.smoke:
        base = base.model_copy(update={"days": 6})
    probe = Probe()
    population.population_day = probe  # Population.step calls it through the module
    warm_up()
    simulate(base, 0)  # warm-up: imports, compiled code, caches
    mhz = cpu_mhz()

    seeds = range(1, 1 + args.n)
    totals = run(probe, base, seeds)
    baseline, baseline_raw = baseline_table(probe, mhz)
    kernel_share = totals["cpu_ns"] / 1e9 / totals["whole_cpu_s"]
    if args.baseline_only:
        write("kernel", args, {"baseline": baseline}, cpu_mhz=mhz, baseline=baseline_raw)
        return

    agents = []
    for k in (int(x) for x in args.scales.split(",")):
        t = run(probe, scaled(base, k), range(1, 1 + max(1, args.n // k)))
        t["replications"] = max(1, args.n // k)
        agents.append((f"×{k}", t))
        print(f"agents ×{k}: {per_step(t)[0]:.0f} ns kernel, {per_step(t)[1]:.0f} ns whole")
    days = []
    for d in (int(x) for x in args.days.split(",")):
        t = run(probe, scaled(base, 1, d), seeds)
        t["replications"] = args.n
        days.append((f"{d} days", t))
        print(f"{d} days: {per_step(t)[0]:.0f} ns kernel, {per_step(t)[1]:.0f} ns whole")

    note = (
        f"{args.n} replications of {args.scenario.name}; kernel time is thread CPU time, read"
        f" in compiled code around each call (the call from Python, not counted, adds"
        f" {(totals['call_ns'] - totals['cpu_ns']) / totals['calls'] / 1e3:.1f} µs a call), and"
        f" {kernel_share:.0%} of the replications' CPU time; cycles at"
        f" {mhz or float('nan'):.0f} MHz. Tally updates are estimated from the day's changes."
    )
    baseline["note"] = note
    scale_note = (
        "Time per citizen-step (CPU time), agents multiplied at fixed densities; the kernel's"
        " time and the whole replication's (construction, model day, records)."
    )
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"old": [], "new": []}
    with old_tree(args.against, args.old_tree) as old:
        for _ in range(args.repeats):
            pair: dict[str, dict[str, dict[str, float]]] = {"old": {}, "new": {}}
            for scale in (int(x) for x in args.against_scales.split(",")):
                pair["old"] |= baseline_in(old, args.n, args.smoke, scale)
                pair["new"] |= baseline_in(ROOT, args.n, args.smoke, scale)
            runs["old"].append(pair["old"])
            runs["new"].append(pair["new"])
    label = commit(args.old_tree) if args.old_tree else args.against
    tables = {
        "baseline": baseline,
        "agents": scaling_table("agents", agents) | {"note": scale_note},
        "days": scaling_table("days", days)
        | {"note": "Time per citizen-step (CPU time) by the number of days run, agents ×1."},
        "against": against_table(label, runs, args.repeats),
    }
    for t in tables.values():
        for row in t["rows"]:
            print(" | ".join(row))
    write(
        "kernel",
        args,
        tables,
        cpu_mhz=mhz,
        kernel_share=kernel_share,
        baseline=baseline_raw,
        agents={name: dict(t) for name, t in agents},
        days={name: dict(t) for name, t in days},
        against={"old": label, "runs": runs},
    )


if __name__ == "__main__":
    main()
