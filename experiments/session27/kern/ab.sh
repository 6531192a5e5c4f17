#!/bin/bash
# Whole replications split in kernel and rest (split.py), main before this session (05f38ed,
# `git archive` into $OLD, first on PYTHONPATH, the same environment) and this tree, in turn.
#   bash experiments/session27/kern/ab.sh OUT [N] [ROUNDS]
set -e
cd "$(dirname "$0")/../../.."
OUT=$1; N=${2:-60}; ROUNDS=${3:-2}
OLD=${OLD:-/tmp/kern27-old-05f38ed}
if [ ! -d "$OLD" ]; then mkdir -p "$OLD" && git archive 05f38ed | tar -x -C "$OLD"; fi
: > "$OUT"
for round in $(seq "$ROUNDS"); do
  for ppa in 2000 1000; do
    echo "round $round ppa $ppa load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"
    PYTHONPATH=$OLD nice -n 5 .venv/bin/python experiments/session27/kern/split.py --ppa $ppa -n "$N" >> "$OUT"
    nice -n 5 .venv/bin/python experiments/session27/kern/split.py --ppa $ppa -n "$N" >> "$OUT"
  done
done
