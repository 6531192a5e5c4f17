#!/bin/sh
# After run.sh's five runs at 50 replications per case: the four main runs again at 100
# (agents and blocks, point values and the registry's priors), the order of priority; the
# last ones may be cut by the session's deadline (the README says which exist).
set -e
cd "$(dirname "$0")/../../.."
R=experiments/session25/library/run.py
uv run python $R agents point -n 100
uv run python $R blocks point -n 100
uv run python $R agents prior -n 100
uv run python $R blocks prior -n 100
