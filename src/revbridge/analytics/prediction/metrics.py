"""How good a lead score is, in the numbers sales and marketing can read.

- **ROC AUC**: the chance that a converting lead, picked at random, scores higher than a non-converting
  one (ties count half). 0.5 is a coin; 1.0 is a perfect ranking. Needs only an order, not a probability.
- **PR AUC** (average precision): the precision (share of converting leads) averaged over every cut of the
  list from the top, weighted by the recall each cut adds. Its floor is the conversion rate itself.
- **Brier score**: the mean squared gap between the predicted probability and the outcome (1 or 0).
  Lower is better; always predicting the base rate r scores r(1 - r). Needs a probability.
- **Calibration table**: the leads cut into ten groups of equal count by predicted probability (deciles);
  per group, the mean predicted probability beside the observed conversion rate, and the count.
- **Gain table**: the leads ordered by score, best first, cut into ten equal groups; per group, the
  conversions it holds and the running share of all conversions ("the top 20% of leads hold 55% of
  conversions"), and the lift (that share over the share of leads). Leads with equal scores keep the
  order they came in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

DECILES = 10


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores))


def pr_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(average_precision_score(labels, scores))


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return float(brier_score_loss(labels, probabilities))


def _groups(order: np.ndarray, groups: int) -> np.ndarray:
    """For each row, its group (0 .. groups - 1) when rows are taken in ``order`` and cut into equal parts."""
    group = np.empty(len(order), dtype=int)
    group[order] = (np.arange(len(order)) * groups) // max(len(order), 1)
    return group


def calibration_table(labels: np.ndarray, probabilities: np.ndarray, groups: int = DECILES) -> pd.DataFrame:
    """Per decile of predicted probability (1 = lowest): count, mean predicted, observed rate."""
    order = np.argsort(np.asarray(probabilities, dtype=float), kind="stable")
    frame = pd.DataFrame(
        {"decile": _groups(order, groups) + 1, "predicted": probabilities, "observed": labels.astype(float)}
    )
    table = frame.groupby("decile").agg(
        count=("observed", "size"), mean_predicted=("predicted", "mean"), observed_rate=("observed", "mean")
    )
    return table.reset_index()


def gain_table(labels: np.ndarray, scores: np.ndarray, groups: int = DECILES) -> pd.DataFrame:
    """Per decile of score (1 = the best-scored tenth): leads, conversions, cumulative share of leads and
    of conversions, and lift = cumulative share of conversions / cumulative share of leads."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    frame = pd.DataFrame({"decile": _groups(order, groups) + 1, "converted": labels.astype(int)})
    table = frame.groupby("decile").agg(leads=("converted", "size"), conversions=("converted", "sum"))
    total_leads, total_conversions = int(table.leads.sum()), int(table.conversions.sum())
    table["cumulative_leads_share"] = table.leads.cumsum() / total_leads
    table["cumulative_conversions_share"] = table.conversions.cumsum() / max(total_conversions, 1)
    table["lift"] = table.cumulative_conversions_share / table.cumulative_leads_share
    return table.reset_index()
