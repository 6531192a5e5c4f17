#!/bin/sh
# Second pass (after runs.sh): where the election and term-limit switches sit (-0.4, -0.45), and
# the two legitimacy shifts moved together (the claims give them one number). Same protocol.
set -e
D=experiments/diagnosis/triggers
R="nice -n 10 uv run python $D/run.py"
DE=belarus_2020,iran_2009,mali_2020,philippines_1986,russia_2011,serbia_2000,togo_2005,ukraine_2004,zimbabwe_2008
TL=armenia_2018,burkina_faso_2014,venezuela_2017
for v in -0.4 -0.45; do
  $R $DE "de$v:triggers.disputed_election.legitimacy=$v" --out $D/runs -n 40
  $R $TL "tl$v:triggers.term_limit_evasion.legitimacy=$v" --out $D/runs -n 40
done
for v in -0.2 -0.35 -0.6; do
  $R $DE,$TL "both$v:triggers.disputed_election.legitimacy=$v,triggers.term_limit_evasion.legitimacy=$v" --out $D/runs -n 40
done
