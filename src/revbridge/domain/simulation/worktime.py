"""When the simulated sales team works: the SLA's business hours, weekdays and holidays.

Just enough of a business-hours clock to place verdicts and calls at moments a person would act, and
to make "within 4 business hours" mean what the SLA says. It steps a day at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

import holidays

from revbridge.domain.durations import Duration
from revbridge.domain.sla import Clocks

_WEEK: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkClock:
    """Business time in the SLA's time zone; ``add`` moves forward by business hours."""

    def __init__(self, clocks: Clocks, years: range) -> None:
        self.zone = clocks.zone
        self.days = frozenset(_WEEK.index(d) for d in clocks.business_hours.days)
        self.start: time = clocks.business_hours.start
        self.end: time = clocks.business_hours.end
        closed: set[date] = set()
        if clocks.holidays is not None:
            calendar = holidays.country_holidays(
                clocks.holidays.country, subdiv=clocks.holidays.subdivision, years=list(years)
            )
            closed.update(calendar.keys())
            closed.update(clocks.holidays.closed)
        self.closed = frozenset(closed)

    @cached_property
    def day_hours(self) -> float:
        """Business hours in one working day."""
        start = datetime.combine(date(2000, 1, 3), self.start)
        return (datetime.combine(date(2000, 1, 3), self.end) - start).total_seconds() / 3600

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.closed

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment ``hours`` business hours after ``moment`` (aware UTC in, aware UTC out)."""
        local = moment.astimezone(self.zone)
        day = local.date()
        clock = local.time()
        remaining = timedelta(hours=hours)
        for _ in range(3700):  # ten years of days: far beyond any delay the simulation asks for
            if self.is_working_day(day) and clock < self.end:
                begin = max(clock, self.start)
                opened = datetime.combine(day, begin, self.zone)
                closes = datetime.combine(day, self.end, self.zone)
                if opened + remaining <= closes:
                    return (opened + remaining).astimezone(UTC)
                remaining -= closes - opened
            day += timedelta(days=1)
            clock = time(0)
        raise ValueError(f"no business hours within ten years of {moment.isoformat()}; check the SLA's calendar")

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` if the business is open then, else the next opening."""
        return self.add(moment, 0.0)

    def after(self, moment: datetime, deadline: Duration, fraction: float) -> datetime:
        """The moment ``fraction`` of ``deadline`` after ``moment``, in business or calendar time as the
        deadline counts (a business day is one working day's hours)."""
        if not deadline.business:
            return moment + timedelta(hours=deadline.hours * fraction)
        hours = deadline.days * self.day_hours if deadline.in_days else deadline.hours
        return self.add(moment, hours * fraction)
