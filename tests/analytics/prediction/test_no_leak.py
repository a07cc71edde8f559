"""Nothing a scorer learns comes from the fold it scores: the held-out labels, and the held-out rows'
values, change nothing the scorer fitted (calibration, bins, trees)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revbridge.analytics.prediction.evaluation import (
    Fold,
    cross_validate,
    model_scorer,
    naive_bayes_scorer,
    rules_scorer,
)
from revbridge.analytics.prediction.model import LeadModel, contributions
from revbridge.analytics.prediction.naive_bayes import NaiveBayes


def synthetic(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    visits = rng.poisson(4, n).astype(float)
    kind = rng.choice(["pro", "student", "other"], n)
    logit = 0.5 * (visits - 4) + np.where(kind == "pro", 1.5, -0.5)
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"visits": visits, "kind name, with: commas": pd.Categorical(kind)})
    return frame, labels


FRAME, LABELS = synthetic()
TRAIN, TEST = np.arange(300), np.arange(300, 400)
POINTS = FRAME.visits.to_numpy() * 2


@pytest.mark.parametrize(
    "scorer", [model_scorer(0), naive_bayes_scorer(), rules_scorer(POINTS)], ids=["model", "nb", "rules"]
)
def test_held_out_labels_and_values_change_nothing(scorer) -> None:
    before = scorer(Fold(1, FRAME, LABELS, TRAIN, TEST))
    flipped = LABELS.copy()
    flipped[TEST] = 1 - flipped[TEST]
    altered = FRAME.copy()
    altered.loc[TEST[1:], "visits"] = 1000.0  # every held-out row but the first
    after = scorer(Fold(1, altered, flipped, TRAIN, TEST))
    assert after.probability[0] == pytest.approx(before.probability[0])
    assert np.allclose(scorer(Fold(1, FRAME, flipped, TRAIN, TEST)).probability, before.probability)


def test_naive_bayes_bins_come_from_the_training_rows_only() -> None:
    model = NaiveBayes().fit(FRAME.iloc[TRAIN], LABELS[TRAIN])
    assert model.edges["visits"].max() <= FRAME.visits.iloc[TRAIN].max()
    assert np.array_equal(model.edges["visits"], NaiveBayes().fit(FRAME.iloc[TRAIN], LABELS[TRAIN]).edges["visits"])


def test_the_model_learns_and_its_reasons_add_up_to_its_raw_score() -> None:
    model = LeadModel(seed=0).fit(FRAME.iloc[TRAIN], LABELS[TRAIN])
    p = model.predict_proba(FRAME.iloc[TEST])
    assert np.all((p >= 0) & (p <= 1))
    reasons = contributions(model, FRAME.iloc[TEST], top=2)
    assert len(reasons) == len(TEST)
    assert {r.feature for rs in reasons for r in rs} <= set(FRAME.columns)
    raw = model.trees.predict(model._coded(FRAME.iloc[TEST]), raw_score=True)
    full = model.trees.predict(model._coded(FRAME.iloc[TEST]), pred_contrib=True)
    assert np.allclose(full.sum(axis=1), raw)


def test_cross_validation_scores_every_row_once_and_beats_a_coin() -> None:
    result = cross_validate(FRAME, LABELS, {"model": model_scorer(0), "nb": naive_bayes_scorer()}, folds=3)
    assert len(result.results["model"].per_fold) == 3
    assert result.results["model"].mean()["roc_auc"] > 0.7
    assert result.gain("nb").leads.sum() == len(LABELS)
