#!/bin/bash
# Which of the two points' differences makes the runaway: one crowd value swapped between the
# points, from day 0, 60 runs, units x 1 (blocks and agents crowds).
set -e
B=../priors/kz_blocks_1015.yaml
A=../../../scenarios/kazakhstan_2022.yaml
run() { nice -n 10 uv run python probe.py "$@" > "${2%.json}.log" 2>&1; }
run $B swap_blocks1015_contagionA_x1_n60.json -n 60 --at start --series none --set crowd.contagion=0.1021
run $B swap_blocks1015_socialA_x1_n60.json -n 60 --at start --series none --set crowd.social_signal=0.005144
run $B swap_agents1015_contagionA_x1_n60.json --crowd agents -n 60 --at start --series none --set crowd.contagion=0.1021
run $A swap_agentsA_contagion1015_x1_n60.json -n 60 --at start --series none --set crowd.contagion=0.3449
run $A swap_blocksA_contagion1015_x1_n60.json --crowd blocks -n 60 --at start --series none --set crowd.contagion=0.3449
run $A swap_agentsA_social1015_x1_n60.json -n 60 --at start --series none --set crowd.social_signal=0.0427
