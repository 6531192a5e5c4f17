#!/bin/sh
# Session 25, helper T, second round: session 19's whole calibration (a global Latin hypercube,
# a refinement round around its best, finalists, confirmation) with the standing guard and
# guarding added to the space, ranked on the total with Almaty's tail throughout: can the tail
# target move the blocks fit out of the high-contagion basin a refinement round around 1025
# cannot leave? Then the 500-run measures of its choice on seeds 20220105 and 12.
set -e
R=experiments/calibration/results/blocks25_global
T=experiments/session25/tail
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
mkdir -p $R
$PY experiments/calibration/calibrate_kazakhstan.py --points ${POINTS:-120} --refine ${REFINE:-40} \
    --reps ${REPS:-10} --finalists 6 --final-reps ${FINAL_REPS:-60} \
    --confirm ${CONFIRM:-100} --confirm-seed 25 --workers 2 \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --add violence.site_guard=0:50 --add crowd.guarding=0:0.1 \
    --choose-on total_with_tail --results $R > $R/log.txt 2>&1
uv run python - <<'PY'
import json
R = "experiments/calibration/results/blocks25_global/"
point = json.load(open(R + "fixed.json"))
point.update(json.load(open(R + "chosen.json")))
open("experiments/session25/tail/point_global.json", "w").write(json.dumps(point, indent=2) + "\n")
PY
for s in 20220105 12; do
  $PY $M --point $T/point_global.json --seed $s --reps ${MEASURE_REPS:-500} > $T/global_$s.json
done
