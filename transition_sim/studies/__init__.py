"""Studies over many scenarios, on the ensemble machinery of `transition_sim.ensemble`.

- `spec`: experiment specs (what to vary, how to sample it, how often to run);
- `address`: parameters addressed by dotted path into a scenario; `design`: the points;
- `models`: what a study runs, ``fn(inputs, seed)``; `engine`: points x replications into parts;
- `sweep`: a spec's design run into a folder; `sensitivity`: Morris and Sobol indices;
- `compare`: scenarios with common random numbers; `discover`: PRIM and feature importances;
- `studies`: whole studies as the command line runs them; `report`: their HTML pages.
"""
