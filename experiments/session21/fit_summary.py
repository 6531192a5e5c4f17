"""The fit across the library as README "Fitting across the library" reports it: per generation
the threshold, evaluations, acceptance, ESS and the weighted parts of the distance; the posterior's
weighted means (5-95%); the weighted posterior predictive of the baseline and of the library.

    uv run python experiments/session21/fit_summary.py [experiments/fit/results/library]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pyabc import History

from transition_sim.studies.fit import distance_by_generation
from transition_sim.studies.fit_report import weighted_quantile


def main(folder: Path) -> None:
    diagnostics = pd.read_parquet(folder / "diagnostics.parquet")
    parts = distance_by_generation(History(f"sqlite:///{folder / 'abc.db'}"))
    table = diagnostics.merge(parts, on="generation")
    columns = ["generation", "epsilon", "evaluations", "acceptance", "ESS", "record"]
    print("| " + " | ".join([*columns, "patterns", "classes"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for r in table.itertuples():
        eps = "∞" if not np.isfinite(r.epsilon) else f"{r.epsilon:.3f}"
        print(f"| {r.generation} | {eps} | {r.evaluations} | {r.acceptance_rate:.2f} | {r.ess:.1f}"
              f" | {r.record:.2f} | {r.patterns:.2f} | {r.classes:.2f} |")  # fmt: skip
    posterior = pd.read_parquet(folder / "posterior.parquet")
    w = posterior.weight.to_numpy()
    print(f"\nlargest weight {w.max():.3f}; posterior means (5-95%):")
    for column in posterior.columns[2:]:
        x = posterior[column].to_numpy()
        lo, hi = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
        print(f"  {column}: {np.sum(w * x):.3g} ({lo:.3g}-{hi:.3g})")
    predictive = pd.read_parquet(folder / "predictive.parquet")
    weight = dict(zip(posterior.particle, posterior.weight, strict=True))
    predictive["w"] = predictive.particle.map(weight)
    base = predictive[predictive.case == predictive.case.iloc[0]]

    def median(column: str) -> float:
        frame = base.dropna(subset=[column])
        return weighted_quantile(frame[column].to_numpy(), frame.w.to_numpy(), 0.5)

    invited = ((base.invitation_day >= 2) & (base.invitation_day <= 6)) * base.w
    print(f"\nbaseline ({base.case.iloc[0]}): median deaths {median('deaths'):.0f}, detentions"
          f" {median('detained'):.0f}, Almaty's peak {median('peak_crowd'):.0f}, days to order"
          f" {median('days_to_order'):.0f}, invited on days 2-6"
          f" {invited.sum() / base.w.sum():.2f}")  # fmt: skip
    cases = predictive[predictive.case != base.case.iloc[0]]
    hit = (cases.hit * cases.w).groupby(cases.case).sum() / cases.w.groupby(cases.case).sum()
    print(
        f"library: mean share of runs with the observed class {hit.mean():.2f} ({len(hit)} cases)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "experiments/fit/results/library"))
