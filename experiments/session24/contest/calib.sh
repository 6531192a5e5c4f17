#!/bin/sh
cd /work/wt/contest24
R=experiments/calibration/results
nice -n 5 .venv/bin/python experiments/calibration/calibrate_kazakhstan.py --points 120 \
    --refine 40 --reps 10 --finalists 6 --final-reps 60 --workers 2 \
    --fix crowd.representation=blocks --fix crowd.vision=null \
    --fix crowd.vision_people=78400 --fix violence.site_guard=20 \
    --results $R/blocks24 > $R/blocks24/log.txt 2>&1
mkdir -p $R/blocks24_r2
cp $R/blocks24/global.csv $R/blocks24/fixed.json $R/blocks24_r2/
nice -n 5 .venv/bin/python experiments/calibration/calibrate_kazakhstan.py --points 120 \
    --refine 40 --reps 10 --finalists 6 --final-reps 60 --workers 2 --reuse-global \
    --centre $R/blocks24/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null \
    --fix crowd.vision_people=78400 --fix violence.site_guard=20 \
    --results $R/blocks24_r2 > $R/blocks24_r2/log.txt 2>&1
