"""Figures and reports shared by the dashboard and `transition-sim report`.

- `results`: read an output folder (of `transition-sim run --out`, or of a sweep) into plain data;
- `stats`: the reductions figures plot (fans over days, stance shares, differences of shares);
- `figures`: plotly figures of one ensemble or of two side by side (outcomes, fans over days);
- `regions`: the regions as a network with protest intensity by day, and as a heat map;
- `timeline`: one replication's events as a table and a Gantt-like chart;
- `sweeps`: plotly figures of sweep and sensitivity folders;
- `report`: a self-contained HTML page with every figure.

Figures are built from whatever columns the data has (`power_*`, `stance_*`, `active_*`, outcome
names), never from a fixed list, so they follow the model as it changes.
"""
