#!/bin/sh
# The score read two ways at 4,000 and 500 people per agent too (seed 20220105, 500 runs, one
# worker, nice 5), after run_score.sh.
set -e
P=experiments/session24/deaths/point_1025_guard0.json
D=experiments/session26/res/score
for ppa in 4000 500; do
  nice -n 5 uv run python experiments/session26/res/score_reading.py --point $P --ppa $ppa \
    --reps 500 --seed 20220105 > $D/p1025_${ppa}_20220105.json
done
