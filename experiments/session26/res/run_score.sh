#!/bin/sh
# The record's score of point 1025 read two ways on one ensemble: 500 runs, seeds 20220105 and
# 12, at 2,000 and 1,000 people per agent, one worker, nice 5 (4,000 and 500: run_score_extra.sh).
set -e
P=experiments/session24/deaths/point_1025_guard0.json
D=experiments/session26/res/score
mkdir -p $D
for seed in 20220105 12; do
  for ppa in 2000 1000; do
    nice -n 5 uv run python experiments/session26/res/score_reading.py --point $P --ppa $ppa \
      --reps 500 --seed $seed > $D/p1025_${ppa}_${seed}.json
  done
done
