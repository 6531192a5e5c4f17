"""Ensembles: run a scenario many times, summarize the outcomes, store the results."""

from transition_sim.experiment.runner import Ensemble, replication_seed, run_ensemble, run_one
from transition_sim.experiment.store import OutputExistsError, check_output_dir, write_results
from transition_sim.experiment.summary import render_summary, summarize, wilson_interval

__all__ = [
    "Ensemble",
    "OutputExistsError",
    "check_output_dir",
    "render_summary",
    "replication_seed",
    "run_ensemble",
    "run_one",
    "summarize",
    "wilson_interval",
    "write_results",
]
