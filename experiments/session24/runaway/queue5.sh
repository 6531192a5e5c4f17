#!/bin/bash
# Lower caps (the signal the agents' point reaches at its peak: about 0.02), from day 0, and
# the record's score with them.
set -e
B=../priors/kz_blocks_1015.yaml
run() { nice -n 10 uv run python probe.py "$@" > "${2%.json}.log" 2>&1; }
for f in 1 0.85; do
  for cap in 0.02 0.03; do
    run $B start_blocks1015_cap${cap}_x${f}_n60.json --factor $f -n 60 --at start --switch cap --cap $cap --series none
    run $B start_agents1015_cap${cap}_x${f}_n60.json --crowd agents --factor $f -n 60 --at start --switch cap --cap $cap --series none
  done
done
for seed in 20220105 12; do
  for cap in 0.02 0.03; do
    nice -n 10 uv run python score_cap.py $B score_blocks1015_cap${cap}_s${seed}_n200.json --cap $cap --seed $seed > score_blocks1015_cap${cap}_s${seed}_n200.log 2>&1
  done
done
