#!/bin/sh
cd /work/wt/contest24
R=experiments/calibration/results
O=experiments/session24/contest
M=$O/measure.py
for s in 20220105 12; do
  nice -n 5 .venv/bin/python $M --point $O/point_blocks24.json --seed $s > $O/blocks24_$s.json
done
nice -n 5 .venv/bin/python experiments/calibration/calibrate_kazakhstan.py --points 120 \
    --refine 40 --reps 10 --finalists 6 --final-reps 60 --workers 2 --reuse-global \
    --centre $R/blocks23_r2/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null \
    --fix crowd.vision_people=78400 --fix violence.site_guard=5 \
    --results $R/blocks24_g5 > $R/blocks24_g5/log.txt 2>&1
.venv/bin/python - <<'PY'
import json
R='experiments/calibration/results/'
d=json.load(open(R+'blocks24_g5/fixed.json')); d.update(json.load(open(R+'blocks24_g5/chosen.json')))
open('experiments/session24/contest/point_blocks24_g5.json','w').write(json.dumps(d,indent=2)+'\n')
PY
for s in 20220105 12; do
  nice -n 5 .venv/bin/python $M --point $O/point_blocks24_g5.json --seed $s > $O/blocks24_g5_$s.json
done
