"""Dash components for the generated parameter controls (see `params`).

Each control's id is ``{"type": "param", "path": <dotted path>, "kind": <kind>}`` and its box
carries ``data-path``; each group carries ``data-group`` (the path its controls start with). So
callbacks and tests find controls by parameter path, never by name. A group's controls exist
once it has been opened; values of groups never opened are the scenario's.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from transition_sim.dashboard.params import Group, Param, Source

SHORT = 220  # assumptions' reasons longer than this are cut (the full text is the tooltip)

__all__ = ["control_groups", "control_id", "group_controls", "group_id", "read_value"]


def control_id(p: Param) -> dict[str, str]:
    return {"type": "param", "path": p.path, "kind": p.kind}


def _input(p: Param) -> Any:
    if p.kind == "boolean":
        return dcc.Checklist(
            id=control_id(p),
            options=[{"label": " on", "value": "on"}],
            value=["on"] if p.value else [],
            inline=True,
        )
    if p.kind == "choice":
        return dcc.Dropdown(
            id=control_id(p),
            options=[{"label": str(o), "value": o} for o in p.options],
            value=p.value,
            clearable=False,
            className="choice",
        )
    return dcc.Input(
        id=control_id(p),
        type="number",
        value=p.value,
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


def _control(p: Param) -> html.Div:
    label = [html.Span(p.title, className="title")]
    if p.bounds:
        label.append(html.Span(p.bounds, className="bounds"))
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
            _input(p),
            html.Div(help_, className="help"),
            html.Code(p.path, className="path"),
        ],
        className="param",
        **{"data-path": p.path},
    )


def group_id(kind: str, key: str) -> dict[str, str]:
    """Ids of a group's parts: ``summary`` (clicked to open it) and ``body`` (its controls)."""
    return {"type": f"group-{kind}", "key": key}


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
            **{"data-group": g.key},
        )
        for g in groups
    ]


def group_controls(group: Group) -> list[html.Div]:
    return [_control(p) for p in group.params]
