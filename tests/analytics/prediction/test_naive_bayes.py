"""The Odoo-style naive Bayes against a table worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.prediction.naive_bayes import NaiveBayes, quantile_edges

# src:  A won twice, lost once; B won once, lost twice. plan: p won twice, lost once; q won once, lost twice.
TRAIN = pd.DataFrame(
    {
        "src": pd.Categorical(["A", "A", "A", "B", "B", "B"]),
        "plan": pd.Categorical(["p", "q", "p", "q", "q", "p"]),
    }
)
WON = np.array([1, 1, 0, 0, 0, 1])


def test_one_field_gives_its_smoothed_won_share() -> None:
    model = NaiveBayes().fit(TRAIN[["src"]], WON)
    p = model.predict_proba(pd.DataFrame({"src": pd.Categorical(["A", "B"])}))
    # P(A | won) = 2.1 / 3.2, P(A | lost) = 1.1 / 3.2, P(won) = P(lost) = 1/2
    assert p.tolist() == pytest.approx([2.1 / 3.2, 1.1 / 3.2])


def test_fields_multiply_as_if_independent() -> None:
    p = NaiveBayes().fit(TRAIN, WON).predict_proba(TRAIN.iloc[[0]])
    assert p[0] == pytest.approx(2.1**2 / (2.1**2 + 1.1**2))


def test_missing_and_unseen_values_leave_their_field_out() -> None:
    model = NaiveBayes().fit(TRAIN, WON)
    frame = pd.DataFrame({"src": pd.Categorical(["C", None]), "plan": pd.Categorical(["p", "p"])})
    assert model.predict_proba(frame).tolist() == pytest.approx([2.1 / 3.2, 2.1 / 3.2])


def test_the_prior_is_the_training_conversion_rate() -> None:
    model = NaiveBayes().fit(TRAIN[["src"]], np.array([1, 0, 0, 0, 0, 0]))
    unseen = model.predict_proba(pd.DataFrame({"src": pd.Categorical(["Z"])}))
    assert unseen[0] == pytest.approx(1 / 6)


def test_numbers_are_binned_by_training_quantiles() -> None:
    frame = pd.DataFrame({"visits": [1.0, 2.0, 3.0, 4.0, np.nan, 10.0]})
    assert quantile_edges(frame.visits, 2).tolist() == [3.0]
    model = NaiveBayes(bins=2).fit(frame, np.array([0, 0, 1, 1, 1, 1]))
    low, high = model.predict_proba(pd.DataFrame({"visits": [-100.0, 1000.0]}))
    assert low < 0.5 < high


frames = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.one_of(st.none(), st.floats(-5, 5)), st.booleans()),
    min_size=4,
    max_size=60,
).filter(lambda rows: 0 < sum(r[2] for r in rows) < len(rows))


@settings(max_examples=40, deadline=None)
@given(frames, st.randoms(use_true_random=False))
def test_probabilities_are_in_0_1_and_do_not_depend_on_row_order(rows, rng) -> None:
    frame = pd.DataFrame({"kind": pd.Categorical([r[0] for r in rows]), "x": [r[1] for r in rows]}).astype({"x": float})
    labels = np.array([int(r[2]) for r in rows])
    p = NaiveBayes().fit(frame, labels).predict_proba(frame)
    assert np.all((p >= 0) & (p <= 1))
    order = list(range(len(rows)))
    rng.shuffle(order)
    shuffled = NaiveBayes().fit(frame.iloc[order].reset_index(drop=True), labels[order])
    assert shuffled.predict_proba(frame) == pytest.approx(p)
