"""The weekly check-in's record on both databases: decisions by marketing, sales and admins; sign-off by
the team leads the SLA names (Maria Lopez for marketing, Sam Okafor, sales_manager, for sales), once a
person and week; refusals that say who may."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.checkin import NotACheckinWriter, WeekNotStarted
from revbridge.domain.errors import InvalidInput
from revbridge.domain.iso_weeks import IsoWeek
from revbridge.services.checkin import add_decision, sign_off, team_leads, week_record
from revbridge.store.tables import CheckinEntryRow, UserRow
from tests.demo_store import NOW

WEEK = IsoWeek.last_complete(NOW)
MARIA, SAM = "maria.lopez@northwind.example", "sam.okafor@northwind.example"
ALEX, NINA = "alex.chen@northwind.example", "nina.patel@northwind.example"


def _id(engine: Engine, email: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(UserRow.id).where(UserRow.email == email)))


def _a_rep(engine: Engine) -> tuple[int, str]:
    query = sa.select(UserRow.id, UserRow.email).where(UserRow.role == "sales", UserRow.title.is_(None))
    with engine.connect() as conn:
        row = conn.execute(query.order_by(UserRow.email).limit(1)).one()
    return int(row[0]), str(row[1])


def test_the_team_leads_are_those_the_sla_names(demo: Engine) -> None:
    leads = team_leads(demo, WEEK, now=NOW)
    assert dict(leads.names) == {"marketing": ("Maria Lopez",), "sales": ("Sam Okafor",)}


def test_decisions_are_listed_in_order_with_who_and_when(demo: Engine) -> None:
    rep, _ = _a_rep(demo)
    add_decision(demo, WEEK, _id(demo, MARIA), "  Pause the generic Google Ads campaign ", now=NOW)
    add_decision(demo, WEEK, rep, "Reps log a first touch the same day", now=NOW + timedelta(minutes=1))
    add_decision(demo, WEEK, _id(demo, ALEX), "Review the MQL threshold next week", now=NOW + timedelta(minutes=2))
    record = week_record(demo, WEEK, now=NOW)
    assert [(d.text, d.role) for d in record.decisions] == [
        ("Pause the generic Google Ads campaign", "marketing"),
        ("Reps log a first touch the same day", "sales"),
        ("Review the MQL threshold next week", "admin"),
    ]
    assert record.decisions[0].name == "Maria Lopez"
    assert record.decisions[0].at == NOW
    assert week_record(demo, WEEK.previous(), now=NOW).decisions == []


def test_a_viewer_writes_no_decision_and_an_empty_one_is_refused(demo: Engine) -> None:
    with pytest.raises(NotACheckinWriter, match="viewers read"):
        add_decision(demo, WEEK, _id(demo, NINA), "Anything", now=NOW)
    with pytest.raises(InvalidInput, match="write what was decided"):
        add_decision(demo, WEEK, _id(demo, MARIA), "   ", now=NOW)
    assert week_record(demo, WEEK, now=NOW).decisions == []


def test_both_team_leads_sign_off_and_a_second_sign_off_replaces_the_first(demo: Engine) -> None:
    maria, sam = _id(demo, MARIA), _id(demo, SAM)
    first = sign_off(demo, WEEK, maria, "Agreed; webinar leads need a better form", now=NOW)
    assert week_record(demo, WEEK, now=NOW).awaiting == ["sales"]
    sign_off(demo, WEEK, sam, "", now=NOW + timedelta(minutes=5))
    again = sign_off(demo, WEEK, maria, "Agreed, with the form fixed by Friday", now=NOW + timedelta(minutes=9))
    assert again == first
    record = week_record(demo, WEEK, now=NOW)
    assert [(s.name, s.team, s.text) for s in record.sign_offs] == [
        ("Sam Okafor", "sales", ""),
        ("Maria Lopez", "marketing", "Agreed, with the form fixed by Friday"),
    ]
    assert record.awaiting == []


def test_a_rep_and_an_admin_may_not_sign_and_are_told_who_may(demo: Engine) -> None:
    rep, email = _a_rep(demo)
    with pytest.raises(NotACheckinWriter) as refused:
        sign_off(demo, WEEK, rep, "ok", now=NOW)
    assert str(refused.value).startswith(f"{email} is sales: only the team leads sign the week off — for marketing")
    assert "for sales Sam Okafor (or a sales_manager)" in str(refused.value)
    with pytest.raises(NotACheckinWriter, match="is admin"):
        sign_off(demo, WEEK, _id(demo, ALEX), "ok", now=NOW)
    assert week_record(demo, WEEK, now=NOW).sign_offs == []


def test_nobody_signs_a_week_not_begun(demo: Engine) -> None:
    with pytest.raises(WeekNotStarted):
        sign_off(demo, IsoWeek.of(NOW).next(), _id(demo, SAM), "early", now=NOW)


def test_two_sign_offs_of_one_person_at_once_leave_one(demo: Engine) -> None:
    sam = _id(demo, SAM)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def sign(comment: str) -> None:
        start.wait()
        try:
            sign_off(demo, WEEK, sam, comment, now=NOW)
        except BaseException as failed:
            failures.append(failed)

    threads = [threading.Thread(target=sign, args=(f"comment {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with demo.connect() as conn:
        rows = conn.scalars(sa.select(CheckinEntryRow.text).where(CheckinEntryRow.kind == "signoff")).all()
    assert len(rows) == 1
    assert rows[0] in ("comment 0", "comment 1")
