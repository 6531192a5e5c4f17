#!/bin/sh
# Session 25, helper T, third step: the 500-run measures again with measure.py's tail fields
# (quantiles, share above 50,000, the 90th percentile's bootstrap interval), then a refinement
# round around 1025 twice as wide (radius 0.3: contagion 0.16-0.43), ranked on the total with the
# tail, and its choice measured if it is not 1025.
set -e
R=experiments/calibration/results/blocks25_wide
T=experiments/session25/tail
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
for s in 20220105 12; do
  $PY $M --point experiments/session24/deaths/point_1025_guard0.json --seed $s > $T/p1025_$s.json
  $PY $M --point $T/point_global.json --seed $s > $T/global_$s.json
  $PY $M --seed $s > $T/agents_$s.json
done
mkdir -p $R
$PY experiments/calibration/calibrate_kazakhstan.py --points 0 --refine 40 --radius 0.3 \
    --reps 10 --finalists 6 --final-reps 60 --confirm 100 --confirm-seed 25 --workers 2 \
    --centre experiments/calibration/results/blocks24_r2/chosen.json \
    --fix crowd.representation=blocks --fix crowd.vision=null --fix crowd.vision_people=78400 \
    --add violence.site_guard=0:50 --add crowd.guarding=0:0.1 \
    --choose-on total_with_tail --results $R > $R/log.txt 2>&1
uv run python - <<'PY'
import json
R = "experiments/calibration/results/blocks25_wide/"
point = json.load(open(R + "fixed.json"))
point.update(json.load(open(R + "chosen.json")))
open("experiments/session25/tail/point_wide.json", "w").write(json.dumps(point, indent=2) + "\n")
PY
if [ "$(uv run python -c "import json;print(json.load(open('$T/point_wide.json'))['violence.site_guard'])")" != "0.0" ]; then
  for s in 20220105 12; do
    $PY $M --point $T/point_wide.json --seed $s > $T/wide_$s.json
  done
fi
