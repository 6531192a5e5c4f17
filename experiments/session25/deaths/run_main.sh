#!/bin/sh
# The main model's runs as launched (11:19 UTC, from the repository's root, UV_PYTHON set): one
# long-lived process (nice 5, one worker), session 24's worker.py at point 1025 (guard 0):
# 500 people per agent from replication 4,307 (session 24 stopped there) to 10,500 (where 2,000
# and 1,000 stopped), then 2,000, 1,000 and 500 alternately in chunks of 500 from 10,500 on.
D=experiments/session25/deaths
nohup nice -n 5 uv run python experiments/session24/deaths/worker.py $D/runs_main.csv \
    --phase 500@4307-10500 --phase 2000,1000,500@10500-30000 --chunk 500 --deadline 12:45 \
    > /tmp/d25_main.log 2>&1 &
echo $! > /tmp/d25_main.pid
