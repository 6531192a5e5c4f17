"""The interactive dashboard (``transition-sim dashboard``): a Dash app over scenarios, runs and
output folders. Figures come from `transition_sim.viz`, shared with the HTML report.

- `params`: the controls as data, from the scenario schema and the claims registry;
- `controls`, `layout`, `views`: Dash components;
- `edits`, `workspace`: edited scenarios as files that extend the original; uploads and runs;
- `callbacks`, `app`: behaviour and the application (its command: `transition_sim.cli.dashboard`).
"""
