#!/bin/sh
# The shipped baseline after the switch (session 26): what a run prints, its intervals, the
# record's score, the cost of 1,000 replications and the library, from main's own files.
# From the repository root, UV_PYTHON exported; the machine otherwise idle (say the load).
set -e
OUT=experiments/session26/baseline
TS="uv run transition-sim"
S=scenarios/kazakhstan_2022.yaml
uptime > $OUT/load_start.txt
$TS run $S -n 500 -w 2 --json --point --out /tmp/s26_point --force > $OUT/point_n500.json
$TS run $S -n 200 -w 2 --json --out /tmp/s26_prior --force --seeds-per-draw 4 > $OUT/prior_n200.json
for seed in 20220105 12; do
  uv run python experiments/session24/contest/measure.py --point experiments/session26/baseline/empty.json \
    --reps 500 --seed $seed --workers 2 > $OUT/score_$seed.json
done
for i in 1 2 3; do
  /usr/bin/time -f "%e s wall, %U s user, %S s sys" -a -o $OUT/time_n1000.txt \
    $TS run $S -n 1000 -w 2 --out /tmp/s26_time --force > /dev/null
  /usr/bin/time -f "%e s wall, %U s user, %S s sys (--point)" -a -o $OUT/time_n1000.txt \
    $TS run $S -n 1000 -w 2 --point --out /tmp/s26_time --force > /dev/null
done
$TS backtest scenarios/cases -n 100 -w 2 --json > $OUT/backtest_n100.json
uptime > $OUT/load_end.txt
