#!/bin/sh
# The guard's sensitivity at point 1025 (chosen with a guard of 20): 0 and 50 people (5: blocks24_g5_*.json, the same point), 500
# replications of seed 20220105 (run after score.sh).
cd /work/wt/contest24
O=experiments/session24/contest
while kill -0 20507 2>/dev/null; do sleep 5; done
for g in 0 50; do
  nice -n 5 .venv/bin/python $O/measure.py --point $O/point_blocks24.json --set violence.site_guard=$g > $O/blocks24_guard${g}_20220105.json
done
