#!/bin/bash
# A short re-fit around 1015 with the cap 0.05 and without (control): 1 global point, 40 around
# 1015 (8 replications each), the centre and 4 best on 60 replications.
set -e
for cap in 0.05 none; do
  mkdir -p refit_cap$cap
  nice -n 10 uv run python refit_cap.py $cap -- --points 1 --refine 40 --reps 8 --finalists 5 \
      --final-reps 60 --workers 1 --centre centre_1015.json \
      --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
      --results refit_cap$cap > refit_cap$cap/log.txt 2>&1
done
