#!/bin/sh
# Session 25 (integrator): the crowd of blocks at 2,000 people per agent, where 1,000 runs fit
# the issue's 30 s. One refinement round around point 1025 (session 24's blocks24_r2 choice),
# chosen on the record's total (the issue's yardstick), the standing guard at 0 as at 1025;
# then the 500-run measures (seeds 20220105 and 12) of point 1025 and of the choice at 2,000.
# From the project's root, with UV_PYTHON set.
set -e
R=experiments/calibration/results/blocks25_ppa2000
D=experiments/session25/ppa2000
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
mkdir -p $R
$PY experiments/calibration/calibrate_kazakhstan.py --points 0 --refine ${REFINE:-40} \
    --reps ${REPS:-10} --finalists 6 --final-reps ${FINAL_REPS:-60} \
    --confirm ${CONFIRM:-100} --confirm-seed 25 --workers 2 \
    --centre experiments/calibration/results/blocks24_r2/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --fix violence.site_guard=0 --fix scale.people_per_agent=2000 \
    --choose-on total --results $R > $R/log.txt 2>&1
uv run python - <<'PY'
import json
R = "experiments/calibration/results/blocks25_ppa2000/"
point = json.load(open(R + "fixed.json"))
point.update(json.load(open(R + "chosen.json")))
open("experiments/session25/ppa2000/point_chosen.json", "w").write(json.dumps(point, indent=2) + "\n")
PY
for s in 20220105 12; do
  /usr/bin/time -f "%U user %S sys %e wall" -o $D/time_chosen_$s.txt \
      $PY $M --point $D/point_chosen.json --seed $s --reps 500 --workers 1 > $D/chosen_$s.json
  /usr/bin/time -f "%U user %S sys %e wall" -o $D/time_p1025_$s.txt \
      $PY $M --point experiments/session24/deaths/point_1025_guard0.json \
      --set scale.people_per_agent=2000 --seed $s --reps 500 --workers 1 > $D/p1025_$s.json
done
