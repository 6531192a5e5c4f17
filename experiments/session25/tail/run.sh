#!/bin/sh
# Session 25, helper T: the blocks refinement round chosen on the total with Almaty's tail, its
# confirmation, and the 500-run measures of the chosen point and of point 1025 (guard 0).
# From the project's root, with UV_PYTHON set; nice -n 5, 2 workers (the plan's share for T).
set -e
R=experiments/calibration/results/blocks25_tail
T=experiments/session25/tail
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
mkdir -p $R
$PY experiments/calibration/calibrate_kazakhstan.py --points 0 --refine ${REFINE:-40} \
    --reps ${REPS:-10} --finalists 6 --final-reps ${FINAL_REPS:-60} \
    --confirm ${CONFIRM:-100} --confirm-seed 25 --workers 2 \
    --centre experiments/calibration/results/blocks24_r2/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --add violence.site_guard=0:50 --add crowd.guarding=0:0.1 \
    --choose-on total_with_tail --results $R > $R/log.txt 2>&1
uv run python - <<'PY'
import json
R = "experiments/calibration/results/blocks25_tail/"
point = json.load(open(R + "fixed.json"))
point.update(json.load(open(R + "chosen.json")))
open("experiments/session25/tail/point_chosen.json", "w").write(json.dumps(point, indent=2) + "\n")
PY
for s in 20220105 12; do
  $PY $M --point $T/point_chosen.json --seed $s --reps ${MEASURE_REPS:-500} > $T/chosen_$s.json
  $PY $M --point experiments/session24/deaths/point_1025_guard0.json --seed $s \
      --reps ${MEASURE_REPS:-500} > $T/p1025_$s.json
done
