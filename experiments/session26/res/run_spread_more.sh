#!/bin/sh
# The spread's small residual in people (2,000 against 1,000), two more seeds: spread.py at
# 2,000 and 1,000 people per agent, 500 runs, seeds 7 and 2026, one worker, nice 5.
set -e
P=experiments/session24/deaths/point_1025_guard0.json
for seed in 7 2026; do
  for ppa in 2000 1000; do
    nice -n 5 uv run python experiments/session26/res/spread.py --point $P --ppa $ppa \
      --reps 500 --seed $seed --out experiments/session26/res/runs/p1025_${ppa}_${seed}
  done
done
