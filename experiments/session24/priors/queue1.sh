#!/bin/bash
cd /work/wt/priors24/experiments/session24/priors
export UV_PYTHON=/root/.pyenv/versions/3.12.1/bin/python3
while pgrep -f "screen.py kz_blocks_1015.yaml claims_blocks1015.yaml screen_blocks_entry_n60" >/dev/null; do sleep 5; done
nice -n 10 uv run python screen.py ../../../scenarios/kazakhstan_2022.yaml ../../../seeds/claims.yaml screen_agents_entry_n60.json -n 60 --by entry > screen_agents_entry_n60.log 2>&1
nice -n 10 uv run python screen.py kz_blocks_1015.yaml claims_blocks1015.yaml screen_blocks_prior_n60.json -n 60 --by prior --no-base --only \
  factions.police.units_per_1000 factions.KNB.units_per_1000 factions.army.units_per_1000 factions.guard.units_per_1000 factions.guard.deployment.Almaty \
  crowd.vision_people crowd.citizen_density crowd.arrest_constant crowd.active_threshold \
  expectations.contest_exponent expectations.bandwagon expectations.patron_weight expectations.stance_temperature expectations.inertia expectations.power_weight expectations.decision_temperature expectations.coup_penalty \
  camps.successor.legitimacy government.performance government.legitimacy_adjustment government.dismissal_legitimacy_gain government.purge_legitimacy_gain \
  crowd.contagion crowd.hardship.high crowd.social_signal triggers.price_rise.hardship protesters.violent_share regions.Almaty.violent_share regions.Almaty.crime_share protesters.crime_motivation government.lethal_force_armed_share violence.protester_lethality.3 violence.violent_lethality violence.detention_share expectations.protest_weight \
  > screen_blocks_prior_n60.log 2>&1
