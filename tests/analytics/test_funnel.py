"""The funnel on the hand-worked log of five leads (``tiny.five_leads``), identical on every engine."""

from __future__ import annotations

import pandas as pd
import pytest

from revbridge.analytics.funnel import cohort_funnel, conversion, period_funnel
from revbridge.domain.stages import DEFAULT_STAGES
from tests.analytics import tiny
from tests.analytics.conftest import On

STAGES = DEFAULT_STAGES[1:]  # lead … customer
at = tiny.at


def test_cohorts_count_how_far_their_leads_got_loops_included(on: On) -> None:
    with on(tiny.five_leads) as source:
        funnel = cohort_funnel(source, STAGES, period="month")
    january = funnel[funnel.cohort == pd.Timestamp("2026-01-01", tz="UTC")].set_index("stage")
    assert january.leads.to_dict() == {"lead": 3, "mql": 2, "sal": 2, "sql": 1, "opportunity": 1, "customer": 1}
    assert january.entries.to_dict() == {"lead": 3, "mql": 3, "sal": 2, "sql": 1, "opportunity": 1, "customer": 1}
    assert january.from_previous["mql"] == pytest.approx(2 / 3)
    assert january.from_previous["sql"] == pytest.approx(1 / 2)
    assert january.share["customer"] == pytest.approx(1 / 3)
    assert set(january.cohort_leads) == {3}
    assert set(january.recycled) == {1}
    february = funnel[funnel.cohort == pd.Timestamp("2026-02-01", tz="UTC")].set_index("stage")
    # L5 entered as an SQL: it counts as having passed lead, MQL and SAL.
    assert february.leads.to_dict() == {"lead": 2, "mql": 2, "sal": 1, "sql": 1, "opportunity": 0, "customer": 0}
    assert february.entries.to_dict() == {"lead": 1, "mql": 1, "sal": 0, "sql": 1, "opportunity": 0, "customer": 0}
    assert set(february.recycled) == {0}
    assert len(funnel) == 2 * len(STAGES)


def test_a_window_picks_the_cohort_by_when_leads_entered(on: On) -> None:
    with on(tiny.five_leads) as source:
        funnel = cohort_funnel(source, STAGES, since=at("02-01", 0), period=None)
    assert funnel.set_index("stage").leads["lead"] == 2
    assert set(funnel.cohort) == {"all"}


def test_conversion_by_channel_and_overall(on: On) -> None:
    with on(tiny.five_leads) as source:
        overall = conversion(source, STAGES)
        by_channel = conversion(source, STAGES, by="channel").set_index("channel")
    row = overall.iloc[0]
    assert row["leads"] == 5
    assert row["lead→mql"] == pytest.approx(4 / 5)
    assert row["mql→sal"] == pytest.approx(3 / 4)
    assert row["sal→sql"] == pytest.approx(2 / 3)
    assert row["sql→opportunity"] == pytest.approx(1 / 2)
    assert row["opportunity→customer"] == pytest.approx(1.0)
    assert row["lead→customer"] == pytest.approx(1 / 5)
    assert list(by_channel.index) == ["(none)", "referral", "webinar"]
    assert by_channel.loc["webinar", "leads"] == 2
    assert by_channel.loc["webinar", "sal→sql"] == pytest.approx(1 / 2)
    assert by_channel.loc["referral", "lead→mql"] == 0
    assert pd.isna(by_channel.loc["referral", "mql→sal"])  # nobody to convert


def test_the_period_funnel_counts_what_happened_in_each_month(on: On) -> None:
    with on(tiny.five_leads) as source:
        funnel = period_funnel(source, STAGES, period="month")
    got = {(p.month, s): n for p, s, n in funnel[["period", "stage", "leads"]].itertuples(index=False)}
    assert got == {
        (1, "lead"): 3, (1, "mql"): 2, (1, "sal"): 1, (1, "sql"): 1,
        (2, "lead"): 1, (2, "mql"): 2, (2, "sal"): 1, (2, "sql"): 1, (2, "opportunity"): 1,
        (3, "customer"): 1,
    }  # fmt: skip
