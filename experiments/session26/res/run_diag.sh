#!/bin/sh
# Diagnostics, never proposed as they are: the model of this branch with diag_kernel.patch
# applied, in a scratch copy (SCRATCH, default /tmp/r26walk; variants switched by compile-time
# environment variables, each with its own numba cache): R26_OWN=K, a block's decision re-read
# K more times with its own people at today's estimate (not yesterday's); R26_WALK=1, a unit
# detains at a uniform point of its region (its deterrence still walks); R26_WALK=2, a unit
# moves first, then detains where it stands. The score read two ways (score_reading.py), 500
# runs, seeds 20220105 and 12, at 2,000 and 1,000 people per agent, one worker, nice 5.
# Usage: run_diag.sh VAR=VALUE TAG   (e.g. run_diag.sh R26_OWN=2 own2)
set -e
SCRATCH=${SCRATCH:-/tmp/r26walk}
OUT=$(pwd)/experiments/session26/res/diag
P=$(pwd)/experiments/session24/deaths/point_1025_guard0.json
PY=$(pwd)/.venv/bin/python
VAR=$1
TAG=$2
cd $SCRATCH
for seed in 20220105 12; do
  for ppa in 2000 1000; do
    env $VAR NUMBA_CACHE_DIR=/tmp/r26nc_$TAG PYTHONPATH=$SCRATCH nice -n 5 $PY \
      experiments/session26/res/score_reading.py --point $P --ppa $ppa --reps 500 --seed $seed \
      > $OUT/${TAG}_${ppa}_${seed}.json
  done
done
