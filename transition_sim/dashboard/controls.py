"""Dash components for the generated parameter controls (see `params`).

Each control's id is ``{"type": "param", "path": <dotted path>, "kind": <kind>}`` and its box
carries ``data-path``; each group carries ``data-group`` (the path its controls start with). So
callbacks and tests find controls by parameter path, never by name. A group's controls exist
once it has been opened; values of groups never opened are the scenario's, or the page's edits
(kept in the ``edits`` store, so that coupled values in closed groups follow too).

Beside a number box: a slider over its range (the schema's bounds; where one is open, a range
around the value), a "changed" badge that resets the value, and a line for its error.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from transition_sim.dashboard.edits import COUPLED_RULE
from transition_sim.dashboard.params import Group, Param, Source

SHORT = 220  # assumptions' reasons longer than this are cut (the full text is the tooltip)

__all__ = [
    "control_groups",
    "control_id",
    "group_controls",
    "group_id",
    "part_id",
    "read_value",
    "shown_value",
    "slider_range",
]


def control_id(p: Param) -> dict[str, str]:
    return {"type": "param", "path": p.path, "kind": p.kind}


def part_id(kind: str, path: str) -> dict[str, str]:
    """Ids of a control's companions: ``slider``, ``reset`` (the changed badge), ``error``."""
    return {"type": kind, "path": path}


def shown_value(kind: str, value: Any) -> Any:
    """A scenario value as its control holds it (a bool -> a checklist's list)."""
    if kind == "boolean":
        return ["on"] if value else []
    return value


def slider_range(p: Param, value: Any) -> tuple[float, float] | None:
    """The slider's ends: the schema's bounds; an open end is put at twice the value (at least
    1 above the other end). None for values that are not numbers or not set and unbounded."""
    if p.kind not in ("number", "integer"):
        return None
    lo, hi = p.minimum, p.maximum
    size = abs(float(value)) if isinstance(value, int | float) else 0.0
    if lo is None and hi is None and not size:
        return None
    if lo is None:
        lo = min(0.0, -2 * size) if hi is None or hi > 0 else float(hi) - max(1.0, 2 * size)
    if hi is None:
        hi = max(float(lo) + 1.0, 2 * size)
    return float(lo), float(hi)


def _slider(p: Param, value: Any) -> Any:
    ends = slider_range(p, value)
    if ends is None:
        return None
    lo, hi = ends
    step = 1 if p.kind == "integer" else (hi - lo) / 100
    return dcc.Slider(
        id=part_id("slider", p.path),
        min=lo,
        max=hi,
        step=step,
        value=value if isinstance(value, int | float) else None,
        marks=None,
        updatemode="mouseup",
        allow_direct_input=False,  # the number box beside it is the input
        tooltip={"placement": "bottom", "always_visible": False},
        className="slider",
    )


def _input(p: Param, value: Any) -> Any:
    if p.kind == "boolean":
        return dcc.Checklist(
            id=control_id(p),
            options=[{"label": " on", "value": "on"}],
            value=shown_value(p.kind, value),
            inline=True,
        )
    if p.kind == "choice":
        return dcc.Dropdown(
            id=control_id(p),
            options=[{"label": str(o), "value": o} for o in p.options],
            value=value,
            clearable=False,
            className="choice",
        )
    return dcc.Input(
        id=control_id(p),
        type="number",
        value=value,
        step="any",
        placeholder="not set" if p.nullable else "",
        className="number",
    )


def read_value(kind: str, value: Any) -> Any:
    """A control's value as the scenario wants it (a checklist's list -> a bool)."""
    if kind == "boolean":
        return bool(value)
    return value


def _source(s: Source) -> html.Div:
    badge = html.Span(s.id, className=f"badge {s.kind}")
    if s.kind == "claim":
        body: list[Any] = [html.Q(s.text), html.Span(f" — {s.by}", className="by")]
    elif s.kind == "fact":
        body = [s.text, html.Span(f" (source: {s.by})", className="by")]
    else:
        text = s.text if len(s.text) <= SHORT else s.text[: SHORT - 1] + "…"
        body = [html.Span("assumption: ", className="by"), text]
    return html.Div([badge, " ", *body], className=f"source {s.kind}", title=s.text)


def _control(p: Param, value: Any, changed: bool, coupled: bool) -> html.Div:
    label = [html.Span(p.title, className="title")]
    if coupled:
        label.append(html.Span("coupled", className="coupled", title=COUPLED_RULE))
    if p.bounds:
        label.append(html.Span(p.bounds, className="bounds"))
    label.append(
        html.Button(
            "changed ×",
            id=part_id("reset", p.path),
            className="reset",
            title=f"Changed from {p.value!r}: click to reset to the scenario's value",
            style=None if changed else {"display": "none"},
        )
    )
    help_ = [_source(s) for s in p.sources] or [
        html.Div(
            "No claim, fact or assumption in seeds/claims.yaml names this parameter.",
            className="source none",
        )
    ]
    if p.description:
        help_.insert(0, html.Div(p.description, className="description"))
    return html.Div(
        [
            html.Div(label, className="label"),
            html.Div([_input(p, value), _slider(p, value)], className="inputs"),
            html.Div(id=part_id("error", p.path), className="field-error"),
            html.Div(help_, className="help"),
            html.Code(p.path, className="path"),
        ],
        className="param changed" if changed else "param",
        **{"data-path": p.path, "data-search": search_text(p)},
    )


def group_id(kind: str, key: str) -> dict[str, str]:
    """Ids of a group's parts: ``summary`` (clicked to open it) and ``body`` (its controls)."""
    return {"type": f"group-{kind}", "key": key}


def search_text(p: Param) -> str:
    """What the search box looks in: path, title, description and sources, lower case."""
    parts = [p.path, p.title, p.description, *(f"{s.id} {s.text} {s.by}" for s in p.sources)]
    return " ".join(parts).lower()


def control_groups(groups: list[Group]) -> list[html.Details]:
    """One folding section per group (section or actor), closed and empty at first: a group's
    controls are made when it is first opened (`group_controls`), so the page stays light."""
    return [
        html.Details(
            [
                html.Summary(
                    [g.title, html.Span(f" {len(g.params)}", className="count")],
                    id=group_id("summary", g.key),
                ),
                html.P(g.description, className="group-description") if g.description else None,
                html.Div(id=group_id("body", g.key)),
            ],
            className="group",
            **{
                "data-group": g.key,
                "data-search": " ".join([g.title.lower(), *(search_text(p) for p in g.params)]),
            },
        )
        for g in groups
    ]


def group_controls(
    group: Group, values: dict[str, Any] | None = None, coupled: set[str] | None = None
) -> list[html.Div]:
    """The group's controls, showing ``values`` (path -> value; the scenario's where absent);
    paths in ``coupled`` are marked as members of a coupled set."""
    values = values or {}
    coupled = coupled or set()
    out: list[html.Div] = []
    if any(p.path in coupled for p in group.params):
        out.append(html.Div(["Coupled values: ", COUPLED_RULE], className="coupled-rule"))
    for p in group.params:
        value = values.get(p.path, p.value)
        out.append(_control(p, value, value != p.value, p.path in coupled))
    return out
