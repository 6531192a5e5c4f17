#!/bin/sh
# What replaced run100.sh after the blocks-finalist run of run.sh was refused by the CLI's
# registry check (main's base, see backtest_against.py): that run first (50 per case, like the
# other four of run.sh); then a diagnostic, the priors with crowd.guarding pinned at 0 (blocks
# with either calibration prior, agents with the registry's), then the n=100 runs run100.sh had
# not reached, in order of priority (the last may be cut by the deadline).
set -e
cd "$(dirname "$0")/../../.."
R=experiments/session25/library/run.py
F=experiments/calibration/results/blocks24_r2
uv run python $R blocks prior -n 50 --priors-from $F
uv run python $R blocks prior -n 50 --pin crowd.guarding=0
uv run python $R blocks prior -n 50 --priors-from $F --pin crowd.guarding=0
uv run python $R agents prior -n 50 --pin crowd.guarding=0
uv run python $R blocks point -n 100
uv run python $R agents prior -n 100
uv run python $R blocks prior -n 100
