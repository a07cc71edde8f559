"""ISO weeks: parsing, their bounds in UTC, and moving between them across years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.iso_weeks import InvalidWeek, IsoWeek

moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def test_a_week_runs_from_monday_midnight_utc_for_seven_days() -> None:
    week = IsoWeek.parse("2026-W47")
    assert week.start == datetime(2026, 11, 16, tzinfo=UTC)
    assert week.end == datetime(2026, 11, 23, tzinfo=UTC)
    assert str(week) == "2026-W47"


@pytest.mark.parametrize("text", ["2026-W47", "2026W47", "2026-w47", " 2026-W47 "])
def test_a_week_is_read_in_its_usual_spellings(text: str) -> None:
    assert IsoWeek.parse(text) == IsoWeek(2026, 47)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("47", "expected an ISO week like 2026-W47 (year, W, week number), got '47'"),
        ("2026-11-16", "expected an ISO week like 2026-W47 (year, W, week number), got '2026-11-16'"),
        ("2026-W54", "a week number runs from 1 to 53, not 54"),
        ("2026-W00", "a week number runs from 1 to 53, not 0"),
        ("2027-W53", "2027 has no week 53"),
    ],
)
def test_a_wrong_week_says_the_form_expected(text: str, says: str) -> None:
    with pytest.raises(InvalidWeek) as refused:
        IsoWeek.parse(text)
    assert says in str(refused.value)


def test_weeks_cross_the_year_as_iso_counts_them() -> None:
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek.of(datetime(2025, 12, 29, tzinfo=UTC)) == IsoWeek(2026, 1)


def test_the_last_complete_week_is_the_one_before_now() -> None:
    sunday_night = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert IsoWeek.last_complete(sunday_night) == IsoWeek(2026, 46)
    assert IsoWeek.last_complete(monday) == IsoWeek(2026, 47)
    assert IsoWeek(2026, 47).is_complete(monday)
    assert not IsoWeek(2026, 48).has_started(monday - timedelta(microseconds=1))


@given(moments)
def test_a_moment_lies_in_its_week(moment: datetime) -> None:
    week = IsoWeek.of(moment)
    assert week.start <= moment < week.end
    assert week.start.weekday() == 0


@given(moments)
def test_a_week_reads_back_as_written_and_its_neighbours_touch_it(moment: datetime) -> None:
    week = IsoWeek.of(moment)
    assert IsoWeek.parse(str(week)) == week
    assert week.next().start == week.end
    assert week.previous().end == week.start
    assert week.next().previous() == week
    assert week.previous() < week < week.next()
