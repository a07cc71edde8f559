"""The accept clock an imported verdict answered: due in business time, met or breached by the verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.durations import Duration
from revbridge.domain.past_clocks import PastVerdict, accept_clock, clock_for
from revbridge.domain.sla_sections import BusinessHours

NEW_YORK = ZoneInfo("America/New_York")
CLOCK = BusinessClock(
    NEW_YORK,
    BusinessHours.model_validate({"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:30"}),
)
FOUR_HOURS = Duration(4, "h", business=True)
FRIDAY_4PM = datetime(2026, 3, 6, 16, 0, tzinfo=NEW_YORK).astimezone(UTC)


def test_a_verdict_by_the_business_deadline_met_the_clock() -> None:
    # Friday 16:00 + 4 business hours (9:00-17:30, Mon-Fri) is Monday 11:30.
    verdict = PastVerdict(7, FRIDAY_4PM, datetime(2026, 3, 9, 11, 0, tzinfo=NEW_YORK), owner_id=3, sla_version=2)
    clock = accept_clock(verdict, FOUR_HOURS, CLOCK)
    assert clock.due_at == datetime(2026, 3, 9, 11, 30, tzinfo=NEW_YORK)
    assert (clock.status, clock.closed_at, clock.opened_at) == ("met", verdict.verdict_at, FRIDAY_4PM)
    assert (clock.lead_id, clock.owner_id, clock.sla_version) == (7, 3, 2)


def test_a_later_verdict_breached_it_at_the_deadline() -> None:
    verdict = PastVerdict(7, FRIDAY_4PM, datetime(2026, 3, 9, 12, 0, tzinfo=NEW_YORK), owner_id=None, sla_version=None)
    clock = accept_clock(verdict, FOUR_HOURS, CLOCK)
    assert (clock.status, clock.closed_at) == ("breached", datetime(2026, 3, 9, 11, 30, tzinfo=NEW_YORK))


def test_a_clock_never_answered_is_breached_at_its_deadline() -> None:
    clock = clock_for(7, None, FRIDAY_4PM, None, Duration(1, "h", business=True), CLOCK, 1)
    assert (clock.status, clock.due_at) == ("breached", datetime(2026, 3, 6, 17, 0, tzinfo=NEW_YORK))
    assert clock.closed_at == clock.due_at
