#!/bin/sh
# What replaced run100.sh after the blocks-finalist run of run.sh was refused by the CLI's
# registry check (main's base, see backtest_against.py): that run first (50 per case, like the
# other four of run.sh), then the n=100 runs run100.sh had not reached, in order of priority.
set -e
cd "$(dirname "$0")/../../.."
R=experiments/session25/library/run.py
uv run python $R blocks prior -n 50 --priors-from experiments/calibration/results/blocks24_r2
uv run python $R blocks point -n 100
uv run python $R agents prior -n 100
uv run python $R blocks prior -n 100
