#!/bin/sh
# The before/after grid on point 1015 (500 replications, seed 20220105, 2 workers): main's
# contest (d3e0114, from a git archive at /work/scratch/contest24/before), then this branch's
# with the standing guard at 0 (whole people alone), 5, 20 and 50 people.
set -e
cd "$(dirname "$0")/../../.."
P=experiments/session23/blocks/point_1015.json
M=experiments/session24/contest/measure.py
O=experiments/session24/contest
SEED=${SEED:-20220105}
PYTHONPATH=/work/scratch/contest24/before nice -n 5 .venv/bin/python $M --point $P --seed $SEED > $O/before_1015_$SEED.json
for g in 0 20 5 50; do
  nice -n 5 .venv/bin/python $M --point $P --seed $SEED --set violence.site_guard=$g > $O/guard${g}_1015_$SEED.json
done
