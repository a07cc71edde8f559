"""The figures of a lead score on inputs small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.analytics.prediction.evaluation import brier, calibration_table, gain_table, pr_auc, roc_auc

LABELS = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8])


def test_roc_auc_is_the_share_of_converted_non_converted_pairs_ranked_right() -> None:
    # pairs (converted, not): (0.35, 0.1) right, (0.35, 0.4) wrong, (0.8, 0.1) right, (0.8, 0.4) right: 3/4
    assert roc_auc(LABELS, SCORES) == pytest.approx(0.75)


def test_a_tie_counts_half_in_roc_auc() -> None:
    assert roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)


def test_pr_auc_averages_the_precision_at_each_converted_lead() -> None:
    # from the top: 0.8 converted (precision 1, recall 1/2), 0.4 not, 0.35 converted (precision 2/3, recall 1)
    assert pr_auc(LABELS, SCORES) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_brier_is_the_mean_squared_gap() -> None:
    assert brier(LABELS, SCORES) == pytest.approx((0.1**2 + 0.4**2 + 0.65**2 + 0.2**2) / 4)


def test_gain_table_of_ten_leads_counts_conversions_from_the_top() -> None:
    scores = np.arange(10, 0, -1, dtype=float)  # already best first
    labels = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 1])
    table = gain_table(labels, scores)
    assert table.conversions.tolist() == labels.tolist()
    assert table.cumulative_conversions_share.tolist() == pytest.approx(
        [0.25, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 1.0]
    )
    assert table.lift.iloc[1] == pytest.approx(0.5 / 0.2)  # the top 20% hold 50% of conversions


def test_calibration_table_compares_predicted_and_observed_by_decile() -> None:
    probabilities = np.array([0.05, 0.1, 0.2, 0.3, 0.9, 0.95] * 5)
    labels = np.array([0, 0, 0, 1, 1, 1] * 5)
    table = calibration_table(labels, probabilities)
    assert table["count"].tolist() == [3] * 10
    assert table.mean_predicted.iloc[0] == pytest.approx(0.05)
    assert table.observed_rate.iloc[-1] == pytest.approx(1.0)


outcomes = st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(outcomes)
def test_gain_is_monotone_and_ends_at_all_conversions(rows: list[tuple[bool, float]]) -> None:
    labels = np.array([int(c) for c, _ in rows])
    scores = np.array([s for _, s in rows])
    table = gain_table(labels, scores)
    share = table.cumulative_conversions_share.to_numpy()
    assert np.all(np.diff(share) >= 0)
    assert table.leads.sum() == len(rows)
    assert share[-1] == pytest.approx(1.0 if labels.sum() else 0.0)
    assert table.cumulative_leads_share.iloc[-1] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(outcomes)
def test_calibration_counts_add_up_to_the_rows(rows: list[tuple[bool, float]]) -> None:
    labels = np.array([int(c) for c, _ in rows])
    probabilities = np.array([s for _, s in rows])
    table = calibration_table(labels, probabilities)
    assert table["count"].sum() == len(rows)
    assert table.mean_predicted.is_monotonic_increasing
