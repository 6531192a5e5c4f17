#!/bin/sh
# The library (30 cases, 40 replications per case, each case's seed, point values) with the
# crowd-size signal off (control) and on, under the shipped rule and the exact arrest ratio
# (arrest_exact_k1.5's chosen point). From the project's root:
#     nice -n 5 sh experiments/diagnosis/ouster/runs.sh > experiments/diagnosis/ouster/runs.log
set -e
O=experiments/diagnosis/ouster
L=loyalty_dynamics
S=$L.crowd_size M=$L.crowd_size_midpoint K=$L.crowd_size_steepness
uv run python experiments/calibration/library_settings.py $O/base_shipped \
    "control:" "size0.05:$S=0.05" "size0.1:$S=0.1" "size0.1_m0.1:$S=0.1,$M=0.1" \
    --out $O/library/shipped -n 40 --workers 1
uv run python experiments/calibration/library_settings.py \
    experiments/calibration/results/arrest_exact_k1.5 \
    "control:" "size0.05:$S=0.05" "size0.1:$S=0.1" "size0.2:$S=0.2" \
    "size0.1_m0.01:$S=0.1,$M=0.01" "size0.1_m0.2:$S=0.1,$M=0.2" "size0.1_k6:$S=0.1,$K=6" \
    "replace0.1:$S=0.1,$L.crowd_pressure=0" \
    --out $O/library/exact -n 40 --workers 1
