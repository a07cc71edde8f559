"""The business-hours clock: open hours in the SLA's zone, holidays, deadlines and elapsed business time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revbridge.domain.business_time import BusinessClock
from revbridge.domain.durations import Duration, Unit, parse_duration
from revbridge.domain.sla_sections import Clocks

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NONE = timedelta(0)


def clocks(
    timezone: str = "America/New_York",
    *,
    days: Sequence[str] = WEEKDAYS,
    start: str = "09:00",
    end: str = "17:30",
    holidays: dict[str, Any] | None = None,
) -> Clocks:
    return Clocks.model_validate(
        {
            "timezone": timezone,
            "business_hours": {"days": list(days), "start": start, "end": end},
            "holidays": holidays,
            "accept_within": "4h business",
            "escalations": {"accept_within": {"escalate_to": "role:sales_manager"}},
        }
    )


def new_york_clock() -> BusinessClock:
    """The example SLA's clock: weekdays 09:00–17:30 New York, US-NY holidays, two company closed days."""
    return BusinessClock.from_clocks(
        clocks(holidays={"country": "US", "subdivision": "NY", "closed": ["2025-12-24", "2025-12-31"]})
    )


def berlin_clock() -> BusinessClock:
    return BusinessClock.from_clocks(
        clocks("Europe/Berlin", end="17:00", holidays={"country": "DE", "subdivision": "BE"})
    )


NEW_YORK = new_york_clock()
HOURS = {"new_york": (NEW_YORK, time(9), time(17, 30)), "berlin": (berlin_clock(), time(9), time(17))}


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def business(text: str) -> Duration:
    return parse_duration(f"{text} business")


# --- deadlines ------------------------------------------------------------------------------------------


def test_an_mql_arriving_friday_at_five_is_due_monday_at_half_past_twelve() -> None:
    due = NEW_YORK.add(ny(2025, 10, 3, 17, 0), business("4h"))
    assert due == ny(2025, 10, 6, 12, 30)
    assert due.tzinfo is UTC
    assert due == datetime(2025, 10, 6, 16, 30, tzinfo=UTC)


def test_a_deadline_skips_the_weekend() -> None:
    assert NEW_YORK.add(ny(2025, 10, 3, 16, 0), business("1d")) == ny(2025, 10, 6, 16, 0)
    assert NEW_YORK.add(ny(2025, 10, 3, 15, 0), business("3h")) == ny(2025, 10, 6, 9, 30)


def test_business_days_keep_the_time_of_day() -> None:
    assert NEW_YORK.add(ny(2025, 10, 7, 11, 0), business("2d")) == ny(2025, 10, 9, 11, 0)
    assert NEW_YORK.add(ny(2025, 10, 7, 11, 0), business("5d")) == ny(2025, 10, 15, 11, 0)  # Columbus Day 13th


def test_a_start_outside_hours_first_moves_to_the_next_opening() -> None:
    assert NEW_YORK.add(ny(2025, 10, 4, 10, 0), business("2h")) == ny(2025, 10, 6, 11, 0)  # Saturday
    assert NEW_YORK.add(ny(2025, 10, 7, 7, 0), business("1d")) == ny(2025, 10, 8, 9, 0)
    assert NEW_YORK.add(ny(2025, 10, 8, 20, 0), business("30m")) == ny(2025, 10, 9, 9, 30)
    assert NEW_YORK.add(ny(2025, 10, 3, 17, 30), business("1d")) == ny(2025, 10, 7, 9, 0)


def test_a_deadline_may_fall_on_the_closing_moment() -> None:
    assert NEW_YORK.add(ny(2025, 10, 3, 17, 0), business("30m")) == ny(2025, 10, 3, 17, 30)
    assert NEW_YORK.add(ny(2025, 10, 3, 9, 0), business("8.5h")) == ny(2025, 10, 3, 17, 30)
    assert NEW_YORK.add(ny(2025, 12, 30, 17, 0), business("30m")) == ny(2025, 12, 30, 17, 30)  # the year's last


def test_a_fraction_of_a_business_day_is_that_share_of_the_working_day() -> None:
    # 0.5 of 8.5 hours is 4h15m: 1h30 on Tuesday, then 2h45 on the next business day.
    assert NEW_YORK.add(ny(2025, 10, 7, 16, 0), business("0.5d")) == ny(2025, 10, 8, 11, 45)
    assert NEW_YORK.add(ny(2025, 10, 7, 11, 0), business("1.5d")) == ny(2025, 10, 8, 15, 15)


def test_calendar_durations_add_plain_elapsed_time() -> None:
    saturday_noon = ny(2026, 3, 7, 12, 0)  # the clocks go forward overnight
    assert NEW_YORK.add(saturday_noon, parse_duration("1d")) == ny(2026, 3, 8, 13, 0)
    assert NEW_YORK.add(saturday_noon, parse_duration("90m")) == saturday_noon + timedelta(minutes=90)
    assert NEW_YORK.add(saturday_noon, parse_duration("1w")).tzinfo is UTC


def test_a_long_deadline_is_computed_without_walking_the_calendar() -> None:
    clock = new_york_clock()
    far = clock.add(ny(2025, 10, 7, 11, 0), business("5000d"))
    assert far.astimezone(NY).time() == time(11, 0)
    assert clock.is_business_day(far.astimezone(NY).date())
    assert clock.elapsed(ny(2025, 10, 7, 11, 0), far) == 5000 * timedelta(hours=8.5)
    assert clock.add(ny(2025, 10, 7, 11, 0), business("100000h")).year > 2070


# --- holidays and closed days ---------------------------------------------------------------------------


def test_thanksgiving_and_christmas_are_not_business_days() -> None:
    assert not NEW_YORK.is_business_day(date(2025, 11, 27))
    assert NEW_YORK.is_business_day(date(2025, 11, 28))
    assert not NEW_YORK.is_business_day(date(2025, 12, 25))
    assert NEW_YORK.add(ny(2025, 11, 26, 16, 0), business("4h")) == ny(2025, 11, 28, 11, 30)
    assert NEW_YORK.add(ny(2025, 11, 26, 10, 0), business("1d")) == ny(2025, 11, 28, 10, 0)


def test_new_york_state_holidays_count_as_well_as_federal_ones() -> None:
    assert not NEW_YORK.is_business_day(date(2025, 2, 12))  # Lincoln's Birthday, a New York holiday
    assert BusinessClock.from_clocks(clocks(holidays={"country": "US"})).is_business_day(date(2025, 2, 12))


def test_a_company_closed_day_is_skipped() -> None:
    assert not NEW_YORK.is_business_day(date(2025, 12, 24))
    # Tuesday 23rd 17:00, then the 24th (closed) and the 25th (Christmas): due Friday the 26th.
    assert NEW_YORK.add(ny(2025, 12, 23, 17, 0), business("1h")) == ny(2025, 12, 26, 9, 30)
    assert NEW_YORK.elapsed(ny(2025, 12, 23, 17, 0), ny(2025, 12, 26, 9, 30)) == timedelta(hours=1)


def test_weekends_and_unlisted_days_are_not_business_days() -> None:
    assert not NEW_YORK.is_business_day(date(2025, 10, 4))
    assert not NEW_YORK.is_business_day(date(2025, 10, 5))
    weekend_shift = BusinessClock.from_clocks(clocks(days=["sat", "sun"]))
    assert weekend_shift.is_business_day(date(2025, 10, 4))
    assert not weekend_shift.is_business_day(date(2025, 10, 6))


def test_without_a_holiday_calendar_only_the_weekdays_count() -> None:
    clock = BusinessClock.from_clocks(clocks())
    assert clock.is_business_day(date(2025, 12, 25))


def test_holidays_are_looked_up_only_for_the_years_asked_about() -> None:
    clock = new_york_clock()
    clock.add(ny(2025, 12, 30, 12, 0), business("2d"))
    assert set(clock._years) == {2025, 2026}
    assert set(clock._country_holidays) == {2025, 2026}


# --- open or shut ---------------------------------------------------------------------------------------


def test_the_clock_is_open_inside_hours_on_business_days_only() -> None:
    assert NEW_YORK.is_open(ny(2025, 10, 6, 9, 0))
    assert NEW_YORK.is_open(ny(2025, 10, 6, 17, 29, 59))
    assert not NEW_YORK.is_open(ny(2025, 10, 6, 8, 59, 59))
    assert not NEW_YORK.is_open(ny(2025, 10, 6, 17, 30))
    assert not NEW_YORK.is_open(ny(2025, 10, 4, 12, 0))  # Saturday
    assert not NEW_YORK.is_open(ny(2025, 11, 27, 12, 0))  # Thanksgiving
    assert NEW_YORK.is_open(datetime(2025, 10, 6, 13, 0, tzinfo=UTC))  # 09:00 in New York


def test_next_open_is_the_moment_itself_when_open_or_else_the_next_opening() -> None:
    assert NEW_YORK.next_open(ny(2025, 10, 6, 10, 15)) == ny(2025, 10, 6, 10, 15)
    assert NEW_YORK.next_open(ny(2025, 10, 6, 7, 0)) == ny(2025, 10, 6, 9, 0)
    assert NEW_YORK.next_open(ny(2025, 10, 3, 17, 30)) == ny(2025, 10, 6, 9, 0)
    assert NEW_YORK.next_open(ny(2025, 12, 23, 18, 0)) == ny(2025, 12, 26, 9, 0)
    assert NEW_YORK.next_open(ny(2025, 12, 31, 12, 0)) == ny(2026, 1, 2, 9, 0)  # closed, then New Year
    assert NEW_YORK.next_open(ny(2025, 10, 6, 10, 15)).tzinfo is UTC


# --- elapsed business time -------------------------------------------------------------------------------


def test_elapsed_counts_open_time_only() -> None:
    assert NEW_YORK.elapsed(ny(2025, 10, 3, 17, 0), ny(2025, 10, 6, 12, 30)) == timedelta(hours=4)
    assert NEW_YORK.elapsed(ny(2025, 10, 4, 0, 0), ny(2025, 10, 5, 23, 0)) == NONE
    assert NEW_YORK.elapsed(ny(2025, 11, 26, 9, 0), ny(2025, 11, 29, 9, 0)) == timedelta(hours=17)


def test_elapsed_is_none_when_the_end_is_not_after_the_start() -> None:
    assert NEW_YORK.elapsed(ny(2025, 10, 6, 12, 0), ny(2025, 10, 6, 12, 0)) == NONE
    assert NEW_YORK.elapsed(ny(2025, 10, 6, 12, 0), ny(2025, 10, 6, 10, 0)) == NONE


def test_a_year_of_business_time_is_its_business_days_times_the_working_day() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    business_days = sum(NEW_YORK.is_business_day(d) for d in days)
    assert business_days == 261 - 13 - 2  # weekdays, weekday public holidays, the two closed days
    assert NEW_YORK.elapsed(ny(2025, 1, 1), ny(2026, 1, 1)) == business_days * timedelta(hours=8.5)


# --- daylight-saving time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "friday", "monday"),
    [
        (NEW_YORK, ny(2026, 3, 6, 17, 0), ny(2026, 3, 9, 9, 0)),  # clocks forward on Sunday 8 March
        (NEW_YORK, ny(2026, 10, 30, 17, 0), ny(2026, 11, 2, 9, 0)),  # and back on Sunday 1 November
        (HOURS["berlin"][0], berlin(2026, 3, 27, 16, 30), berlin(2026, 3, 30, 9, 0)),  # forward on 29 March
        (HOURS["berlin"][0], berlin(2026, 10, 23, 16, 30), berlin(2026, 10, 26, 9, 0)),  # back on 25 October
    ],
    ids=["new-york-march", "new-york-november", "berlin-march", "berlin-october"],
)
def test_business_hours_keep_their_wall_clock_times_across_a_daylight_saving_change(
    clock: BusinessClock, friday: datetime, monday: datetime
) -> None:
    assert friday.utcoffset() != monday.utcoffset()
    assert clock.next_open(friday + timedelta(hours=2)) == monday
    assert clock.add(friday, business("1h")) == monday + timedelta(minutes=30)
    assert clock.add(friday, business("1d")) == monday.replace(hour=friday.hour, minute=friday.minute)
    assert clock.elapsed(friday, monday + timedelta(hours=1)) == timedelta(hours=1, minutes=30)


def test_new_york_opens_an_hour_earlier_in_utc_after_the_spring_change() -> None:
    assert NEW_YORK.next_open(ny(2026, 3, 6, 8, 0)) == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    assert NEW_YORK.next_open(ny(2026, 3, 9, 8, 0)) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert NEW_YORK.add(ny(2026, 3, 6, 17, 0), business("4h")) == ny(2026, 3, 9, 12, 30)
    assert NEW_YORK.add(ny(2026, 10, 30, 17, 0), business("4h")) == datetime(2026, 11, 2, 17, 30, tzinfo=UTC)


def test_a_round_the_clock_day_is_an_hour_shorter_or_longer_on_the_change() -> None:
    every_day = BusinessClock.from_clocks(clocks(days=["sun"], start="00:00", end="23:59"))
    assert every_day.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(hours=22, minutes=59)
    assert every_day.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=24, minutes=59)


def test_hours_the_clock_skips_open_at_the_jump_and_a_repeated_hour_counts_twice() -> None:
    skipped = BusinessClock.from_clocks(clocks(days=["sun"], start="02:15", end="03:30"))
    assert skipped.next_open(ny(2026, 3, 7, 12, 0)) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert skipped.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(minutes=30)
    never = BusinessClock.from_clocks(clocks(days=["sun"], start="02:00", end="03:00"))
    assert never.next_open(ny(2026, 3, 7, 12, 0)) == ny(2026, 3, 15, 2, 0)
    repeated = BusinessClock.from_clocks(clocks(days=["sun"], start="01:00", end="02:00"))
    assert repeated.next_open(ny(2026, 10, 31, 12, 0)) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT
    assert repeated.elapsed(ny(2026, 10, 31), ny(2026, 11, 2)) == timedelta(hours=2)


# --- refusals -------------------------------------------------------------------------------------------


def test_a_naive_datetime_is_refused_with_a_clear_message() -> None:
    naive = datetime(2025, 10, 6, 12, 0)
    aware = ny(2025, 10, 6, 12, 0)
    calls: list[Callable[[], object]] = [
        lambda: NEW_YORK.is_open(naive),
        lambda: NEW_YORK.next_open(naive),
        lambda: NEW_YORK.add(naive, business("4h")),
        lambda: NEW_YORK.add(naive, parse_duration("4h")),
        lambda: NEW_YORK.elapsed(naive, aware),
        lambda: NEW_YORK.elapsed(aware, naive),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"expected a timezone-aware datetime, got the naive 2025-10-06T12:00:00"):
            call()


def test_a_business_day_question_needs_a_date_not_a_moment() -> None:
    with pytest.raises(TypeError, match="expected a date, got the datetime"):
        NEW_YORK.is_business_day(ny(2025, 12, 25, 12, 0))


# --- properties -----------------------------------------------------------------------------------------

CLOCK_NAMES = sorted(HOURS)
ZONES = st.sampled_from([UTC, NY, BERLIN])
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59), timezones=ZONES)
spans = st.one_of(
    st.integers(min_value=1, max_value=60 * 200).map(lambda m: Duration(m, "m", business=True)),
    st.integers(min_value=1, max_value=300).map(lambda h: Duration(h, "h", business=True)),
)
business_durations = st.one_of(
    spans, st.integers(min_value=1, max_value=40).map(lambda d: Duration(d, "d", business=True))
)
PROPERTY = settings(max_examples=200, deadline=None)


def open_moments(name: str) -> st.SearchStrategy[datetime]:
    """Moments inside business hours on a business day of the named clock, 2025–2027."""
    clock, start, end = HOURS[name]
    length = int((datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds())
    return st.builds(
        lambda day, second: datetime.combine(day, start, tzinfo=clock.zone) + timedelta(seconds=second),
        st.dates(date(2025, 1, 1), date(2027, 12, 31)).filter(clock.is_business_day),
        st.integers(min_value=0, max_value=length - 1),
    )


def counted_day_by_day(name: str, start: datetime, end: datetime) -> timedelta:
    """Business time in ``[start, end)`` the slow, obvious way: every day, its hours, their overlap."""
    clock, opens_at, closes_at = HOURS[name]
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total, day = NONE, start.astimezone(clock.zone).date()
    while day <= end.astimezone(clock.zone).date():
        if clock.is_business_day(day):
            opens = datetime.combine(day, opens_at, tzinfo=clock.zone).astimezone(UTC)
            closes = datetime.combine(day, closes_at, tzinfo=clock.zone).astimezone(UTC)
            total += max(NONE, min(end, closes) - max(start, opens))
        day += timedelta(days=1)
    return total


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(data=st.data(), span=spans)
def test_elapsed_time_undoes_a_business_add(name: str, data: st.DataObject, span: Duration) -> None:
    clock = HOURS[name][0]
    start = data.draw(open_moments(name))
    amount = timedelta(minutes=span.amount) if span.unit == "m" else timedelta(hours=span.amount)
    assert clock.elapsed(start, clock.add(start, span)) == amount


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(first=moments, second=moments, duration=business_durations)
def test_a_later_start_never_gives_an_earlier_deadline(
    name: str, first: datetime, second: datetime, duration: Duration
) -> None:
    clock = HOURS[name][0]
    early, late = sorted([first, second])
    assert clock.add(early, duration) <= clock.add(late, duration)


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(
    start=moments,
    unit=st.sampled_from(["m", "h", "d"]),
    amounts=st.lists(st.integers(min_value=1, max_value=500), min_size=2, max_size=2),
)
def test_a_longer_duration_never_gives_an_earlier_deadline(
    name: str, start: datetime, unit: Unit, amounts: list[int]
) -> None:
    clock = HOURS[name][0]
    shorter, longer = (Duration(a, unit, business=True) for a in sorted(amounts))
    assert clock.add(start, shorter) <= clock.add(start, longer)


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(start=moments, duration=business_durations)
def test_a_business_deadline_falls_within_hours_on_a_business_day(
    name: str, start: datetime, duration: Duration
) -> None:
    clock, opens_at, closes_at = HOURS[name]
    due = clock.add(start, duration)
    local = due.astimezone(clock.zone)
    assert due.tzinfo is UTC
    assert clock.is_business_day(local.date())
    assert opens_at <= local.time() <= closes_at
    assert clock.is_open(due) or clock.is_open(due - timedelta(microseconds=1))  # a closing moment counts


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(data=st.data(), days=st.integers(min_value=1, max_value=40))
def test_business_days_land_on_the_nth_business_day_at_the_same_time(name: str, data: st.DataObject, days: int) -> None:
    clock = HOURS[name][0]
    start = data.draw(open_moments(name))
    due = clock.add(start, business(f"{days}d"))
    expected_day, counted = start.astimezone(clock.zone).date(), 0
    while counted < days:
        expected_day += timedelta(days=1)
        counted += clock.is_business_day(expected_day)
    assert due.astimezone(clock.zone).date() == expected_day
    assert due.astimezone(clock.zone).time() == start.time()


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(first=moments, second=moments, third=moments)
def test_elapsed_adds_up_and_is_never_negative(name: str, first: datetime, second: datetime, third: datetime) -> None:
    clock = HOURS[name][0]
    a, b, c = sorted([first, second, third])
    assert clock.elapsed(a, b) + clock.elapsed(b, c) == clock.elapsed(a, c)
    assert clock.elapsed(a, b) >= NONE
    assert clock.elapsed(c, a) == NONE


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(start=moments, length=st.integers(min_value=0, max_value=40 * 24 * 3600))
def test_elapsed_agrees_with_counting_day_by_day(name: str, start: datetime, length: int) -> None:
    clock = HOURS[name][0]
    end = start.astimezone(UTC) + timedelta(seconds=length)
    assert clock.elapsed(start, end) == counted_day_by_day(name, start, end)


@pytest.mark.parametrize("name", CLOCK_NAMES)
@PROPERTY
@given(moment=moments)
def test_open_means_inside_the_wall_clock_hours_of_a_business_day(name: str, moment: datetime) -> None:
    clock, opens_at, closes_at = HOURS[name]
    local = moment.astimezone(clock.zone)
    expected = clock.is_business_day(local.date()) and opens_at <= local.time() < closes_at
    assert clock.is_open(moment) == expected
    following = clock.next_open(moment)
    assert clock.is_open(following)
    assert following >= moment
    assert clock.elapsed(moment, following) == NONE
