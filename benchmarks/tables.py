"""Regenerate the README's benchmark tables from benchmarks/results/*.json.

    uv run python benchmarks/tables.py            # rewrite README.md in place
    uv run python benchmarks/tables.py --check    # exit 1 if README.md is out of date

README.md marks each table with a pair of comments, `<!-- bench:NAME/TABLE -->` and
`<!-- /bench:NAME/TABLE -->`: the lines between them are replaced by table TABLE of
benchmarks/results/NAME.json (written by benchmarks/bench_NAME.py), with the machine, commit
and load average it was measured at.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from _common import RESULTS, ROOT, markdown

MARKER = re.compile(
    r"(<!-- bench:(?P<key>[\w-]+/[\w-]+) -->\n)(?P<body>.*?)(<!-- /bench:(?P=key) -->)", re.S
)


def render(key: str, results: Path) -> str:
    name, table = key.split("/")
    path = results / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"{path}: missing (run benchmarks/bench_{name}.py)")
    record = json.loads(path.read_text())
    if table not in record["tables"]:
        raise SystemExit(f"{path}: no table {table!r} (has {sorted(record['tables'])})")
    m = record["machine"]
    source = (
        f"<sub>{name}.json: {m['date']}, commit {m['commit'] or '?'}, {m['cpu_count']} CPUs"
        f" ({m['cpu']}), load average {m['load_average']} at the end"
        f"{', SMOKE SIZE' if record['smoke'] else ''}.</sub>"
    )
    return markdown(record["tables"][table]) + "\n\n" + source + "\n"


def regenerate(text: str, results: Path) -> str:
    return MARKER.sub(lambda m: m[1] + render(m["key"], results) + m[4], text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether README.md is current")
    ap.add_argument("--results", type=Path, default=RESULTS, help="folder of results JSON")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = ap.parse_args()
    text = args.readme.read_text()
    new = regenerate(text, args.results)
    if args.check:
        print("README.md is current" if new == text else "README.md is out of date")
        return 0 if new == text else 1
    args.readme.write_text(new)
    print(f"{args.readme}: {len(MARKER.findall(new))} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
