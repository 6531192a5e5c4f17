#!/bin/bash
# The two short re-fits' chosen points: the record's score on 200 replications (both seeds) with
# the cap they were fitted under, and the runaway measures from day 0 (60 runs).
set -e
for cap in 0.05 none; do
  uv run python build_point.py refit_cap$cap/chosen.json refit_cap$cap/point.yaml
  for seed in 20220105 12; do
    nice -n 10 uv run python score_cap.py refit_cap$cap/point.yaml score_refit_cap${cap}_cap${cap}_s${seed}_n200.json --cap $cap --seed $seed > score_refit_cap${cap}_s${seed}.log 2>&1
  done
  for f in 1 0.85; do
    if [ $cap = none ]; then sw="--switch none"; else sw="--switch cap --cap $cap"; fi
    nice -n 10 uv run python probe.py refit_cap$cap/point.yaml start_refit_cap${cap}_x${f}_n60.json --factor $f -n 60 --at start $sw --series none > start_refit_cap${cap}_x${f}_n60.log 2>&1
  done
done
