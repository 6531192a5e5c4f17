#!/bin/sh
# The sweep (session 17): one constant at a time, 40 replications per case, each case's own seed,
# point values at the shipped baseline; one run at a time, one worker. From the project's root.
set -e
D=experiments/diagnosis/triggers
R="nice -n 10 uv run python $D/run.py"
DE=belarus_2020,iran_2009,mali_2020,philippines_1986,russia_2011,serbia_2000,togo_2005,ukraine_2004,zimbabwe_2008
TL=armenia_2018,burkina_faso_2014,venezuela_2017
FK=nicaragua_2018,tunisia_2011
LI=east_germany_1989
# the shipped point, the whole library (the control of every table)
nice -n 10 uv run python $D/run.py all control: --out $D/runs -n 40 --workers 1
# the check: one arm over the whole library, against the same arm on its cases only
$R all "de-0.25_all:triggers.disputed_election.legitimacy=-0.25" --out $D/runs -n 40
for v in -0.1 -0.2 -0.25 -0.35 -0.6 -0.75; do
  $R $DE "de$v:triggers.disputed_election.legitimacy=$v" --out $D/runs -n 40
done
for v in 0 0.25 0.75 1; do
  $R $DE,$TL "allies$v:triggers.disputed_election.allies=$v,triggers.term_limit_evasion.allies=$v,triggers.policy_reversal.allies=$v" --out $D/runs -n 40
done
for v in -0.1 -0.2 -0.25 -0.35 -0.6 -0.75; do
  $R $TL "tl$v:triggers.term_limit_evasion.legitimacy=$v" --out $D/runs -n 40
done
for v in 0.05 0.15 0.2; do
  $R $FK "fk$v:triggers.focal_killing.outrage=$v" --out $D/runs -n 40
done
for v in 0 -0.2; do
  $R $LI "li$v:triggers.leader_illness.legitimacy=$v" --out $D/runs -n 40
done
