#!/bin/sh
# Every number of README.md, in order (from the project root; `nice -n 10`, one worker: the
# machine is shared). Runs: ~0.1-1 s each; the two 100-run library backtests ~3 min each.
set -e
D=experiments/diagnosis/inverted
R="nice -n 10 uv run python $D/run.py"
$R kyrgyzstan_2010 philippines_1986 romania_1989 tunisia_2011 russia_2011 togo_2005 \
  venezuela_2017 zimbabwe_2008 sri_lanka_2022 -n 10 --out $D/cases.csv
$R tunisia_2011:disputed romania_1989:disputed kyrgyzstan_2010:disputed tunisia_2011:legit0.35 \
  philippines_1986:institutional russia_2011:focal russia_2011:no_trigger \
  venezuela_2017:no_trigger zimbabwe_2008:focal togo_2005:no_trigger russia_2011:patrimonial \
  venezuela_2017:patrimonial zimbabwe_2008:patrimonial -n 10 --out $D/swaps.csv
$R togo_2005:patrimonial sri_lanka_2022:one_camp russia_2011:small russia_2011:violent \
  tunisia_2011:violent philippines_1986:one_camp -n 10 --out $D/swaps2.csv
$R belarus_2020:patron_off ukraine_2004:one_camp ukraine_2004:patron_off burkina_faso_2014 \
  nicaragua_2018 -n 10 --out $D/swaps3.csv
$R tunisia_2011:focal romania_1989:focal kyrgyzstan_2010:focal -n 10 --out $D/swaps4.csv
J=""
for c in russia_2011 serbia_2000 tunisia_2011; do
  for v in 0.45 0.55 0.65 0.7 0.75 0.8; do J="$J $c:notrig_legit$v"; done
done
$R $J -n 6 --out $D/sweep.csv
$R $(ls scenarios/cases/*.yaml | xargs -n1 basename | sed 's/.yaml//') -n 6 --out $D/library.csv
uv run python $D/summarize.py > $D/tables.md
uv run python $D/bound.py > $D/bound.txt
# generic trigger settings on temporary copies of the whole library (diagnostics, not proposals)
T=$(mktemp -d)
uv run python $D/variant.py $T/t03 triggers.disputed_election.legitimacy=-0.3 \
  triggers.term_limit_evasion.legitimacy=-0.3
uv run python $D/variant.py $T/focal triggers.focal_killing.outrage=0.2 triggers.outrage_decay=0.1
nice -n 10 uv run transition-sim backtest $T/t03 -n 100 -w 1 --uncertainty point --json > $D/t03_n100.json
nice -n 10 uv run transition-sim backtest $T/focal -n 100 -w 1 --uncertainty point --json > $D/focal_n100.json
(cd $D && uv run python stances.py russia_2011 "Armed Forces" > stances_russia.txt)
