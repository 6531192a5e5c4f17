#!/bin/sh
# The record's spread read two ways (shipped table, untruncated people) on the same runs of
# point 1025 at four resolutions, 500 runs each, seeds 20220105 and 12, one worker, nice 5.
# --check re-runs the ensemble through calibrate_kazakhstan.score (the shipped reading).
set -e
P=experiments/session24/deaths/point_1025_guard0.json
for seed in 20220105 12; do
  for ppa in 2000 1000 4000 500; do
    check=""
    [ "$ppa" = 2000 ] || [ "$ppa" = 1000 ] && check="--check"
    nice -n 5 uv run python experiments/session26/res/spread.py --point $P --ppa $ppa $check \
      --reps 500 --seed $seed --out experiments/session26/res/runs/p1025_${ppa}_${seed}
  done
done
