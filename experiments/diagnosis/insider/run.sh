#!/bin/sh
# The runs of this folder, from the project root (the machine is shared: nice, two workers).
# Point values, the backtest's seeds (replication r of a case: replication_seed(case.seed, r)).
set -e
D=experiments/diagnosis/insider
R="nice -n 5 uv run python $D/run.py"
nice -n 5 uv run transition-sim backtest scenarios/cases -n 40 -w 2 --uncertainty point --json > $D/before.json
$R $(ls scenarios/cases/*.yaml | xargs -n1 basename | sed 's/.yaml//') -n 40 --out $D/library.csv
G="east_germany_1989 guinea_2008 sudan_1985 mali_2020 tunisia_1987"
J="$G zimbabwe_2017"
for c in $G; do J="$J $c:guardian1 $c:army_self"; done
for c in $G zimbabwe_2017; do J="$J $c@penalty0 $c@inertia0 $c@temp0.2"; done
J="$J east_germany_1989:no_counterweight guinea_2008:no_counterweight"
J="$J zimbabwe_2017:no_counterweight zimbabwe_2017:zdf_guardian"
$R $J -n 40 --out $D/swaps.csv
$R zimbabwe_2017:no_g40 east_germany_1989:disputed sudan_1985:disputed guinea_2008:disputed \
    east_germany_1989:disputed@penalty0 sudan_1985:disputed@penalty0 -n 40 --out $D/swaps2.csv
nice -n 5 uv run python $D/timeline.py zimbabwe_2017 --out $D/zimbabwe_2017_timeline.csv
gzip -9f $D/library.csv $D/swaps.csv $D/swaps2.csv
S="uv run python $D/summarize.py"
$S $D/library.csv.gz --out $D/library_jobs.csv > $D/library_jobs.md
$S $D/swaps.csv.gz $D/swaps2.csv.gz --out $D/swap_jobs.csv > $D/swap_jobs.md
$S $D/library.csv.gz --factions --only east_germany_1989 guinea_2008 sudan_1985 mali_2020 \
    tunisia_1987 zimbabwe_2017 burkina_faso_2014 serbia_2000 ukraine_2004 nepal_2006 \
    --out $D/factions.csv > $D/factions.md
uv run python $D/inputs.py east_germany_1989 guinea_2008 sudan_1985 mali_2020 tunisia_1987 \
    zimbabwe_2017 burkina_faso_2014 serbia_2000 ukraine_2004 nepal_2006 armenia_2018 > $D/inputs.md
# The two rejected changes (section 5): apply a patch, run, revert.
#   git apply $D/fixA_two_fronts.patch
#   nice -n 5 uv run transition-sim backtest scenarios/cases -n 40 -w 2 --uncertainty point --json > $D/fixA_backtest.json
#   $R mali_2020 serbia_2000 burkina_faso_2014 ukraine_2004 nepal_2006 togo_2005 sudan_1985 \
#       -n 40 --out $D/fixA_runs.csv
#   git apply -R $D/fixA_two_fronts.patch
#   (B likewise, fixB_posts_do_not_fight.patch; its runs: guinea_2008 sudan_1985 mali_2020
#    tunisia_1987 zimbabwe_2017 serbia_2000 armenia_2018 russia_2011 togo_2005 -> fixB_runs.csv)
uv run python $D/compare.py $D/before.json $D/fixA_backtest.json $D/fixB_backtest.json \
    > $D/fixes_compare.md
# Change C (section 7; applied on this branch since f8e755d): the library at point values with it,
# the Kazakhstan baseline, and leave-one-out under the posterior against the control (the model of
# f295b6e: `git show f295b6e:transition_sim/core/elites.py > transition_sim/core/elites.py`, run,
# then `git checkout transition_sim/core/elites.py`).
#   nice -n 5 uv run transition-sim backtest scenarios/cases -n 40 -w 2 --uncertainty point --json > $D/fixC_backtest.json
#   nice -n 5 uv run transition-sim run scenarios/kazakhstan_2022.yaml --point -n 500 -w 2 --json \
#       > $D/kz500_fixC.json      (and kz500_before.json on the control)
#   nice -n 5 uv run python $D/timeline.py zimbabwe_2017 --out $D/zimbabwe_2017_timeline_fixC.csv
#   nice -n 5 uv run transition-sim backtest scenarios/cases --loo \
#       --posterior experiments/fit/results/library -n 10 -w 2 --out $D/loo_fixC --json > /dev/null
#       (and --out $D/loo_control on the control)
#   uv run python $D/loo_compare.py > $D/loo_tables.md
#   $R zimbabwe_2017 zimbabwe_2017@pact0.33 zimbabwe_2017@backfire0.13 zimbabwe_2017@occupation0.3 \
#       zimbabwe_2017@invite_t0.05 tunisia_1987@pact0.33 -n 40 --out $D/fixC_posterior_terms.csv
