"""The predictive score: gradient-boosted trees (LightGBM), probabilities calibrated, reasons per lead.

**The model**: LightGBM on the feature frame as it is: numbers as numbers, categories by LightGBM's own
categorical splits, missing values sent down whichever branch fits the training rows better. The
settings are fixed here (small trees, a slow learning rate, a minimum of leads per leaf), not tuned on
any evaluation's test rows.

**Calibration**: a probability of 0.3 should mean that 3 leads in 10 scored so convert. Boosted trees'
raw outputs drift from that, so an isotonic map from raw output to observed rate is fitted on
out-of-fold predictions made *inside the training rows* (``CalibratedClassifierCV``, ``ensemble=False``:
``calibration_folds`` folds of the training rows, each predicted by trees fitted on the others; then the
trees are fitted once on all training rows). The rows being scored are never seen by the trees or by
the calibration.

**Reasons** (``contributions``): each feature's share of a lead's raw score, in log odds, by TreeSHAP
(LightGBM's ``pred_contrib``): they add up, with the base value, to the trees' raw output for that lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.calibration import CalibratedClassifierCV

TREE_SETTINGS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "cat_smooth": 10.0,
    "verbose": -1,
}


@dataclass(frozen=True)
class Reason:
    """One feature's push on a lead's score, in log odds (positive: towards converting)."""

    feature: str
    value: Any
    contribution: float


@dataclass
class LeadModel:
    """Calibrated LightGBM. Columns are passed to LightGBM as ``f0, f1, ...`` (export headers may hold
    characters it refuses) and named back in the reasons."""

    seed: int = 0
    calibration_folds: int = 3
    threads: int = 1  # OpenMP threads; on a busy machine more than one was 20x slower, not faster
    columns: tuple[str, ...] = ()
    calibrated: CalibratedClassifierCV | None = None

    def _coded(self, frame: pd.DataFrame) -> pd.DataFrame:
        coded = frame.loc[:, list(self.columns)].copy()
        coded.columns = [f"f{i}" for i in range(len(self.columns))]
        return coded

    def fit(self, frame: pd.DataFrame, labels: np.ndarray) -> LeadModel:
        self.columns = tuple(str(c) for c in frame.columns)
        trees = LGBMClassifier(**TREE_SETTINGS, random_state=self.seed, n_jobs=self.threads)
        self.calibrated = CalibratedClassifierCV(
            trees, method="isotonic", cv=self.calibration_folds, ensemble=False
        ).fit(self._coded(frame), np.asarray(labels, dtype=int))
        return self

    @property
    def trees(self) -> LGBMClassifier:
        """The trees fitted on all training rows (the ones the calibration maps)."""
        if self.calibrated is None:
            raise ValueError("fit the model first")
        estimator: LGBMClassifier = self.calibrated.calibrated_classifiers_[0].estimator
        return estimator

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of converting, for each row."""
        if self.calibrated is None:
            raise ValueError("fit the model first")
        return np.asarray(self.calibrated.predict_proba(self._coded(frame))[:, 1], dtype=float)


def contributions(model: LeadModel, frame: pd.DataFrame, *, top: int = 3) -> list[list[Reason]]:
    """Each row's ``top`` features by the size of their contribution to the trees' raw score (log odds,
    TreeSHAP), largest first; features that contribute nothing are left out."""
    raw = np.asarray(model.trees.predict(model._coded(frame), pred_contrib=True), dtype=float)
    return reasons_of(raw, model.columns, frame, top)


def reasons_of(raw: np.ndarray, columns: tuple[str, ...], frame: pd.DataFrame, top: int) -> list[list[Reason]]:
    """From LightGBM's contributions (a column per feature, then the base value) of the rows of
    ``frame``: each row's ``top`` features by the size of their contribution, largest first."""
    per_feature = raw[:, :-1]  # the last column is the base value
    out: list[list[Reason]] = []
    for row, values in enumerate(per_feature):
        order = np.argsort(-np.abs(values), kind="stable")[:top]
        out.append(
            [
                Reason(columns[i], _plain(frame[columns[i]].iat[row]), float(values[i]))
                for i in order
                if values[i] != 0.0
            ]
        )
    return out


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
