#!/bin/sh
# Session 25, helper T, fourth step: 1025 and the agents again with each run's Almaty peak kept
# (`--peaks`), for a pooled comparison of the two tails (compare_tails.py). The JSONs must equal
# p1025_*.json and agents_*.json.
set -e
T=experiments/session25/tail
M=experiments/session24/contest/measure.py
PY="nice -n 5 uv run python"
mkdir -p /tmp/tail25_peaks
for s in 20220105 12; do
  $PY $M --point experiments/session24/deaths/point_1025_guard0.json --seed $s \
      --peaks $T/peaks_p1025_$s.csv > /tmp/tail25_peaks/p1025_$s.json
  $PY $M --seed $s --peaks $T/peaks_agents_$s.csv > /tmp/tail25_peaks/agents_$s.json
done
