"""The baseline: naive Bayes over per-field won/lost frequencies, the way Odoo CRM scores leads.

For each field f and each of its values v seen in training, count the converted (won) and the other
(lost) leads with that value, each count plus ``alpha`` (Odoo adds 0.1 to every frequency so that no
value has a zero frequency). Then

    P(v | won) = (won(f, v) + alpha) / Σ_v' (won(f, v') + alpha)      (and the same for lost)
    S(won) = P(won) · Π_f P(v_f | won),   S(lost) = P(lost) · Π_f P(v_f | lost)
    P(won | values) = S(won) / (S(won) + S(lost))

with P(won) the share of converted leads in training. As in Odoo, a missing value, or one never seen
in training, leaves its field out of the product. Numeric fields are first cut into ``bins`` quantile
bins (edges from the training rows only), each bin a value. Computed as log odds, so that many fields
do not underflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from revbridge.analytics.prediction.frames import numeric_columns

ODOO_SMOOTHING = 0.1


def quantile_edges(values: pd.Series, bins: int) -> np.ndarray:
    """The inner edges that cut ``values`` (missing ignored) into ``bins`` bins of about equal count."""
    present = values.dropna().to_numpy(dtype=float)
    if present.size == 0:
        return np.empty(0)
    return np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))


def binned(values: pd.Series, edges: np.ndarray) -> pd.Series:
    """Each number as the index of its bin (0 .. len(edges)), missing kept missing."""
    codes = np.searchsorted(edges, values.to_numpy(dtype=float), side="right").astype(float)
    codes[values.isna().to_numpy()] = np.nan
    return pd.Series(codes, index=values.index)


@dataclass
class NaiveBayes:
    """Fit on a training frame, then ``predict_proba`` gives P(won | values) for each row."""

    alpha: float = ODOO_SMOOTHING
    bins: int = 10
    prior_log_odds: float = 0.0
    edges: dict[str, np.ndarray] = field(default_factory=dict)
    log_ratios: dict[str, dict[object, float]] = field(default_factory=dict)

    def _values(self, frame: pd.DataFrame, name: str) -> pd.Series:
        column = frame[name]
        if name in self.edges:
            return binned(column, self.edges[name])
        return column.astype(object).where(column.notna(), None)

    def fit(self, frame: pd.DataFrame, labels: np.ndarray) -> NaiveBayes:
        won = np.asarray(labels, dtype=bool)
        n_won, n_lost = int(won.sum()), int((~won).sum())
        if n_won == 0 or n_lost == 0:
            raise ValueError("naive Bayes needs converted and not converted leads to learn from")
        self.prior_log_odds = float(np.log(n_won / n_lost))
        self.edges = {name: quantile_edges(frame[name], self.bins) for name in numeric_columns(frame)}
        self.log_ratios = {}
        for name in frame.columns:
            values = self._values(frame, str(name))
            counts = pd.crosstab(values, won, dropna=True).reindex(columns=[True, False], fill_value=0)
            if counts.empty:
                continue
            smoothed = counts.to_numpy(dtype=float) + self.alpha
            p_given = smoothed / smoothed.sum(axis=0)
            ratio = np.log(p_given[:, 0]) - np.log(p_given[:, 1])
            self.log_ratios[str(name)] = dict(zip(counts.index.tolist(), ratio.tolist(), strict=True))
        return self

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        total = np.full(len(frame), self.prior_log_odds)
        for name, ratios in self.log_ratios.items():
            if name in frame.columns:
                mapped = self._values(frame, name).map(ratios)
                total += pd.to_numeric(mapped, errors="coerce").fillna(0.0).to_numpy(dtype=float)
        return total

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """P(won | values) for each row, in [0, 1]."""
        return np.asarray(expit(self.log_odds(frame)), dtype=float)
