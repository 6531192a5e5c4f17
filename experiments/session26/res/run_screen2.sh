#!/bin/sh
# run_screen.sh's second round (the same scratch copy, patch, sizes and report), two more
# variants of where a unit detains: R26_WALK=3, at a uniform point of its own disc (near it,
# apart from where it stands and from its next move); R26_WALK=4, where it stands, but a block
# is in its sight when a uniform point of the block's cell, drawn at each detention, is (not
# the cell's centre: blocks in with the chance of their cell's share in the disc).
set -e
SCRATCH=${SCRATCH:-/tmp/r26walk}
OUT=$(pwd)/experiments/session26/res/diag/screen.csv
PY=$(pwd)/.venv/bin/python
cd $SCRATCH
for spec in detain_near:R26_WALK=3 detain_jittered:R26_WALK=4; do
  tag=${spec%%:*}
  var=${spec#*:}
  env $var NUMBA_CACHE_DIR=/tmp/r26nc_$tag PYTHONPATH=$SCRATCH nice -n 5 $PY \
    experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 --n 150 --days 30 --tag $tag
done
