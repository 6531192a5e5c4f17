#!/bin/sh
# Every number of README.md, in order, from the project root (session 22; about 10 min of CPU).
set -e
D=experiments/diagnosis/coup_trap
REF=experiments/session21/backtest_shipped_n100.json  # "before": main's model, 100 per case
nice -n 10 uv run transition-sim backtest scenarios/cases -n 100 -w 1 --uncertainty point --json > $D/after_n100.json
uv run python experiments/session21/table.py $D/after_n100.json > $D/after_table.md
uv run python $D/sweep.py --check $REF $D/after_n100.json > $D/check_no_history.txt
for t in 0.5 2.3 5 10 20; do
  nice -n 10 uv run python $D/sweep.py $REF $D/trap_$t.json --trap $t -n 100
done
for m in 5 20; do
  nice -n 10 uv run python $D/sweep.py $REF $D/trap_1.1_memory_$m.json --trap 1.1 --memory $m -n 100
done
nice -n 10 uv run python $D/sweep.py $REF $D/trap_2.3_memory_20.json --trap 2.3 --memory 20 -n 100
uv run python $D/summary.py before=$REF "0.5=$D/trap_0.5.json" "1.1 (point)=$D/after_n100.json" \
  "2.3=$D/trap_2.3.json" "5*=$D/trap_5.json" "10*=$D/trap_10.json" "20*=$D/trap_20.json" \
  > $D/sweep_trap.md
uv run python $D/summary.py "1.1, half-life 5=$D/trap_1.1_memory_5.json" \
  "1.1, half-life 10=$D/after_n100.json" "1.1, half-life 20=$D/trap_1.1_memory_20.json" \
  "2.3, half-life 20=$D/trap_2.3_memory_20.json" > $D/sweep_memory.md
