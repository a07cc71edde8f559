"""Is the predictive score still good? The stored model measured again on the outcomes that became known
after it was trained.

**Recent leads**: those that reached the scoring stage after the last lead the model was measured on,
and whose outcome is known by now (their horizon has passed). Each is scored as it stood then, by the
stored model, and the figures are computed as when it was trained: ROC AUC, PR AUC, Brier, the base rate,
and a calibration table (mean predicted probability beside the observed rate, by tenth of the score).

**Stale** when any of these holds, each a sign that what converts has changed since:
- ROC AUC on the recent leads is more than 0.05 below the model's own (it ranks worse);
- the Brier score is more than 20% above the model's own (its probabilities are further off);
- the recent base rate differs from the one it was measured on by more than half (the mix has moved);
- the scores of the recent leads are spread otherwise than those it was measured on: a population
  stability index above 0.25 (``Σ (a − e) ln(a / e)`` over the bins cut at the tenths of its measured
  scores, ``e`` their share in a bin, ``a`` the recent leads'; under 0.1 is the usual "no change");
- it learned from leads the last of which was scored more than 180 days ago (it is old).
With fewer than 50 recent leads, or recent leads of only one outcome, the figures say too little to
judge; the verdict says so, and the model's age alone can make it stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from revbridge.analytics.prediction.metrics import brier, calibration_table, pr_auc, roc_auc
from revbridge.analytics.prediction.saved_model import SavedModel
from revbridge.analytics.prediction.training import Label, vocabulary_of_description
from revbridge.analytics.source import Source
from revbridge.analytics.training_set import training_set

AUC_DROP = 0.05
BRIER_RISE = 0.20
BASE_RATE_SHIFT = 0.5
MAX_AGE = timedelta(days=180)
FEW = 50
PSI_LIMIT = 0.25


@dataclass(frozen=True)
class Checkup:
    """The stored model's figures then and now, and the verdict with its reasons."""

    version: int
    recent_leads: int
    then: dict[str, float]
    now: dict[str, float]
    age_days: int
    stale: bool
    reasons: list[str] = field(default_factory=list)
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "verdict": "stale" if self.stale else "fresh",
            "reasons": self.reasons,
            "recent_leads": self.recent_leads,
            "age_days": self.age_days,
            "then": self.then,
            "now": self.now,
        }


def checkup(
    source: Source, version: int, description: dict[str, Any], model: dict[str, Any], *, now: datetime
) -> Checkup:
    """The model of ``version`` (its stored description and text) measured on the recent leads."""
    label = Label(description["scored"], description["outcome"], timedelta(days=description["horizon_days"]))
    vocabulary = vocabulary_of_description(description)
    rows = training_set(
        source, until=now, scored=label.scored, outcome=label.outcome, horizon=label.horizon, vocabulary=vocabulary
    )
    last_measured = datetime.fromisoformat(description["measured_on"][1])
    recent = np.flatnonzero((rows.scored_at > pd.Timestamp(last_measured)).to_numpy())
    then = {name: float(description["metrics"][name]) for name in ("roc_auc", "pr_auc", "brier", "base_rate")}
    age = now - datetime.fromisoformat(description["learned_from"][1])
    reasons: list[str] = []
    figures: dict[str, float] = {}
    calibration = pd.DataFrame()
    truth = rows.converted[recent]
    if len(recent) >= FEW and 0 < truth.sum() < len(truth):
        p = SavedModel.from_dict(model).scorer().probability(rows.features.iloc[recent])
        figures = {
            "roc_auc": roc_auc(truth, p),
            "pr_auc": pr_auc(truth, p),
            "brier": brier(truth, p),
            "base_rate": float(truth.mean()),
        }
        calibration = calibration_table(truth, p)
        reasons += _drift(then, figures)
        if "spread" in description:
            spread = description["spread"]
            figures["stability_index"] = stability_index(np.asarray(spread["cuts"]), np.asarray(spread["shares"]), p)
            if figures["stability_index"] > PSI_LIMIT:
                reasons.append(f"the scores are spread otherwise: stability index {figures['stability_index']:.2f}")
    else:
        reasons.append(
            f"only {len(recent)} recent leads with a known outcome ({int(truth.sum())} converted): too few to "
            "measure the model again"
        )
    if age > MAX_AGE:
        reasons.append(f"it learned from leads scored up to {age.days} days ago (more than {MAX_AGE.days})")
    stale = any(not r.startswith("only ") for r in reasons)
    return Checkup(version, len(recent), then, figures, age.days, stale, reasons, calibration)


def stability_index(cuts: np.ndarray, expected: np.ndarray, scores: np.ndarray) -> float:
    """The population stability index of ``scores`` against a model's own: over the bins ``cuts`` make,
    ``Σ (a − e) ln(a / e)`` with ``e`` the share of its measured scores in a bin (``expected``) and ``a``
    the share of ``scores``; bins that held none of its scores are left out."""
    counts = np.bincount(np.searchsorted(cuts, scores, side="right"), minlength=len(cuts) + 1)
    share = np.maximum(counts / max(len(scores), 1), 1e-4)  # an empty bin counts as nearly empty, not -inf
    held = expected > 0
    return float(np.sum((share[held] - expected[held]) * np.log(share[held] / expected[held])))


def _drift(then: dict[str, float], now: dict[str, float]) -> list[str]:
    found = []
    if now["roc_auc"] < then["roc_auc"] - AUC_DROP:
        found.append(f"ROC AUC fell from {then['roc_auc']:.3f} to {now['roc_auc']:.3f} (more than {AUC_DROP})")
    if now["brier"] > then["brier"] * (1 + BRIER_RISE):
        rise = now["brier"] / then["brier"] - 1
        found.append(f"the Brier score rose {rise:.0%}, from {then['brier']:.3f} to {now['brier']:.3f}")
    if abs(now["base_rate"] - then["base_rate"]) > BASE_RATE_SHIFT * then["base_rate"]:
        found.append(f"the base rate moved from {then['base_rate']:.1%} to {now['base_rate']:.1%}")
    return found
