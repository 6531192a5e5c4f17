#!/bin/sh
# The library runs as queued (from the worktree root, UV_PYTHON exported), after commit 4d27162.
set -e
uv run python experiments/session26/prior/run_library.py -n 100
uv run python experiments/session26/prior/run_library.py -n 100 --set scale.people_per_agent=2000
