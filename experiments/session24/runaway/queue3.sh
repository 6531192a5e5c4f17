#!/bin/bash
# The fix tested as a model change (from day 0, so ignition may change too), 60 runs each:
# the contagion signal capped at 0.05 (half of Epstein's threshold T = 0.1) or 0.1 (T), and
# the exact arrest ratio; each crowd at each point, with the plain run on the same seeds.
set -e
B=../priors/kz_blocks_1015.yaml
A=../../../scenarios/kazakhstan_2022.yaml
run() { nice -n 10 uv run python probe.py "$@" > "${2%.json}.log" 2>&1; }
for f in 1 0.85; do
  run $B start_blocks1015_none_x${f}_n60.json --factor $f -n 60 --at start --series none
  run $B start_blocks1015_cap0.05_x${f}_n60.json --factor $f -n 60 --at start --switch cap --cap 0.05 --series none
  run $B start_blocks1015_cap0.1_x${f}_n60.json --factor $f -n 60 --at start --switch cap --cap 0.1 --series none
  run $B start_blocks1015_exact_x${f}_n60.json --factor $f -n 60 --at start --switch exact --series none
  run $B start_agents1015_none_x${f}_n60.json --crowd agents --factor $f -n 60 --at start --series none
  run $B start_agents1015_cap0.05_x${f}_n60.json --crowd agents --factor $f -n 60 --at start --switch cap --cap 0.05 --series none
  run $A start_agentsAgentsPoint_none_x${f}_n60.json --factor $f -n 60 --at start --series none
  run $A start_agentsAgentsPoint_cap0.05_x${f}_n60.json --factor $f -n 60 --at start --switch cap --cap 0.05 --series none
  run $A start_blocksAgentsPoint_none_x${f}_n60.json --crowd blocks --factor $f -n 60 --at start --series none
  run $A start_blocksAgentsPoint_cap0.05_x${f}_n60.json --crowd blocks --factor $f -n 60 --at start --switch cap --cap 0.05 --series none
done
