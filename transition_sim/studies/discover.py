"""Scenario discovery on sweep results: where in parameter space is an outcome likely?

Each successful run is a case: its parameter values, and whether it ended in the outcome.

- PRIM (EMA Workbench's `Prim`) peels the parameter box towards the runs with the outcome. Every
  box on its peeling trajectory is reported with its **coverage** (the share of all the
  outcome's runs that fall inside) and **density** (the share of the box's runs that have the
  outcome); a smaller box is denser but covers less. The box highlighted is the densest with
  coverage of at least ``min_coverage`` (default 0.5): the choice is stated, and the whole
  trade-off is kept so a reader can pick another.
- Feature importances: a random forest (scikit-learn) predicts the outcome from the parameters;
  each parameter's importance is the drop in held-out ROC AUC when its values are shuffled
  (permutation importance, on a 30% test split). The held-out AUC itself says whether the
  importances mean anything (0.5: the parameters do not predict the outcome).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

MAX_FOREST_ROWS = 20_000  # a seeded subsample beyond this, to keep the forest quick

__all__ = ["DiscoveryError", "discover"]


class DiscoveryError(ValueError):
    """Nothing to discover in these runs (no parameter varies, or the outcome never or always
    happens)."""


def discover(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    outcome: str,
    *,
    min_coverage: float = 0.5,
    seed: int = 0,
) -> dict[str, Any]:
    """PRIM boxes and feature importances for ``outcome`` (module docstring)."""
    ok = runs[runs["error"].isna()]
    varied = [p for p in parameters if ok[p].nunique() > 1]
    if not varied:
        raise DiscoveryError("no parameter varies across these runs: nothing to discover")
    x = ok[varied].astype(float).reset_index(drop=True)
    y = (ok["outcome"] == outcome).to_numpy()
    if not y.any() or y.all():
        seen = ", ".join(sorted(ok["outcome"].unique()))
        which = "no" if not y.any() else "every"
        raise DiscoveryError(f"{which} run ends in {outcome!r} (outcomes seen: {seen})")
    return {
        "outcome": outcome,
        "runs": len(x),
        "share": float(y.mean()),
        "parameters": varied,
        "prim": _prim(x, y, min_coverage),
        "importance": _importance(x, y, seed),
    }


def _prim(x: pd.DataFrame, y: np.ndarray, min_coverage: float) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns about optional plotting packages
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y).find_box()
    trajectory = box.peeling_trajectory
    initial = box.box_lims[0]
    boxes = []
    for i, row in trajectory.iterrows():
        lims = box.box_lims[i]
        restricted = {
            name: [float(lims.loc[0, name]), float(lims.loc[1, name])]
            for name in x.columns
            if (lims.loc[0, name], lims.loc[1, name])
            != (initial.loc[0, name], initial.loc[1, name])
        }
        boxes.append(
            {
                "id": int(i),
                "coverage": float(row["coverage"]),
                "density": float(row["density"]),
                "mass": float(row["mass"]),
                "restricted": restricted,
                "qp_values": {
                    k: [float(v) for v in box.p_values[i].get(k, [])] for k in restricted
                },
            }
        )
    eligible = [b for b in boxes if b["coverage"] >= min_coverage]
    chosen = max(eligible, key=lambda b: (b["density"], b["coverage"])) if eligible else None
    return {
        "min_coverage": min_coverage,
        "chosen": None if chosen is None else chosen["id"],
        "rule": f"the densest box with coverage >= {min_coverage:g}",
        "boxes": boxes,
    }


def _importance(x: pd.DataFrame, y: np.ndarray, seed: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    if len(x) > MAX_FOREST_ROWS:
        keep = np.sort(rng.choice(len(x), MAX_FOREST_ROWS, replace=False))
        x, y = x.iloc[keep].reset_index(drop=True), y[keep]
    stratify = y if min(y.sum(), (~y).sum()) >= 2 else None
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=seed, stratify=stratify
    )
    forest = RandomForestClassifier(
        n_estimators=100, min_samples_leaf=5, random_state=seed, n_jobs=1
    ).fit(x_train, y_train)
    if len(np.unique(y_test)) < 2:
        return {
            "auc": None,
            "note": "the test split holds one class only",
            "names": list(x.columns),
        }
    auc = roc_auc_score(y_test, forest.predict_proba(x_test)[:, 1])
    scores = permutation_importance(
        forest, x_test, y_test, scoring="roc_auc", n_repeats=10, random_state=seed, n_jobs=1
    )
    order = np.argsort(-scores.importances_mean)
    return {
        "method": "permutation importance (drop in held-out ROC AUC), random forest",
        "rows": len(x),
        "auc": float(auc),
        "names": [x.columns[i] for i in order],
        "importance": [float(scores.importances_mean[i]) for i in order],
        "std": [float(scores.importances_std[i]) for i in order],
    }
