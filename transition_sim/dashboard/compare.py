"""The Compare view (placeholder until the paired comparison lands)."""

from transition_sim.dashboard.views import compare_view

__all__ = ["compare_view"]
