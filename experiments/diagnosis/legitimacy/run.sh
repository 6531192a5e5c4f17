#!/bin/sh
# Score rule 14 against the control (main's case files at ece0b27), same seeds, point values.
# From the project's root; the machine is shared: nice, two workers.
set -e
L=experiments/diagnosis/legitimacy
CONTROL=${CONTROL:-/tmp/legit_control}
[ -d "$CONTROL/scenarios/cases" ] || { mkdir -p "$CONTROL"; git archive ece0b27 scenarios | tar -x -C "$CONTROL"; }
# the baseline reads the shipped posterior by a relative path (unchanged on this branch)
[ -e "$CONTROL/experiments" ] || ln -s "$(pwd)/experiments" "$CONTROL/experiments"
nice -n 5 uv run transition-sim backtest "$CONTROL/scenarios/cases" -n 40 -w 2 --uncertainty point --json > $L/control.json
nice -n 5 uv run transition-sim backtest scenarios/cases -n 40 -w 2 --uncertainty point --json > $L/rule14.json
