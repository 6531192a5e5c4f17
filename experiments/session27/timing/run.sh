#!/bin/sh
# 1,000 replications of the shipped baseline on 2 cores, this tree against main before session
# 27 (OLD: a worktree of 05f38ed with its own environment), alternating, on the idle machine:
# as typed (drawn from the priors) and at point values. From the repository's root, UV_PYTHON
# exported. Writes time_n1000.txt (GNU time: wall, user, sys) and the load before and after.
set -e
OLD=${OLD:-/work/wt/old27}
OUT=$(pwd)/experiments/session27/timing
S=scenarios/kazakhstan_2022.yaml
uptime > $OUT/load_start.txt
for i in 1 2 3; do
  for tree in "$OLD" "$(pwd)"; do
    name=$([ "$tree" = "$OLD" ] && echo "05f38ed" || echo "this tree")
    (cd "$tree" && /usr/bin/time -f "%e s wall, %U s user, %S s sys ($name, as typed)" -a -o $OUT/time_n1000.txt \
      uv run transition-sim run $S -n 1000 -w 2 --out /tmp/s27_time --force > /dev/null 2>&1)
    (cd "$tree" && /usr/bin/time -f "%e s wall, %U s user, %S s sys ($name, --point)" -a -o $OUT/time_n1000.txt \
      uv run transition-sim run $S -n 1000 -w 2 --point --out /tmp/s27_time --force > /dev/null 2>&1)
  done
done
uptime > $OUT/load_end.txt
