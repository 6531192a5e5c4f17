#!/bin/sh
# Started at 12:41 with time left: the guarding diagnostic's two like-for-like columns at 100
# per case (cut at 12:58 if not done; the README says whether they finished).
set -e
cd "$(dirname "$0")/../../.."
R=experiments/session25/library/run.py
uv run python $R agents prior -n 100 --pin crowd.guarding=0
uv run python $R blocks prior -n 100 --priors-from experiments/calibration/results/blocks24_r2 --pin crowd.guarding=0
