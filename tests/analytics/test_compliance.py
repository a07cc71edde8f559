"""SLA compliance, speed to lead and MQLs slipping through the cracks on ``tiny.clocks``, on every engine."""

from __future__ import annotations

import pytest

from revbridge.analytics.compliance import sla_compliance, slipping, speed_to_lead
from tests.analytics import tiny
from tests.analytics.conftest import On

NOW = tiny.at("01-10")


def test_compliance_by_person_counts_late_and_overdue_clocks_against_them(on: On) -> None:
    with on(tiny.clocks) as source:
        frame = sla_compliance(source, now=NOW, by="owner").set_index("owner")
    ana, bo = frame.loc["ana@nw.com"], frame.loc["bo@nw.com"]
    assert (ana.met_in_time, ana.met_late, ana.breached, ana.pending, ana.escalated) == (2, 1, 2, 0, 0)
    assert ana.compliance == pytest.approx(2 / 5)
    assert (bo.met_in_time, bo.met_late, bo.breached, bo.pending, bo.escalated) == (0, 0, 1, 1, 1)
    assert bo.obligations == 1
    assert bo.compliance == 0


def test_compliance_by_kind_of_clock_and_within_a_window(on: On) -> None:
    with on(tiny.clocks) as source:
        by_kind = sla_compliance(source, now=NOW, by="kind").set_index("kind")
        later = sla_compliance(source, now=NOW, by="kind", since=tiny.at("01-06", 0))
    assert list(by_kind.index) == ["accept", "first_touch"]  # the cancelled attempts clock is left out
    assert by_kind.compliance["accept"] == pytest.approx(1 / 4)
    assert by_kind.compliance["first_touch"] == pytest.approx(1 / 2)
    assert later.to_dict("records")[0]["breached"] == 2  # Bo's and Ana's on L3; L4's is pending


def test_speed_to_lead_splits_routing_delay_from_the_persons(on: On) -> None:
    with on(tiny.clocks) as source:
        row = speed_to_lead(source).iloc[0]
        by_owner = speed_to_lead(source, by="owner").set_index("owner")
    assert (row.handed, row.touched) == (5, 1)
    assert row.routing_hours_median == pytest.approx(0.0)
    assert row.routing_hours_p90 == pytest.approx(3.2)  # of 0, 0, 0, 2 and 4 hours
    assert row.person_hours_median == pytest.approx(1.5)
    assert row.total_hours_median == pytest.approx(1.5)
    assert by_owner.handed.to_dict() == {"ana@nw.com": 3, "bo@nw.com": 2}


def test_mqls_untouched_past_their_deadline_are_listed_longest_overdue_first(on: On) -> None:
    with on(tiny.clocks) as source:
        frame = slipping(source, now=NOW)
    assert frame[["lead_id", "email", "owner", "kind"]].to_dict("records") == [
        {"lead_id": 3, "email": "l3@acme.com", "owner": "ana@nw.com", "kind": "accept"}
    ]
    assert frame.overdue_hours.iloc[0] == pytest.approx(3 * 24 + 16)
