#!/bin/bash
# Session 24, helper P: the runs after queue1.sh (each one process, nice 10).
cd /work/wt/priors24/experiments/session24/priors
export UV_PYTHON=/root/.pyenv/versions/3.12.1/bin/python3
while pgrep -f queue1.sh >/dev/null; do sleep 5; done
A=../../../scenarios/kazakhstan_2022.yaml
R=../../../seeds/claims.yaml
U="factions.police.units_per_1000 factions.KNB.units_per_1000 factions.army.units_per_1000 factions.guard.units_per_1000"
nice -n 10 uv run python edge.py kz_blocks_1015.yaml edge_blocks_units_n60.json --paths $U --factors 0.75 0.85 0.95 1 1.05 1.15 1.25 > edge_blocks_units_n60.log 2>&1
nice -n 10 uv run python edge.py $A edge_agents_units_n60.json --paths $U --factors 0.75 0.85 0.95 1 1.05 1.15 1.25 > edge_agents_units_n60.log 2>&1
nice -n 10 uv run python edge.py kz_blocks_1015.yaml edge_blocks_vision_n60.json --paths crowd.vision_people --factors 0.5357 0.75 0.9 1 1.1 1.3 1.6071 > edge_blocks_vision_n60.log 2>&1
nice -n 10 uv run python edge.py $A edge_agents_vision_n60.json --paths crowd.vision --factors 0.7143 0.8571 1 1.1429 1.2857 > edge_agents_vision_n60.log 2>&1
nice -n 10 uv run python screen.py kz_blocks_1015.yaml claims_blocks1015.yaml screen_blocks_base_n200.json -n 200 --only NONE > screen_blocks_base_n200.log 2>&1
nice -n 10 uv run python screen.py $A $R screen_agents_base_n200.json -n 200 --only NONE > screen_agents_base_n200.log 2>&1
nice -n 10 uv run python screen.py $A claims_agents_unsettled.yaml screen_agents_unsettled_n200.json -n 200 --only NONE > screen_agents_unsettled_n200.log 2>&1
nice -n 10 uv run python screen.py kz_blocks_1015.yaml claims_blocks1015.yaml screen_blocks_allbut_n60.json -n 60 --no-base --all-but --only A-faction-sizes A-vision-resolution A-epstein-crowd A-expectations A-peaceful-occupation A-successor-legitimacy > screen_blocks_allbut_n60.log 2>&1
nice -n 10 uv run python screen.py kz_blocks_1015.yaml claims_blocks1015.yaml screen_blocks_base_n200_seed12.json -n 200 --seed 12 --only NONE > screen_blocks_base_n200_seed12.log 2>&1
nice -n 10 uv run python screen.py $A $R screen_agents_base_n200_seed12.json -n 200 --seed 12 --only NONE > screen_agents_base_n200_seed12.log 2>&1
