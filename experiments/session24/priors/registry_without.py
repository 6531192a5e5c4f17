"""A copy of a registry without the priors of some paths (they are then not drawn: point values),
for a screen (session 24, helper P).

    uv run python experiments/session24/priors/registry_without.py IN.yaml OUT.yaml PATH [PATH ...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def main() -> None:
    src, out, *paths = sys.argv[1:]
    text = Path(src).read_text(encoding="utf-8")
    for path in paths:
        line = re.compile(rf"^      {re.escape(path)}: \[.*\]\n", re.M)
        text, n = line.subn("", text)
        assert n == 1, path
    head = f"# {Path(src).name} without the priors of {', '.join(paths)} (registry_without.py)\n"
    Path(out).write_text(head + text, encoding="utf-8")


if __name__ == "__main__":
    main()
