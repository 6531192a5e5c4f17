#!/bin/sh
# Diagnostic variants of how a block reads its own people (not a model change on the branch):
# run from a scratch worktree of 05b6724 whose blocks.py `_decide` reads the environment
# variable D25_OWN (the patch: kernel_screen_own.patch): 0 main (own block at yesterday's
# state), 1 own block read at the mean of yesterday's and today's state (one predictor step),
# 2 own block read at the vision's current mean share per block, 3 own block not read.
# A numba cache per variant (NUMBA_CACHE_DIR), as the switch is a compile-time global.
OUT=$1
for v in 1:own_half 2:own_mean 3:own_none; do
  mode=${v%%:*}; tag=${v#*:}
  D25_OWN=$mode NUMBA_CACHE_DIR=/tmp/nc$mode nice -n 5 uv run python \
    experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 500 --n 100 --days 30 --tag $tag
done
# and D25_MOVE=1: a unit moves to a uniform point of its whole region each day (not of its disc)
D25_MOVE=1 NUMBA_CACHE_DIR=/tmp/ncm1 nice -n 5 uv run python \
  experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 500 --n 100 --days 30 --tag teleport
# and D25_SIGHT=1: session 24's a57ee3a (the sight holds vision_people with her own block
# included, the units' disc vision_people), alone and with the units re-placed (D25_MOVE=1)
D25_SIGHT=1 NUMBA_CACHE_DIR=/tmp/nc0 nice -n 5 uv run python \
  experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 2000 1000 500 --n 100 --days 30 --tag sight
D25_SIGHT=1 D25_MOVE=1 NUMBA_CACHE_DIR=/tmp/ncm1 nice -n 5 uv run python \
  experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 2000 1000 500 --n 100 --days 30 --tag sight_teleport
# and D25_MOVE=2 / 3: a unit's daily move to a uniform point of a disc twice / half as wide
D25_MOVE=2 NUMBA_CACHE_DIR=/tmp/ncm2 nice -n 5 uv run python \
  experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 500 --n 100 --days 30 --tag step_double
D25_MOVE=3 NUMBA_CACHE_DIR=/tmp/ncm3 nice -n 5 uv run python \
  experiments/session25/deaths/kernel_screen.py $OUT --ppa 4000 1000 500 --n 100 --days 30 --tag step_half
