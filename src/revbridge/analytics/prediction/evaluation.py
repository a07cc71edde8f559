"""Cross-validation of several lead scores on the same folds.

The leads are cut into ``folds`` stratified folds (each with about the same conversion rate; shuffled
with a fixed seed, so a run can be repeated). For each fold in turn, every scorer learns from the other
folds only and scores the held-out fold; each figure (ROC AUC, PR AUC, Brier; see ``metrics``) is
computed per held-out fold and averaged over the folds. The held-out scores of all folds together
(each lead scored once, by a scorer that never saw it) give the calibration and gain tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from revbridge.analytics.prediction.metrics import (
    brier,
    calibration_table,
    gain_table,
    pr_auc,
    roc_auc,
)
from revbridge.analytics.prediction.model import LeadModel
from revbridge.analytics.prediction.naive_bayes import NaiveBayes
from revbridge.analytics.prediction.rules import points_to_probability

__all__ = [
    "Evaluation",
    "Fold",
    "Scores",
    "brier",
    "calibration_table",
    "cross_validate",
    "gain_table",
    "model_scorer",
    "naive_bayes_scorer",
    "pr_auc",
    "roc_auc",
    "rules_scorer",
]

METRICS = ("roc_auc", "pr_auc", "brier")


@dataclass(frozen=True)
class Fold:
    """One round: the whole frame and labels, the rows to learn from and the rows to score."""

    number: int
    features: pd.DataFrame
    labels: np.ndarray
    train: np.ndarray  # row positions
    test: np.ndarray

    @property
    def train_features(self) -> pd.DataFrame:
        return self.features.iloc[self.train]

    @property
    def test_features(self) -> pd.DataFrame:
        return self.features.iloc[self.test]

    @property
    def train_labels(self) -> np.ndarray:
        return np.asarray(self.labels[self.train])


@dataclass(frozen=True)
class Scores:
    """A scorer's output on the held-out rows: what ranks them, and a probability of converting."""

    ranking: np.ndarray
    probability: np.ndarray


Scorer = Callable[[Fold], Scores]


def model_scorer(seed: int = 0) -> Scorer:
    """The calibrated LightGBM model; it ranks by its probability."""

    def score(fold: Fold) -> Scores:
        model = LeadModel(seed=seed).fit(fold.train_features, fold.train_labels)
        p = model.predict_proba(fold.test_features)
        return Scores(p, p)

    return score


def naive_bayes_scorer() -> Scorer:
    """The Odoo-style naive Bayes; it ranks by its probability, which is used as it comes."""

    def score(fold: Fold) -> Scores:
        p = NaiveBayes().fit(fold.train_features, fold.train_labels).predict_proba(fold.test_features)
        return Scores(p, p)

    return score


def rules_scorer(points: np.ndarray) -> Scorer:
    """The SLA's fit points (one per row of the frame); ranks by points, probability by their isotonic
    map fitted on the training rows."""

    def score(fold: Fold) -> Scores:
        test_points = points[fold.test]
        p = points_to_probability(points[fold.train], fold.train_labels, test_points)
        return Scores(test_points, p)

    return score


@dataclass
class ScorerResult:
    """One scorer's figures: per fold, their means, and every row's held-out scores."""

    per_fold: list[dict[str, float]] = field(default_factory=list)
    ranking: np.ndarray = field(default_factory=lambda: np.empty(0))
    probability: np.ndarray = field(default_factory=lambda: np.empty(0))
    seconds: float = 0.0

    def mean(self) -> dict[str, float]:
        return {m: float(np.mean([f[m] for f in self.per_fold])) for m in METRICS}


@dataclass
class Evaluation:
    """The cross-validated comparison: for each scorer, its ``ScorerResult``."""

    labels: np.ndarray
    folds: int
    seed: int
    results: dict[str, ScorerResult]

    def calibration(self, name: str) -> pd.DataFrame:
        return calibration_table(self.labels, self.results[name].probability)

    def gain(self, name: str) -> pd.DataFrame:
        return gain_table(self.labels, self.results[name].ranking)

    def as_json(self) -> dict[str, Any]:
        """Per scorer: the means over folds (``roc_auc``, ``pr_auc``, ``brier``) and ``per_fold``."""
        return {
            name: {**result.mean(), "per_fold": result.per_fold, "seconds": round(result.seconds, 3)}
            for name, result in self.results.items()
        }


def cross_validate(
    features: pd.DataFrame, labels: np.ndarray, scorers: Mapping[str, Scorer], *, folds: int = 5, seed: int = 0
) -> Evaluation:
    """Every scorer on the same stratified folds; see the module's docstring for what is measured."""
    labels = np.asarray(labels, dtype=int)
    smaller = int(min(labels.sum(), len(labels) - labels.sum()))
    if folds < 2 or folds > smaller:
        raise ValueError(f"{folds} folds need 2 or more, and at most {smaller} (the rarer outcome's count)")
    results = {name: ScorerResult() for name in scorers}
    for result in results.values():
        result.ranking = np.zeros(len(labels))
        result.probability = np.zeros(len(labels))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for number, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels), start=1):
        fold = Fold(number, features, labels, train, test)
        truth = labels[test]
        for name, scorer in scorers.items():
            began = time.perf_counter()
            scores = scorer(fold)
            result = results[name]
            result.seconds += time.perf_counter() - began
            result.ranking[test], result.probability[test] = scores.ranking, scores.probability
            result.per_fold.append(
                {
                    "fold": number,
                    "roc_auc": roc_auc(truth, scores.ranking),
                    "pr_auc": pr_auc(truth, scores.ranking),
                    "brier": brier(truth, scores.probability),
                }
            )
    return Evaluation(labels, folds, seed, results)
