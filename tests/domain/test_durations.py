from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.durations import Duration, DurationInvalid, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h business", Duration(4, "h", business=True)),
        ("30m", Duration(30, "m")),
        ("2d business", Duration(2, "d", business=True)),
        ("3d", Duration(3, "d")),
        ("1w", Duration(1, "w")),
        ("1.5h", Duration(1.5, "h")),
        ("  8 H  Business ", Duration(8, "h", business=True)),
    ],
)
def test_reads_every_documented_form(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


def test_keeps_the_value_as_written_and_converts_to_hours() -> None:
    assert parse_duration("30m").hours == 0.5
    assert parse_duration("3d").hours == 72
    assert parse_duration("1w").hours == 168
    business_days = parse_duration("2d business")
    assert (business_days.days, business_days.in_days, business_days.business) == (2, True, True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("4h business", "4 business hours"),
        ("1h business", "1 business hour"),
        ("30m", "30 minutes"),
        ("2d business", "2 business days"),
        ("1w", "1 week"),
        ("1.5h", "1.5 hours"),
    ],
)
def test_describes_itself_in_words(text: str, words: str) -> None:
    assert parse_duration(text).describe() == words


@pytest.mark.parametrize("text", ["4 hours", "4", "", "business", "4x", "h4", "-1h"])
def test_refuses_text_that_is_not_a_duration_and_says_what_was_expected(text: str) -> None:
    with pytest.raises(DurationInvalid) as raised:
        parse_duration(text)
    assert str(raised.value) == (f"expected a duration like '4h business', '30m', '2d business' or '1w', got {text!r}")


def test_refuses_a_zero_duration() -> None:
    with pytest.raises(DurationInvalid, match="a duration must be longer than zero, got 0"):
        parse_duration("0h")


def test_refuses_business_weeks_as_ambiguous() -> None:
    with pytest.raises(DurationInvalid) as raised:
        parse_duration("1w business")
    assert str(raised.value) == "business weeks are ambiguous; write business days, like '5d business'"


def test_calendar_time_becomes_a_timedelta_but_business_time_needs_the_clock() -> None:
    assert parse_duration("90m").as_timedelta() == timedelta(minutes=90)
    with pytest.raises(ValueError, match="4h business is business time"):
        parse_duration("4h business").as_timedelta()


durations = st.builds(
    lambda amount, unit, business: Duration(amount, unit, business=business and unit != "w"),
    st.one_of(
        st.integers(min_value=1, max_value=100_000),
        st.floats(min_value=0.01, max_value=100_000, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from(["m", "h", "d", "w"]),
    st.booleans(),
)


@given(durations)
def test_formatting_then_parsing_gives_the_same_duration(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration


@given(durations)
def test_formatting_is_canonical(duration: Duration) -> None:
    text = str(duration)
    assert str(parse_duration(text.upper().replace("BUSINESS", "  Business "))) == text
