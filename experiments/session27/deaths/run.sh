#!/bin/sh
# The runs as launched (16:33 UTC, session 27, from the repository's root of main 05f38ed,
# UV_PYTHON set): two long-lived processes (nice 15, one worker each) of session 24's
# worker.py at point 1025 (guard 0), replications 11,000-25,499 (A) and 25,500-39,999 (B), each
# alternating 2,000, 1,000 and 500 people per agent in chunks of 250, until 18:20 UTC. The
# rows continue session 24's runs.csv and session 25's runs_main.csv (replications 0-10,999):
# the same model, scenario, seeds and row builder (replications checked identical first: the
# README). They were written to /work/scratch/d27/ and copied here (gzipped) at the end.
D=experiments/session27/deaths
for p in A:11000-25500 B:25500-40000; do
  n=${p%%:*}; r=${p#*:}
  nohup nice -n 15 uv run python experiments/session24/deaths/worker.py /work/scratch/d27/runs_$n.csv \
      --phase 2000,1000,500@$r --chunk 250 --deadline 18:20 \
      --point experiments/session24/deaths/point_1025_guard0.json > /tmp/d27_$n.log 2>&1 &
done
