#!/bin/sh
# The tables of README.md from runs/ (after runs.sh, runs2.sh, runs3.sh): tables.md,
# scores.csv (one row per constant and value), moved_cases.csv (each case whose shares or peak moved).
set -e
D=experiments/diagnosis/triggers
rm -f $D/scores.csv $D/moved_cases.csv $D/tables.md
T() {
  c=$1; shift
  echo "### $c" >> $D/tables.md; echo >> $D/tables.md
  uv run python $D/table.py --constant "$c" --csv $D/scores.csv --cases-csv $D/moved_cases.csv \
    -- $D/runs/control "$@" >> $D/tables.md
  echo >> $D/tables.md
}
S="(shipped)="
T triggers.disputed_election.legitimacy "-0.1=$D/runs/de-0.1" "-0.2=$D/runs/de-0.2" \
  "-0.25=$D/runs/de-0.25" "-0.35=$D/runs/de-0.35" "-0.4=$D/runs/de-0.4" "-0.45=$D/runs/de-0.45" \
  "-0.5 $S" "-0.6=$D/runs/de-0.6" "-0.75=$D/runs/de-0.75"
T "triggers.*.allies (all three)" "0=$D/runs/allies0" "0.25=$D/runs/allies0.25" "0.5 $S" \
  "0.75=$D/runs/allies0.75" "1=$D/runs/allies1"
T triggers.term_limit_evasion.legitimacy "-0.1=$D/runs/tl-0.1" "-0.2=$D/runs/tl-0.2" \
  "-0.25=$D/runs/tl-0.25" "-0.35=$D/runs/tl-0.35" "-0.4=$D/runs/tl-0.4" "-0.45=$D/runs/tl-0.45" \
  "-0.5 $S" "-0.6=$D/runs/tl-0.6" "-0.75=$D/runs/tl-0.75"
T "disputed_election and term_limit_evasion legitimacy together" "-0.2=$D/runs/both-0.2" \
  "-0.35=$D/runs/both-0.35" "-0.5 $S" "-0.6=$D/runs/both-0.6"
T triggers.focal_killing.outrage "0.05=$D/runs/fk0.05" "0.1 $S" "0.15=$D/runs/fk0.15" \
  "0.2=$D/runs/fk0.2"
T triggers.leader_illness.legitimacy "0=$D/runs/li0" "-0.1 $S" "-0.2=$D/runs/li-0.2"
T triggers.long_decline.performance "-0.05=$D/runs/ld-0.05" "-0.1 $S" "-0.2=$D/runs/ld-0.2"
T triggers.outrage_decay "0.1=$D/runs/od0.1" "0.2 $S" "0.5=$D/runs/od0.5"
