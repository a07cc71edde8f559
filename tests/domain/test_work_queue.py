"""The SLA queue's rules: whose MQLs a person sees, how long a clock has left, and the ``may_*`` questions
that decide which forms a page shows (each the same answer as the check that enforces it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.errors import InvalidInput
from revbridge.domain.permissions import (
    Actor,
    FeedbackState,
    NotPermitted,
    check_dispute,
    check_lead_work,
    check_verdict,
    may_dispute,
    may_give_verdict,
    may_work_leads,
)
from revbridge.domain.sla import Sla, load_sla
from revbridge.domain.work_queue import ClockReading, QueueScope, queue_scope, read_clock, span

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla.yaml"
MONDAY_10 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York; business hours 09:00-17:30
REP = Actor(7, "ana@nw.com", "sales")
MANAGER = Actor(8, "mia@nw.com", "sales", title="sales_manager")


@cache
def sla(text_change: tuple[str, str] = ("", "")) -> Sla:
    return load_sla(EXAMPLE.read_text().replace(*text_change))


def clock_of(contract: Sla) -> BusinessClock:
    return BusinessClock.from_clocks(contract.clocks)


# --- whose queue ----------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_mqls_when_the_assigned_rep_gives_the_verdict() -> None:
    assert queue_scope(REP, "emea", "assigned_rep") == QueueScope("mine", owner_id=7)
    assert queue_scope(REP, "emea", "assigned_rep").title == "My queue"


def test_a_rep_sees_their_teams_and_unowned_mqls_when_any_rep_may_take_them() -> None:
    scope = queue_scope(REP, "emea", "any_sales_rep")
    assert scope == QueueScope("team", owner_id=7, team="emea", with_unowned=True)
    assert not scope.may_filter


def test_a_rep_without_a_team_still_sees_the_unowned_mqls_they_may_take() -> None:
    assert queue_scope(REP, None, "any_sales_rep") == QueueScope("mine", owner_id=7, with_unowned=True)


@pytest.mark.parametrize(
    "actor",
    [MANAGER, Actor(1, "ada@nw.com", "admin"), Actor(2, "maria@nw.com", "marketing"), Actor(3, "v@nw.com", "viewer")],
)
def test_the_manager_admins_marketing_and_viewers_see_everyones_queue_and_may_filter_it(actor: Actor) -> None:
    scope = queue_scope(actor, "sales_leadership", "assigned_rep")
    assert scope == QueueScope("everyone", may_filter=True)
    assert scope.title == "SLA queue"


# --- time left ------------------------------------------------------------------------------------------


def test_an_accept_clock_counts_business_hours_left() -> None:
    contract = sla()
    due = clock_of(contract).add(MONDAY_10, contract.clocks.accept_within)  # 14:00 New York
    reading = read_clock("accept", due, MONDAY_10 + timedelta(minutes=45), contract, clock_of(contract))
    assert reading == ClockReading("accept", due, timedelta(hours=3, minutes=15), True)
    assert reading.describe() == "3h 15m business left"
    assert not reading.overdue


def test_a_clock_due_friday_evening_read_on_saturday_is_overdue_by_business_hours_only() -> None:
    contract = sla()
    friday_17 = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)  # 17:00 in New York: half an hour before closing
    saturday = friday_17 + timedelta(hours=20)
    reading = read_clock("accept", friday_17, saturday, contract, clock_of(contract))
    assert reading.left == -timedelta(minutes=30)
    assert reading.describe() == "overdue by 30m business"
    assert reading.overdue


def test_a_calendar_deadline_counts_elapsed_time() -> None:
    contract = sla(("accept_within: 4h business", "accept_within: 4h"))
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    reading = read_clock("accept", saturday + timedelta(hours=2), saturday, contract, clock_of(contract))
    assert (reading.left, reading.business) == (timedelta(hours=2), False)
    assert reading.describe() == "2h 00m left"


def test_a_breached_clock_reads_as_overdue_even_at_its_deadline() -> None:
    contract = sla()
    reading = read_clock("accept", MONDAY_10, MONDAY_10, contract, clock_of(contract), status="breached")
    assert reading.overdue
    assert reading.describe() == "breached"
    assert read_clock("accept", MONDAY_10, MONDAY_10, contract, clock_of(contract)).describe() == "due now"


def test_spans_read_in_hours_and_minutes() -> None:
    assert [span(timedelta(minutes=m)) for m in (0, 42, 60, 125, 27 * 60 + 5)] == [
        "0m",
        "42m",
        "1h 00m",
        "2h 05m",
        "27h 05m",
    ]


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@given(due=moments, earlier=moments, later=moments)
def test_time_left_falls_by_exactly_the_business_time_that_passes(
    due: datetime, earlier: datetime, later: datetime
) -> None:
    """Across the deadline too: reading later leaves less by the open time in between, and no more."""
    earlier, later = min(earlier, later), max(earlier, later)
    contract = sla()
    clock = clock_of(contract)
    first, second = (read_clock("first_touch", due, at, contract, clock) for at in (earlier, later))
    assert first.left - second.left == clock.elapsed(earlier, later)
    assert first.overdue == (first.left < timedelta(0))


# --- which forms a page shows ---------------------------------------------------------------------------

actors = st.builds(
    Actor,
    id=st.integers(1, 4),
    email=st.just("someone@nw.com"),
    role=st.sampled_from(["admin", "marketing", "sales", "viewer"]),
    title=st.sampled_from([None, "sales_manager"]),
    active=st.booleans(),
)


def _allowed(check: object, *args: object) -> bool:
    try:
        check(*args)  # type: ignore[operator]
    except (NotPermitted, InvalidInput):
        return False
    return True


@given(
    actor=actors, owner=st.one_of(st.none(), st.integers(1, 4)), rule=st.sampled_from(["assigned_rep", "any_sales_rep"])
)
def test_may_give_verdict_answers_as_check_verdict_enforces(actor: Actor, owner: int | None, rule: str) -> None:
    assert may_give_verdict(actor, owner, rule) == _allowed(check_verdict, actor, "accept", 1, owner, rule)


@given(actor=actors)
def test_may_work_leads_answers_as_check_lead_work_enforces(actor: Actor) -> None:
    assert may_work_leads(actor) == _allowed(check_lead_work, actor, "log a call on", 1)


@given(
    actor=actors,
    verdict=st.sampled_from(["accept", "reject"]),
    disputed=st.one_of(st.none(), st.just(MONDAY_10)),
)
def test_may_dispute_answers_as_check_dispute_enforces(actor: Actor, verdict: str, disputed: datetime | None) -> None:
    feedback = FeedbackState(5, verdict, disputed, "maria@nw.com" if disputed else None)
    assert may_dispute(actor, feedback) == _allowed(check_dispute, actor, feedback, "they booked a demo")
