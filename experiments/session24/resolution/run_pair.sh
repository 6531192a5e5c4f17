#!/bin/sh
# Before and after the sight fix, alternately, on the same seeds (seed 20220105): chunks of 250
# replications at each resolution in turn, first in BEFORE's tree (main, d3e0114) into RUNS_MAIN,
# then in AFTER's (a57ee3a) into RUNS_FIX. One process at a time (the machine is shared).
# BEFORE_AT (default: all four) lists the resolutions run in BEFORE's tree: from replication 500
# on, BEFORE ran at 4000 2000 1000 only (the fix moves 500 least, and 500 costs most).
# usage: sh run_pair.sh BEFORE_TREE AFTER_TREE RUNS_MAIN RUNS_FIX LAST [FIRST] [BEFORE_AT]
before=$1; after=$2; main_csv=$3; fix_csv=$4; last=$5; start=${6:-0}
before_at=${7:-"4000 2000 1000 500"}
while [ $start -lt $last ]; do
  stop=$((start + 250))
  for ppa in 4000 2000 1000 500; do
    case " $before_at " in *" $ppa "*)
      (cd "$before" && nice -n 5 uv run python experiments/session24/resolution/runs.py "$main_csv" --ppa $ppa --start $start --stop $stop);;
    esac
    (cd "$after" && nice -n 5 uv run python experiments/session24/resolution/runs.py "$fix_csv" --ppa $ppa --start $start --stop $stop)
  done
  start=$stop
done
