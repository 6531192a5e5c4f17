#!/bin/bash
# The record's score with the contagion signal capped (score_cap.py), 200 replications.
set -e
B=../priors/kz_blocks_1015.yaml
A=../../../scenarios/kazakhstan_2022.yaml
run() { nice -n 10 uv run python score_cap.py "$@" > "${2%.json}.log" 2>&1; }
for seed in 20220105 12; do
  for cap in none 0.05 0.1; do
    run $B score_blocks1015_cap${cap}_s${seed}_n200.json --cap $cap --seed $seed
  done
  for cap in none 0.05; do
    run $A score_agentsPoint_cap${cap}_s${seed}_n200.json --cap $cap --seed $seed
  done
done
