#!/bin/sh
# The crowd alone by block size (kernel_screen.py), one variant at a time: 100 replications at
# 4,000, 1,000 and 500 people per agent, 30 days, each variant switching one term off.
D=experiments/session25/deaths
OUT=${1:-$D/kernel_screen.csv}
S="nice -n 5 uv run python $D/kernel_screen.py $OUT --ppa 4000 1000 500 --n 100 --days 30"
$S --tag base
$S --tag exact_ratio --set crowd.arrest_ratio=exact
$S --tag no_memory --set crowd.memory_effect=0
$S --tag no_social --set crowd.social_signal=0
$S --tag no_movement --set crowd.movement=false
$S --tag density_099 --set crowd.citizen_density=0.99
$S --tag base --ppa 2000  # added after the screen (11:52): 2,000 people per agent, base only
