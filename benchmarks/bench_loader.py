"""Time `load_scenario` on large generated scenario files: seconds and peak memory per shape.

    uv run python benchmarks/bench_loader.py                  # files of MAX_FILE_BYTES, every shape
    uv run python benchmarks/bench_loader.py --mb 5 --no-limit --shape regions
    uv run python benchmarks/bench_loader.py --smoke          # 10 kB files, in seconds

Each load runs in a fresh process so that its peak RSS is its own. Shapes: `regions` (regions
with a site each, and as many shocks), `numbers` (one long list), `aliases` (a list expanded by
aliases to just under MAX_VALUES values), `names` (many top-level keys). Files may be invalid
scenarios: the time to the verdict is what counts. A script, not a test: the numbers depend on
the machine, so they are printed and written to benchmarks/results/loader.json, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import add_common_args, table, write

from transition_sim.scenario import loader

SHAPES = ("regions", "numbers", "aliases", "names")


def generate(shape: str, size: int) -> str:
    """A YAML document of about `size` bytes (at most `size`) of the given shape."""
    if shape == "regions":
        per = size // 2
        regions = []
        shocks = []
        i = 0
        while sum(map(len, regions)) < per - 200:
            regions.append(
                f"  - name: r{i}\n    urban_population: 1000\n    sites: [{{name: s{i}}}]\n"
            )
            shocks.append(f"  - {{day: 0, label: shock {i}, region: r{i}, hardship: 0.01}}\n")
            i += 1
        return f"name: big\ndays: 1\nregions:\n{''.join(regions)}shocks:\n{''.join(shocks)}"
    if shape == "numbers":
        return "name: big\nnumbers: [" + ",".join(["0"] * ((size - 40) // 2)) + "]\n"
    if shape == "aliases":
        width = 1000
        inner = "[" + ",".join(["0"] * width) + "]"
        copies = loader.MAX_VALUES // (width + 1) - 2
        return f"name: big\na: &a {inner}\nb: [{','.join(['*a'] * copies)}]\n"
    if shape == "names":
        lines, i, total = ["name: big\n"], 0, 10
        while total < size - 40:
            lines.append(f"key_{i}: {i}\n")
            total += len(lines[-1])
            i += 1
        return "".join(lines)
    raise ValueError(shape)


CHILD = """
import json, resource, sys, time
from transition_sim.scenario import loader
if sys.argv[2] == "no-limit":
    loader.MAX_FILE_BYTES, loader.MAX_VALUES = 1 << 28, 10**9
start, cpu = time.perf_counter(), time.process_time()
try:
    loader.load_scenario(sys.argv[1])
    verdict = "ok"
except loader.ScenarioError as err:
    verdict = str(err).splitlines()[0].split(": ", 1)[1][:100]
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_rss": peak, "verdict": verdict}))
"""


def bench(path: Path, limit: bool) -> dict[str, object]:
    run = [sys.executable, "-c", CHILD, str(path), "limit" if limit else "no-limit"]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=None, help="file size in MB (default: limit)")
    parser.add_argument("--shape", choices=SHAPES, action="append", help="default: all")
    parser.add_argument("--no-limit", action="store_true", help="lift MAX_FILE_BYTES, MAX_VALUES")
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:  # the aliases file is as large as MAX_VALUES allows, whatever --mb says
        args.mb, args.shape = 0.01, [s for s in SHAPES if s != "aliases"]
    size = round(args.mb * 1e6) if args.mb else loader.MAX_FILE_BYTES
    base = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD.replace("loader.load_scenario(sys.argv[1])", "pass"),
            "-",
            "x",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    base_mib = json.loads(base)["peak_rss"] / 2**20
    print(f"python with the loader imported: peak RSS {base_mib:.0f} MiB")
    print(f"libyaml parser: {loader._SafeLoader.__name__ == 'CSafeLoader'}")
    rows, raw = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shape or SHAPES:
            path = Path(tmp) / f"{shape}.yaml"
            path.write_text(generate(shape, size), encoding="utf-8")
            result = bench(path, limit=not args.no_limit)
            print(
                f"{shape:8s} {path.stat().st_size / 1e6:6.2f} MB  {result['seconds']:6.2f} s"
                f" (CPU {result['cpu']:5.2f} s)"
                f"  peak RSS {result['peak_rss'] / 2**20:6.0f} MiB  {result['verdict']}"
            )
            raw.append({"shape": shape, "bytes": path.stat().st_size, **result})
            rows.append(
                [
                    shape,
                    f"{path.stat().st_size / 1e6:.2f} MB",
                    f"{result['seconds']:.2f} s",
                    f"{result['cpu']:.2f} s",
                    f"{result['peak_rss'] / 2**20:.0f} MiB",
                    result["verdict"],
                ]
            )
    limits = "limits lifted" if args.no_limit else "limits on"
    note = f"Each file loaded in a fresh process ({limits}); the loader alone: {base_mib:.0f} MiB."
    columns = ["shape", "size", "wall", "CPU", "peak RSS", "verdict"]
    write("loader", args, {"loads": table(columns, rows, note)}, loads=raw)


if __name__ == "__main__":
    main()
