#!/bin/bash
# After queue1.sh: the kernel-copy switch (lumpy), all threshold feedbacks off together, the
# agents' point with its series, and the switches on the agents crowd at the blocks' point
# (units x 0.85 only, where most runs ignite: an agents run at this point costs ~5 s of CPU).
set -e
B=../priors/kz_blocks_1015.yaml
run() { nice -n 10 uv run python probe.py "$@" > "${2%.json}.log" 2>&1; }
for f in 1 0.85; do
  for s in lumpy no_feedback; do
    run $B blocks1015_${s}_x${f}_n40.json --factor $f -n 40 --switch $s --series none
  done
done
for f in 1 0.85; do
  run ../../../scenarios/kazakhstan_2022.yaml agentsAgentsPoint_none_x${f}_n40_series.json --factor $f -n 40
  run ../../../scenarios/kazakhstan_2022.yaml blocksAgentsPoint_none_x${f}_n40_series.json --crowd blocks --factor $f -n 40
done
for s in no_contagion exact no_feedback no_release; do
  run $B agents1015_${s}_x0.85_n40.json --crowd agents --factor 0.85 -n 40 --switch $s --series none
done
