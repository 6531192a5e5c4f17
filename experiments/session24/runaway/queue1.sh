#!/bin/bash
# The runs of this folder, in order (from this folder; UV_PYTHON set as in the README).
set -e
B=../priors/kz_blocks_1015.yaml
A=../../../scenarios/kazakhstan_2022.yaml
run() { nice -n 10 uv run python probe.py "$@" > "${2%.json}.log" 2>&1; }
for f in 1 0.85; do
  run $B blocks1015_none_x${f}_n40.json --factor $f -n 40
done
for f in 1 0.85; do
  for s in no_contagion no_social no_memory exact self_one no_release fixed_legit; do
    run $B blocks1015_${s}_x${f}_n40.json --factor $f -n 40 --switch $s --series none
  done
done
for f in 1 0.85; do
  run $A blocksAgentsPoint_none_x${f}_n40.json --crowd blocks --factor $f -n 40 --series none
  run $A agentsAgentsPoint_none_x${f}_n40.json --factor $f -n 40 --series none
done
for f in 1 0.85; do
  run $B agents1015_none_x${f}_n40.json --crowd agents --factor $f -n 40
done
