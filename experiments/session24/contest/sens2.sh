#!/bin/sh
# Whole people alone (guard 0) at point 1025 on the second set of 500 (seed 12), after sens.sh.
cd /work/wt/contest24
O=experiments/session24/contest
while kill -0 24398 2>/dev/null; do sleep 5; done
nice -n 5 .venv/bin/python $O/measure.py --point $O/point_blocks24.json --set violence.site_guard=0 --seed 12 > $O/blocks24_guard0_12.json
