#!/bin/sh
# run_rest.sh stopped at its second run (the registry priors with guarding pinned went through
# backtest_against.py, whose check against the blocks base refuses the registry's agents
# priors; run.py now wraps only with --priors-from, as the unpinned registry run did not).
# The rest of run_rest.sh from there.
set -e
cd "$(dirname "$0")/../../.."
R=experiments/session25/library/run.py
F=experiments/calibration/results/blocks24_r2
uv run python $R blocks prior -n 50 --pin crowd.guarding=0
uv run python $R blocks prior -n 50 --priors-from $F --pin crowd.guarding=0
uv run python $R agents prior -n 50 --pin crowd.guarding=0
uv run python $R blocks point -n 100
uv run python $R agents prior -n 100
uv run python $R blocks prior -n 100
