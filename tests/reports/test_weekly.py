"""The weekly check-in's assembly: each number is the one the analytics give for the same week, on the
demo company, on both databases."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge import bootstrap
from revbridge.analytics import compliance, feedback, scorecard, signals
from revbridge.analytics.measures import measures_over
from revbridge.domain.iso_weeks import IsoWeek
from revbridge.reports.weekly import HEADLINES, STEPS, weekly_report
from revbridge.services.checkin import add_decision
from revbridge.services.contract import contract_at
from revbridge.store.tables import FeedbackRow, ObligationRow
from tests.demo_store import NOW

WEEK = IsoWeek.last_complete(NOW)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or math.isnan(b))
    return a == pytest.approx(b)


def _new_leads(engine: Engine, since: object, until: object) -> int:
    """Leads whose first stage transition falls in the window, counted in SQL: the funnel's entrants."""
    query = sa.text(
        "SELECT count(*) FROM (SELECT lead_id, min(at) AS first FROM stage_transitions GROUP BY lead_id) AS f "
        "WHERE f.first >= :since AND f.first < :until"
    )
    with engine.connect() as conn:
        return int(conn.execute(query, {"since": since, "until": until}).scalar_one())


def _busiest_week(engine: Engine) -> IsoWeek:
    """The week of the demo's year with the most breached clocks, rejections and notes together (the
    fewest of the three the most): a week with something in every section."""
    with engine.connect() as conn:
        breached = conn.scalars(sa.select(ObligationRow.due_at).where(ObligationRow.status == "breached"))
        rejected = conn.scalars(sa.select(FeedbackRow.at).where(FeedbackRow.verdict == "reject"))
        noted = conn.scalars(sa.select(FeedbackRow.at).where(FeedbackRow.note.is_not(None), FeedbackRow.note != ""))
        counts = [Counter(IsoWeek.of(at) for at in moments) for moments in (breached, rejected, noted)]
    complete = [w for w in counts[0] if w.is_complete(NOW)]
    return max(complete, key=lambda w: (min(c[w] for c in counts), w))


def test_the_weeks_numbers_are_the_ones_the_analytics_give(demo: Engine) -> None:
    seen: list[str] = []
    week = _busiest_week(demo)
    report = weekly_report(demo, week, now=NOW, progress=seen.append)
    assert seen == list(STEPS)
    assert (report.week, report.as_of, report.complete) == (str(week), week.end, True)
    assert report.breaches
    assert report.rejection_reasons
    assert report.notes
    this, last = (week.start, week.end), (week.previous().start, week.start)
    headlines = {h.key: h for h in report.headlines}
    assert list(headlines) == [key for key, *_ in HEADLINES]
    url = demo.url.render_as_string(hide_password=False)
    with bootstrap.source(url, "store") as source:
        for key, _, _, measure in HEADLINES:
            if measure is not None:
                expected = measures_over(source, measure, [this, last], now=week.end)
                assert _same(headlines[key].this_week, expected[0]), key
                assert _same(headlines[key].last_week, expected[1]), key
        kinds = compliance.sla_compliance(source, now=week.end, since=week.start, until=week.end, by="kind")
        owners = compliance.sla_compliance(source, now=week.end, since=week.start, until=week.end, by="owner")
        card = scorecard.scorecard(source, contract_at(demo, week.end).sla.commitments, now=week.end)
        reasons = feedback.rejection_reasons(source, since=week.start, until=week.end)
        notes = feedback.notes(source, since=week.start, until=week.end)
        found = signals.signals(source, now=week.end)
        slipping = compliance.slipping(source, now=NOW)
    assert headlines["new_leads"].this_week == _new_leads(demo, *this)
    assert headlines["new_leads"].last_week == _new_leads(demo, *last)
    decided = int(kinds.obligations.sum())
    assert _same(headlines["sla_compliance"].this_week, kinds.met_in_time.sum() / decided if decided else None)
    assert [(r["commitment"], r["status"]) for r in report.scorecard] == list(
        zip(card.commitment, card.status, strict=True)
    )
    assert all(_same(r["actual"], a) for r, a in zip(report.scorecard, card.actual, strict=True))
    breached = {o.owner: o.breached for o in report.breaches}
    assert breached == {o: int(b) for o, b in zip(owners.owner, owners.breached, strict=True) if b}
    assert sum(len(o.clocks) for o in report.breaches) == int(owners.breached.sum())
    assert [(r["reason"], r["rejections"]) for r in report.rejection_reasons] == list(
        zip(reasons.reason[:5], reasons.rejections[:5], strict=True)
    )
    assert report.rejections == int(reasons.rejections.sum())
    assert sorted((n["lead_id"], n["note"]) for n in report.notes) == sorted(
        zip(notes.lead_id, notes.note, strict=True)
    )
    assert [s["message"] for s in report.signals] == [s.message for s in found]
    assert sorted(r["lead_id"] for r in report.slipping) == sorted(slipping.lead_id)
    assert report.sla_version == 1


def test_the_demo_week_has_something_to_talk_about(demo: Engine) -> None:
    report = weekly_report(demo, WEEK, now=NOW)
    headlines = {h.key: h for h in report.headlines}
    assert (headlines["new_leads"].this_week or 0) + (headlines["new_leads"].last_week or 0) > 0
    assert [s.of for s in report.shifts] == ["pipeline", "revenue"]
    for shift in report.shifts:
        if shift.movers:
            assert sum(m.share_now for m in shift.movers) == pytest.approx(1.0 if shift.total_now else 0.0)
            assert [abs(m.points) for m in shift.movers] == sorted((abs(m.points) for m in shift.movers), reverse=True)
    assert {r["stage"] for r in report.funnel_weeks} <= {
        "subscriber",
        "lead",
        "mql",
        "sal",
        "sql",
        "opportunity",
        "customer",
    }
    assert report.funnel_weeks
    assert max(r["period"] for r in report.funnel_weeks) < WEEK.end


def test_the_week_running_now_is_as_of_now_and_has_no_next(demo: Engine) -> None:
    running = IsoWeek.of(NOW)
    report = weekly_report(demo, running, now=NOW)
    assert report.as_of == NOW
    assert not report.complete
    assert report.next_week is None
    assert report.previous_week == str(WEEK)
    assert weekly_report(demo, WEEK, now=NOW).next_week == str(running)


def test_a_week_before_any_sla_says_there_is_nothing_to_score(demo: Engine) -> None:
    early = IsoWeek.of(NOW - timedelta(days=3 * 365))
    report = weekly_report(demo, early, now=NOW)
    assert report.sla_version is None
    assert report.scorecard == []
    assert report.caveats == ["No SLA was in force at the week's end: there are no commitments to score."]
    assert {h.key: h.this_week for h in report.headlines}["mqls"] == 0
    assert report.breaches == []
    assert all(not s.movers for s in report.shifts)


def test_the_record_is_read_afresh_beside_kept_numbers(demo: Engine) -> None:
    report = weekly_report(demo, WEEK, now=NOW)
    assert report.record is not None
    assert report.record.decisions == []
    maria = _user_id(demo, "maria.lopez@northwind.example")
    add_decision(demo, WEEK, maria, "Pause the generic Google Ads campaign", now=NOW)
    again = report.with_record(demo, now=NOW)
    assert [d.text for d in again.record.decisions] == ["Pause the generic Google Ads campaign"]
    assert again.headlines == report.headlines
    assert again.record.awaiting == ["marketing", "sales"]


def _user_id(engine: Engine, email: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT id FROM users WHERE email = :e"), {"e": email}).scalar_one())
