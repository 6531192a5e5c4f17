#!/bin/sh
# Session 25 (integrator), second step: the whole calibration (a global Latin hypercube, a
# refinement round around its best, finalists, confirmation) of the crowd of blocks at 2,000
# people per agent, chosen on the record's total; then 500 runs of its choice on seeds
# 20220105 and 12. From the repository's root, with UV_PYTHON set.
set -e
R=experiments/calibration/results/blocks25_ppa2000_global
D=experiments/session25/ppa2000
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
mkdir -p $R
$PY experiments/calibration/calibrate_kazakhstan.py --points ${POINTS:-200} --refine ${REFINE:-60} \
    --reps ${REPS:-10} --finalists 6 --final-reps ${FINAL_REPS:-60} \
    --confirm ${CONFIRM:-100} --confirm-seed 25 --workers 2 \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --fix violence.site_guard=0 --fix scale.people_per_agent=2000 \
    --choose-on total --results $R > $R/log.txt 2>&1
uv run python - <<'PY'
import json
R = "experiments/calibration/results/blocks25_ppa2000_global/"
point = json.load(open(R + "fixed.json"))
point.update(json.load(open(R + "chosen.json")))
open("experiments/session25/ppa2000/point_global.json", "w").write(json.dumps(point, indent=2) + "\n")
PY
for s in 20220105 12; do
  $PY $M --point $D/point_global.json --seed $s --reps 500 --workers 1 > $D/global_$s.json
done
