#!/bin/sh
# The five backtests of this folder, one after another (one worker each, nice -n 10).
set -e
cd "$(dirname "$0")/../../.."
N=${N:-50}
R=experiments/session25/library/run.py
uv run python $R agents point -n "$N"
uv run python $R blocks point -n "$N"
uv run python $R agents prior -n "$N"
uv run python $R blocks prior -n "$N"
uv run python $R blocks prior -n "$N" --priors-from experiments/calibration/results/blocks24_r2
