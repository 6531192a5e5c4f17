#!/bin/sh
# Guarding with blocks at point 1025 (C's point_blocks24.json) with the standing guard 0 (whole
# people alone, C's "about 1,000 seizures after order" column): crowd.guarding 0, 0.1, 0.3,
# 200 replications of seed 20220105, one worker, nice -n 10, one after another.
cd "$(dirname "$0")/../../.."
O=experiments/session24/guard
C=experiments/session24/contest
for g in 0 0.1 0.3; do
  /usr/bin/time -f "guarding $g: %U s user, %S s sys, %e s wall" \
    nice -n 10 .venv/bin/python $C/measure.py --point $C/point_blocks24.json \
    --set violence.site_guard=0 --set crowd.guarding=$g --reps 200 --seed 20220105 --workers 1 \
    > $O/guarding${g}_1025_20220105.json 2>> $O/run.log
done
# The agents baseline (no --point: the shipped point values), guarding 0, 0.1, 0.3, beside
# C's agents_after_20220105.json (500 replications, guarding 0); same seed, 200 replications.
for g in 0 0.1 0.3; do
  /usr/bin/time -f "agents guarding $g: %U s user, %S s sys, %e s wall" \
    nice -n 10 .venv/bin/python $C/measure.py --set crowd.guarding=$g --reps 200 \
    --seed 20220105 --workers 1 > $O/agents_guarding${g}_20220105.json 2>> $O/run.log
done
# Added after reading the above: a small guarding on the blocks (0.03).
/usr/bin/time -f "guarding 0.03: %U s user, %S s sys, %e s wall" \
  nice -n 10 .venv/bin/python $C/measure.py --point $C/point_blocks24.json \
  --set violence.site_guard=0 --set crowd.guarding=0.03 --reps 200 --seed 20220105 --workers 1 \
  > $O/guarding0.03_1025_20220105.json 2>> $O/run.log
