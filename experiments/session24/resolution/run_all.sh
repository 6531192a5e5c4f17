#!/bin/sh
# The main measurement: chunks of 250 replications at each resolution in turn, so that the four
# resolutions hold the same replications whenever the run is stopped (seed 20220105).
# usage: sh experiments/session24/resolution/run_all.sh OUT.csv LAST [extra runs.py args]
out=$1; last=$2; shift 2
start=0
while [ $start -lt $last ]; do
  stop=$((start + 250))
  for ppa in 4000 2000 1000 500; do
    nice -n 5 uv run python experiments/session24/resolution/runs.py "$out" --ppa $ppa --start $start --stop $stop "$@"
  done
  start=$stop
done
