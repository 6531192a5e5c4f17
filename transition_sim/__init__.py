"""transition-sim: an agent-based simulator of elite power transitions in authoritarian regimes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("transition-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
