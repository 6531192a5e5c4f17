"""``python -m transition_sim``: the same command line as ``transition-sim``."""

from transition_sim.cli import app

app(prog_name="transition-sim")
