"""The business-hours clock: deadlines and elapsed time counted in an SLA's business hours.

The model. Every local calendar day in the SLA's time zone is either shut or open for one interval, from the
business hours' ``start`` to their ``end`` on the wall clock. A day is open when its weekday is listed in the
business hours and it is neither a public holiday (the ``holidays`` package, by country and subdivision) nor
one of the company's closed days. The hours are wall-clock times: 09:00–17:30 in New York stays 09:00–17:30
local across a daylight-saving change, only its UTC offset moves. Should the hours touch a change itself, a
time the clock skips opens or closes at the moment of the jump, and a time it shows twice opens at its first
showing and closes at its last.

Intervals are half-open, ``[open, close)``: the closing moment is not open, but a deadline may fall on it
(30 business minutes from Friday 17:00 is Friday 17:30, not Monday 09:00).

Durations. Calendar time (``3d``, ``30m``) is plain elapsed time. Business minutes and hours count open time
only, from the start or from the next opening if the start is outside hours. Business days (``2d business``)
keep the start's business-time offset into its day and move it to the day N business days later: Tuesday
11:00 + 2d business is Thursday 11:00, Friday 16:00 + 1d business is Monday 16:00 (a shorter target day
caps it at its closing). A fraction of a business day is that fraction of the nominal day (end − start),
added as business hours after the whole days.

How it counts. The first time a moment in a local year is asked about, the clock tabulates that year: each
day's interval, the open time before each day and the number of business days before each day (holidays
are looked up per year too, never a century up front). ``elapsed`` and ``add`` are then prefix-sum look-ups
and bisections in those tables; nothing walks minute by minute or day by day.

All moments in and out are timezone-aware; results are in UTC. The clock does no I/O and never reads the time.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from calendar import isleap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays

from revbridge.domain.durations import Duration
from revbridge.domain.sla_sections import BusinessHours, Clocks, HolidayCalendar

_WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NONE = timedelta(0)
# A shut day's "interval": empty, and before every moment the clock is asked about.
_NEVER = datetime.min.replace(tzinfo=UTC)
_SHUT = (_NEVER, _NEVER)


@dataclass(frozen=True, slots=True)
class _Year:
    """One local calendar year: each day's open interval (empty when shut) and running totals."""

    first: date
    opens: tuple[datetime, ...]
    closes: tuple[datetime, ...]
    open_before: tuple[timedelta, ...]  # open time of the days before day i; one longer than the year
    days_before: tuple[int, ...]  # business days (days with open time) before day i; one longer too

    @property
    def number(self) -> int:
        return self.first.year

    @property
    def open_time(self) -> timedelta:
        return self.open_before[-1]

    @property
    def business_days(self) -> int:
        return self.days_before[-1]

    def open_until(self, day: int, at: datetime) -> timedelta:
        """Open time of this year before ``at``, a moment on day ``day``."""
        opens, closes = self.opens[day], self.closes[day]
        return self.open_before[day] + (min(max(at, opens), closes) - opens)

    def moment_at(self, open_time: timedelta) -> datetime:
        """The moment at which ``open_time`` (more than none, at most the year's) of this year has passed."""
        day = bisect_left(self.open_before, open_time) - 1
        return self.opens[day] + (open_time - self.open_before[day])

    def business_day(self, n: int) -> int:
        """The index of the year's business day ``n`` (counted from 0; less than ``business_days``)."""
        return bisect_left(self.days_before, n + 1) - 1


class BusinessClock:
    """Business hours on business days in one time zone; see the module docstring for the model."""

    __slots__ = (
        "_closed",
        "_country_holidays",
        "_day_length",
        "_end",
        "_holidays",
        "_last_add",
        "_start",
        "_weekdays",
        "_years",
        "zone",
    )

    def __init__(self, zone: ZoneInfo, hours: BusinessHours, calendar: HolidayCalendar | None = None) -> None:
        self.zone: ZoneInfo = zone
        self._start: time = hours.start
        self._end: time = hours.end
        self._day_length = datetime.combine(date.min, hours.end) - datetime.combine(date.min, hours.start)
        self._weekdays = frozenset(_WEEKDAYS.index(d) for d in hours.days)
        self._holidays = calendar
        self._closed = frozenset(calendar.closed) if calendar else frozenset()
        self._country_holidays: dict[int, frozenset[date]] = {}
        self._years: dict[int, _Year] = {}
        self._last_add: tuple[datetime, Duration, datetime] | None = None

    @classmethod
    def from_clocks(cls, clocks: Clocks) -> BusinessClock:
        """The clock of an SLA's ``clocks`` section: its time zone, business hours and holidays."""
        return cls(clocks.zone, clocks.business_hours, clocks.holidays)

    # --- questions about days and moments ---------------------------------------------------------------

    def is_business_day(self, day: date) -> bool:
        """A listed weekday that is neither a public holiday nor a company closed day."""
        if isinstance(day, datetime):
            raise TypeError(f"expected a date, got the datetime {day.isoformat()}; pass its local .date()")
        return day.weekday() in self._weekdays and day not in self._closed and day not in self._public(day.year)

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` is inside business hours on a business day (the closing moment is not)."""
        moment = _utc(at)
        year, day = self._locate(moment)
        return year.opens[day] <= moment < year.closes[day]

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) if the clock is open then, else the next opening."""
        moment = _utc(at)
        year, day = self._locate(moment)
        if moment < year.closes[day]:
            return max(moment, year.opens[day])
        year, day = self._business_day(year, year.days_before[day + 1])
        return year.opens[day]

    # --- arithmetic ---------------------------------------------------------------------------------------

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` after ``start``: elapsed time for calendar durations, open time for
        business minutes and hours, the same offset into a later business day for business days.

        The last answer is kept: a tick opens thousands of clocks at the same moment with the same length."""
        if self._last_add is not None and self._last_add[0] == start and self._last_add[1] == duration:
            return self._last_add[2]
        result = self._add(start, duration)
        self._last_add = (start, duration, result)
        return result

    def _add(self, start: datetime, duration: Duration) -> datetime:
        moment = _utc(start)
        if not duration.business:
            return moment + duration.as_timedelta()
        if duration.unit != "d":
            return self._add_open_time(moment, _business_span(duration))
        whole = math.floor(duration.amount)
        moment = self._add_business_days(moment, whole)
        return self._add_open_time(moment, self._day_length * (duration.amount - whole))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``; none if ``end`` is not after ``start``."""
        first, last = _utc(start), _utc(end)
        if last <= first:
            return _NONE
        (year, day), (last_year, last_day) = self._locate(first), self._locate(last)
        total = last_year.open_until(last_day, last) - year.open_until(day, first)
        for number in range(year.number, last_year.number):
            total += self._year(number).open_time
        return total

    def _add_open_time(self, moment: datetime, span: timedelta) -> datetime:
        if span <= _NONE:
            return self.next_open(moment)
        year, day = self._locate(moment)
        target = year.open_until(day, moment) + span
        while target > year.open_time:
            target -= year.open_time
            year = self._year(year.number + 1)
        return year.moment_at(target)

    def _add_business_days(self, moment: datetime, days: int) -> datetime:
        opening = self.next_open(moment)
        year, day = self._locate(opening)
        offset = opening - year.opens[day]
        year, day = self._business_day(year, year.days_before[day] + days)
        return min(year.opens[day] + offset, year.closes[day])

    # --- the tables -------------------------------------------------------------------------------------

    def _locate(self, moment: datetime) -> tuple[_Year, int]:
        """The year table of ``moment``'s local date, and the date's index in it."""
        local = moment.astimezone(self.zone).date()
        year = self._year(local.year)
        return year, local.toordinal() - year.first.toordinal()

    def _business_day(self, year: _Year, n: int) -> tuple[_Year, int]:
        """Business day ``n`` (from 0) counted from the start of ``year``, rolling into later years."""
        while n >= year.business_days:
            n -= year.business_days
            year = self._year(year.number + 1)
        return year, year.business_day(n)

    def _year(self, number: int) -> _Year:
        year = self._years.get(number)
        if year is None:
            year = self._years[number] = self._tabulate(number)
        return year

    def _tabulate(self, number: int) -> _Year:
        first = date(number, 1, 1)
        days = (first + timedelta(days=i) for i in range(366 if isleap(number) else 365))
        intervals = [self._interval(day) for day in days]
        return _Year(
            first=first,
            opens=tuple(opens for opens, _ in intervals),
            closes=tuple(closes for _, closes in intervals),
            open_before=tuple(accumulate((closes - opens for opens, closes in intervals), initial=_NONE)),
            days_before=tuple(accumulate((1 if closes > opens else 0 for opens, closes in intervals), initial=0)),
        )

    def _interval(self, day: date) -> tuple[datetime, datetime]:
        """When ``day`` is open, in UTC; ``_SHUT`` when it is not a business day or its hours never happen."""
        if not self.is_business_day(day):
            return _SHUT
        opens = _wall_moment(day, self._start, self.zone, last=False)
        closes = _wall_moment(day, self._end, self.zone, last=True)
        return (opens, closes) if closes > opens else _SHUT

    def _public(self, year: int) -> frozenset[date]:
        """The public holidays of one year, looked up once."""
        if self._holidays is None:
            return frozenset()
        found = self._country_holidays.get(year)
        if found is None:
            calendar = holidays.country_holidays(self._holidays.country, subdiv=self._holidays.subdivision, years=year)
            found = self._country_holidays[year] = frozenset(d for d in calendar if d.year == year)
        return found


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"expected a timezone-aware datetime, got the naive {at.isoformat()}; "
            "attach its zone, e.g. datetime(..., tzinfo=ZoneInfo('America/New_York'))"
        )
    return at.astimezone(UTC)


def _business_span(duration: Duration) -> timedelta:
    """Business minutes or hours as the open time they stand for."""
    return timedelta(minutes=duration.amount) if duration.unit == "m" else timedelta(hours=duration.amount)


def _wall_moment(day: date, at: time, zone: ZoneInfo, *, last: bool) -> datetime:
    """The moment (UTC) the wall clock in ``zone`` shows ``at`` on ``day``: the first or the ``last`` showing
    when the time repeats (clocks going back), the moment of the jump when the clock skips it (going forward)."""
    wall = datetime.combine(day, at)
    earlier_offset = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    later_offset = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if earlier_offset <= later_offset:
        return later_offset if last else earlier_offset
    return _offset_change(later_offset, earlier_offset, zone)


def _offset_change(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The whole second in ``(before, after]`` at which ``zone`` leaves the UTC offset it has at ``before``."""
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    offset = before.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)
