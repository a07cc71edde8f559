"""Revenue numbers on ``tiny.deals``, on every engine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from revbridge.analytics.revenue import (
    cac,
    clv_subscription,
    ltv_to_cac,
    pipeline,
    quota_attainment,
    reach,
    revenue_kpis,
)
from tests.analytics import tiny
from tests.analytics.conftest import On


def test_open_pipeline_by_stage(on: On) -> None:
    with on(tiny.deals) as source:
        frame = pipeline(source)
    assert frame[["stage", "opportunities", "amount"]].values.tolist() == [
        ["discovery", 1, 20.0],
        ["proposal", 1, 80.0],
    ]


def test_win_rate_deal_size_cycle_and_pipeline_velocity(on: On) -> None:
    with on(tiny.deals) as source:
        row = revenue_kpis(source).iloc[0]
        january = revenue_kpis(source, since=tiny.at("01-01", 0), until=tiny.at("02-01", 0)).iloc[0]
    assert (row.created, row.closed, row.won, row.lost) == (5, 3, 2, 1)
    assert row.win_rate == pytest.approx(2 / 3)
    assert (row.won_amount, row.average_deal) == (300.0, 150.0)
    assert (row.cycle_median_days, row.cycle_mean_days) == (pytest.approx(45.0), pytest.approx(45.0))
    assert (row.open, row.open_amount) == (2, 100.0)
    assert row.pipeline_velocity == pytest.approx(2 * (2 / 3) * 150 / 45)
    assert (january.created, january.closed, january.won) == (3, 1, 1)


def test_revenue_by_the_channel_of_the_deals_first_contact(on: On) -> None:
    with on(tiny.deals) as source:
        frame = revenue_kpis(source, by="channel").set_index("channel")
    assert frame.created.to_dict() == {"(none)": 1, "paid_search": 3, "webinar": 1}
    assert frame.win_rate["paid_search"] == pytest.approx(1 / 2)
    assert frame.won_amount["paid_search"] == 200.0
    assert pd.isna(frame.win_rate["(none)"])


def test_quota_attainment_by_person_and_team(on: On) -> None:
    with on(tiny.deals) as source:
        people = quota_attainment(source, since=date(2026, 1, 1)).set_index("owner")
        ever = quota_attainment(source).set_index("owner")
        team = quota_attainment(source, since=date(2026, 1, 1), by="team").iloc[0]
    assert people.attainment.to_dict() == {"ana@nw.com": pytest.approx(0.2), "bo@nw.com": pytest.approx(0.5)}
    assert (ever.quota["ana@nw.com"], ever.won["ana@nw.com"]) == (800.0, 100.0)
    assert (team.team, team.quota, team.won) == ("ae", 900.0, 300.0)
    assert team.attainment == pytest.approx(1 / 3)


def test_cac_is_a_channels_spend_per_new_customer(on: On) -> None:
    with on(tiny.deals) as source:
        quarter = cac(source, since=tiny.at("01-01", 0), until=tiny.at("04-01", 0)).set_index("channel")
        january = cac(source, since=tiny.at("01-01", 0), until=tiny.at("02-01", 0)).set_index("channel")
    assert quarter.spend.to_dict() == {"paid_search": 1000.0, "webinar": 1000.0}
    assert quarter.new_customers.to_dict() == {"paid_search": 1, "webinar": 1}
    assert quarter.cac.to_dict() == {"paid_search": 1000.0, "webinar": 1000.0}
    assert quarter.new_leads.to_dict() == {"paid_search": 2, "webinar": 1}  # leads 2 and 3; lead 1
    assert quarter.cost_per_lead.to_dict() == {"paid_search": 500.0, "webinar": 1000.0}
    assert january.spend["paid_search"] == 600.0
    assert pd.isna(january.cac["webinar"])  # spent, but no customer yet


def test_reach_with_open_and_click_rates_where_sends_are_recorded(on: On) -> None:
    with on(tiny.deals) as source:
        frame = reach(source).set_index("channel")
    email = frame.loc["email"]
    assert (email.touchpoints, email.leads, email.sent, email.opens, email.clicks) == (6, 3, 3, 2, 1)
    assert (email.open_rate, email.click_rate, email.click_to_open) == (
        pytest.approx(2 / 3), pytest.approx(1 / 3), pytest.approx(1 / 2),
    )  # fmt: skip
    assert pd.isna(frame.loc["direct"].open_rate)


def test_clv_of_a_subscription_customer() -> None:
    assert clv_subscription(arpa=1000.0, gross_margin=0.8, churn=0.02) == pytest.approx(40_000.0)
    with pytest.raises(ValueError, match="churn"):
        clv_subscription(arpa=1000.0, gross_margin=0.8, churn=0.0)


def test_ltv_to_cac_by_channel(on: On) -> None:
    with on(tiny.deals) as source:
        frame = ltv_to_cac(
            source, gross_margin=0.8, churn=0.2, since=tiny.at("01-01", 0), until=tiny.at("04-01", 0)
        ).set_index("channel")
    # Search ads: spend 1,000 for one customer; its won deal 200 a year × 0.8 ÷ 0.2 churn = 800 of value.
    assert frame.loc["paid_search", ["cac", "average_deal", "ltv"]].tolist() == [1000.0, 200.0, 800.0]
    assert frame.ltv_to_cac["paid_search"] == pytest.approx(0.8)
    assert frame.ltv_to_cac["webinar"] == pytest.approx(100 * 0.8 / 0.2 / 1000)
