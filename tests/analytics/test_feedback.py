"""The feedback loop on ``tiny.verdicts`` (January), on every engine."""

from __future__ import annotations

import pytest

from revbridge.analytics.feedback import acceptance, disputes, notes, rejection_reasons
from tests.analytics import tiny
from tests.analytics.conftest import On

JANUARY = {"since": tiny.at("01-01", 0), "until": tiny.at("02-01", 0)}


def test_acceptance_and_ratings_by_campaign(on: On) -> None:
    with on(tiny.verdicts) as source:
        frame = acceptance(source, by="campaign", **JANUARY).set_index("campaign")
        overall = acceptance(source).iloc[0]
    assert frame.verdicts.to_dict() == {"Search ads": 3, "Spring webinar": 3}
    assert frame.acceptance_rate["Spring webinar"] == pytest.approx(2 / 3)
    assert frame.acceptance_rate["Search ads"] == 0
    assert frame.rating["Spring webinar"] == pytest.approx((5 + 4 + 2) / 3)
    assert (frame.rated["Search ads"], frame.rating["Search ads"]) == (1, pytest.approx(1.0))
    assert (overall.verdicts, overall.accepted) == (7, 3)  # March's verdict counts without a window


def test_acceptance_by_score_band_shows_whether_scores_mean_anything(on: On) -> None:
    with on(tiny.verdicts) as source:
        frame = acceptance(source, by="score_band", **JANUARY).set_index("score_band")
    assert frame.verdicts.to_dict() == {"20–40": 1, "40–60": 1, "60–80": 2, "80–100": 2}
    assert frame.acceptance_rate["80–100"] == pytest.approx(1 / 2)  # L1 in, L4 out


def test_rejection_reasons_with_their_share_by_channel(on: On) -> None:
    with on(tiny.verdicts) as source:
        frame = rejection_reasons(source, by="channel", **JANUARY)
    assert frame[["channel", "reason", "rejections"]].values.tolist() == [
        ["paid_search", "bad_fit", 2],
        ["paid_search", "no_budget", 1],
        ["webinar", "bad_fit", 1],
    ]
    assert frame.share.tolist() == pytest.approx([2 / 3, 1 / 3, 1.0])


def test_disputes_and_their_outcomes(on: On) -> None:
    with on(tiny.verdicts) as source:
        frame = disputes(source, by="campaign").set_index("campaign")
    assert frame.loc["Search ads"].to_dict() == {
        "rejections": 3,
        "disputed": 2,
        "upheld": 1,
        "overturned": 0,
        "open": 1,
    }
    assert frame.loc["Spring webinar"].to_dict() == {
        "rejections": 1, "disputed": 1, "upheld": 0, "overturned": 1, "open": 0,
    }  # fmt: skip


def test_sales_notes_are_grouped_by_campaign_and_reason_for_marketing(on: On) -> None:
    with on(tiny.verdicts) as source:
        frame = notes(source)
    assert frame[["campaign", "reason", "note", "author", "lead_id"]].values.tolist() == [
        ["Search ads", "bad_fit", "Competitor doing research.", "ana@nw.com", 4],
        ["Spring webinar", "accept", "Back again.", "ana@nw.com", 1],
        ["Spring webinar", "bad_fit", "Student, no budget.", "ana@nw.com", 3],
    ]
