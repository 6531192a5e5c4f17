#!/bin/sh
# The runs as launched (09:44 UTC, from the repository's root, UV_PYTHON set): two long-lived
# processes, one resolution each at any time, nice 5, both stopping at 10:34 wall clock.
# A: 1,000 people per agent to replication 6,000, then 2,000 and 1,000 alternately in chunks of
#    500 from 6,000 on; B: 2,000 to 6,000, then 500 from replication 0 on.
D=experiments/session24/deaths
nohup nice -n 5 uv run python $D/worker.py $D/runs_A.csv --phase 1000@0-6000 \
    --phase 2000,1000@6000-30000 --chunk 500 --deadline 10:34 > /tmp/d24_A.log 2>&1 &
nohup nice -n 5 uv run python $D/worker.py $D/runs_B.csv --phase 2000@0-6000 \
    --phase 500@0-30000 --chunk 500 --deadline 10:34 > /tmp/d24_B.log 2>&1 &
wait
uv run python $D/merge.py
uv run python $D/analyse.py $D/runs.csv $D/analysis.json --resolutions 2000 1000 \
    --resolutions 2000 1000 500
uv run python $D/report.py
