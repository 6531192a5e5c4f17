#!/bin/sh
# Third pass (after runs2.sh): the two other hand-set constants of the triggers section that reach
# a case: the long decline's performance loss (two holds) and the outrage's daily decay.
set -e
D=experiments/diagnosis/triggers
R="nice -n 10 uv run python $D/run.py"
for v in -0.05 -0.2; do
  $R venezuela_2017,zimbabwe_2008 "ld$v:triggers.long_decline.performance=$v" --out $D/runs -n 40
done
for v in 0.1 0.5; do
  $R nicaragua_2018,tunisia_2011 "od$v:triggers.outrage_decay=$v" --out $D/runs -n 40
done
