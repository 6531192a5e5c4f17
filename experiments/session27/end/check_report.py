"""The report of a results folder as the code at hand writes it, with plotly's random div ids
replaced by their order of appearance, so that two versions of the code can be compared byte
for byte: `python check_report.py DIR OUT.html [--sorted-json]` (prints the sha256 of the
normalized page). With --sorted-json every figure's JSON (data, layout, frames) is written
with its keys sorted: the same objects give the same bytes whatever order their keys were set
in. Nothing is written into DIR."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from transition_sim.viz.report import report_html
from transition_sim.viz.results import load_output

# plotly.io.to_html's div id: str(uuid.uuid4())
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def normalized(page: str) -> str:
    ids: dict[str, str] = {}
    return UUID.sub(lambda m: ids.setdefault(m.group(0), f"figure-id-{len(ids)}"), page)


def sort_figure_json() -> None:
    """plotly.io's figure JSON with sorted keys (the values as plotly wrote them: floats
    round-trip exactly through Python's json)."""
    import json

    import plotly.io.json as pjson

    original = pjson.to_json_plotly

    def to_json_sorted(obj, *args, **kwargs):  # type: ignore[no-untyped-def]
        text = original(obj, *args, **kwargs)
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))

    pjson.to_json_plotly = to_json_sorted


def main() -> None:
    if "--sorted-json" in sys.argv:
        sort_figure_json()
    page = normalized(report_html(load_output(sys.argv[1])))
    Path(sys.argv[2]).write_text(page, encoding="utf-8")
    print(hashlib.sha256(page.encode()).hexdigest(), len(page), sys.argv[2])


if __name__ == "__main__":
    main()
