#!/bin/sh
# Diagnostics of the units' walk and of a block's own read (session 25 D's kernel_screen.py, the
# crowd of blocks alone at point 1025: no elites, violence, contest or loyalty), in a scratch
# copy of this branch with diag_kernel.patch applied (SCRATCH, default /tmp/r26walk), each
# variant compiled apart (its own NUMBA_CACHE_DIR): 150 replications at 4,000 and 1,000 people
# per agent, 30 days, one process, nice 5. Rows: diag/screen.csv; ratios: screen_report.py.
set -e
SCRATCH=${SCRATCH:-/tmp/r26walk}
OUT=$(pwd)/experiments/session26/res/diag/screen.csv
PY=$(pwd)/.venv/bin/python
cd $SCRATCH
for spec in base:R26_WALK=0 arrest_uniform:R26_WALK=1 move_then_arrest:R26_WALK=2 own_today:R26_OWN=2; do
  tag=${spec%%:*}
  var=${spec#*:}
  env $var NUMBA_CACHE_DIR=/tmp/r26nc_$tag PYTHONPATH=$SCRATCH nice -n 5 $PY \
    experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 --n 150 --days 30 --tag $tag
done
