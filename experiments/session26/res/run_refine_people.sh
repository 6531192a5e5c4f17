#!/bin/sh
# An experiment beside the shipped yardstick: session 25's refinement round at 2,000 people per
# agent around point 1025 (../../session25/ppa2000/run.sh: 40 points x 10 runs, 6 finalists x
# 60, confirmed with 100 runs on seed 25, chosen on the record's total), with the blocks' table
# read in people (calibrate_people.py) and one worker, nice 5. Does 1025 stay the choice when
# the spread is read in people?
set -e
R=experiments/session26/res/refine_people
mkdir -p $R
nice -n 5 uv run python experiments/session26/res/calibrate_people.py --points 0 --refine 40 \
    --reps 10 --finalists 6 --final-reps 60 --confirm 100 --confirm-seed 25 --workers 1 \
    --centre experiments/calibration/results/blocks24_r2/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --fix violence.site_guard=0 --fix scale.people_per_agent=2000 \
    --choose-on total --results $R > $R/log.txt 2>&1
