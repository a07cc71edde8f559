"""The predictive score: gradient-boosted trees (LightGBM), probabilities calibrated, reasons per lead.

**The model**: LightGBM on the feature frame as it is: numbers as numbers, categories by LightGBM's own
categorical splits, missing values sent down whichever branch fits the training rows better. The
settings are fixed here (small trees, a slow learning rate, a minimum of leads per leaf), not tuned on
any evaluation's test rows.

**Calibration**: a probability of 0.3 should mean that 3 leads in 10 scored so convert. Boosted trees'
raw outputs (log odds) drift from that, so an isotonic map from raw output to observed rate is fitted on
raw outputs the trees did not learn from, *inside the training rows*: below ``HOLD_OUT_FROM`` rows, the
out-of-fold outputs of ``calibration_folds`` stratified folds (each predicted by trees fitted on the
others), then the trees are fitted once on all training rows (scikit-learn's ``CalibratedClassifierCV``
with ``ensemble=False`` does the same); from ``HOLD_OUT_FROM`` rows on, the trees learn from all but a
stratified ``HOLD_OUT`` share and the map from that share: one fit instead of four (at 800,000 rows,
61 s became about 15 s), with more than enough rows left for the map. The rows being scored are never
seen by the trees or by the calibration.

**Reasons** (``contributions``): each feature's share of a lead's raw score, in log odds, by TreeSHAP
(LightGBM's ``pred_contrib``): they add up, with the base value, to the trees' raw output for that lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

TREE_SETTINGS: dict[str, Any] = {
    "n_estimators": 100,  # 300 at 0.03 took 147 s to train on 1M leads, for the same AUC (benchmarks/predictive.py)
    "learning_rate": 0.09,
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


HOLD_OUT_FROM = 100_000  # training rows from which the calibration uses a held-out share, not folds
HOLD_OUT = 0.15


@dataclass
class LeadModel:
    """Calibrated LightGBM. Columns are passed to LightGBM as ``f0, f1, ...`` (export headers may hold
    characters it refuses) and named back in the reasons."""

    seed: int = 0
    calibration_folds: int = 3
    threads: int = 1  # OpenMP threads; on a busy machine more than one was 20x slower, not faster
    columns: tuple[str, ...] = ()
    fitted: LGBMClassifier | None = None
    isotonic: IsotonicRegression | None = None

    def _coded(self, frame: pd.DataFrame) -> pd.DataFrame:
        coded = frame.loc[:, list(self.columns)].copy()
        coded.columns = [f"f{i}" for i in range(len(self.columns))]
        return coded

    def _trees(self) -> LGBMClassifier:
        return LGBMClassifier(**TREE_SETTINGS, random_state=self.seed, n_jobs=self.threads)

    def fit(self, frame: pd.DataFrame, labels: np.ndarray) -> LeadModel:
        self.columns = tuple(str(c) for c in frame.columns)
        coded, y = self._coded(frame), np.asarray(labels, dtype=int)
        if len(y) >= HOLD_OUT_FROM:
            learn, held = train_test_split(np.arange(len(y)), test_size=HOLD_OUT, stratify=y, random_state=self.seed)
            self.fitted = self._trees().fit(coded.iloc[learn], y[learn])
            raw, truth = _raw(self.fitted, coded.iloc[held]), y[held]
        else:
            raw, truth = np.zeros(len(y)), y
            folds = StratifiedKFold(n_splits=self.calibration_folds, shuffle=True, random_state=self.seed)
            for learn, held in folds.split(coded, y):
                raw[held] = _raw(self._trees().fit(coded.iloc[learn], y[learn]), coded.iloc[held])
            self.fitted = self._trees().fit(coded, y)
        self.isotonic = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, truth)
        return self

    @property
    def trees(self) -> LGBMClassifier:
        """The trees whose raw output the calibration maps."""
        if self.fitted is None:
            raise ValueError("fit the model first")
        return self.fitted

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of converting, for each row."""
        if self.isotonic is None:
            raise ValueError("fit the model first")
        return np.asarray(self.isotonic.predict(_raw(self.trees, self._coded(frame))), dtype=float)


def _raw(trees: LGBMClassifier, coded: pd.DataFrame) -> np.ndarray:
    """The trees' raw output (log odds) for each row."""
    return np.asarray(trees.predict(coded, raw_score=True), dtype=float)


def contributions(model: LeadModel, frame: pd.DataFrame, *, top: int = 3) -> list[list[Reason]]:
    """Each row's ``top`` features by the size of their contribution to the trees' raw score (log odds,
    TreeSHAP), largest first; features that contribute nothing are left out."""
    raw = np.asarray(model.trees.predict(model._coded(frame), pred_contrib=True), dtype=float)
    return reasons_of(raw, model.columns, frame, top)


def reasons_of(raw: np.ndarray, columns: tuple[str, ...], frame: pd.DataFrame, top: int) -> list[list[Reason]]:
    """From LightGBM's contributions (a column per feature, then the base value) of the rows of
    ``frame``: each row's ``top`` features by the size of their contribution, largest first."""
    per_feature = raw[:, :-1]  # the last column is the base value
    ranked = np.argsort(-np.abs(per_feature), axis=1, kind="stable")[:, :top]
    pushes = np.take_along_axis(per_feature, ranked, axis=1)
    values = [frame[name].to_numpy(dtype=object) for name in columns]  # once a column, not once a reason
    return [
        [
            Reason(columns[j], _plain(values[j][row]), float(push))
            for j, push in zip(ranked[row].tolist(), pushes[row].tolist(), strict=True)
            if push != 0.0
        ]
        for row in range(len(per_feature))
    ]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
