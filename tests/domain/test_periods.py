"""Calendar periods: every moment falls in exactly one, and they tile time without gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revbridge.domain.periods import PERIODS, next_start, period_start, previous_start

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def test_the_periods_of_a_wednesday_in_may() -> None:
    at = datetime(2026, 5, 13, 15, 30, tzinfo=UTC)
    assert period_start(at, "week") == datetime(2026, 5, 11, tzinfo=UTC)
    assert period_start(at, "month") == datetime(2026, 5, 1, tzinfo=UTC)
    assert period_start(at, "quarter") == datetime(2026, 4, 1, tzinfo=UTC)
    assert next_start(datetime(2026, 10, 1, tzinfo=UTC), "quarter") == datetime(2027, 1, 1, tzinfo=UTC)
    assert previous_start(datetime(2026, 1, 1, tzinfo=UTC), "month") == datetime(2025, 12, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown period 'fortnight'"):
        period_start(at, "fortnight")


@given(moments, st.sampled_from(PERIODS))
def test_a_moment_lies_in_its_period_and_periods_tile_time(at: datetime, per: str) -> None:
    start = period_start(at, per)
    end = next_start(start, per)
    assert start <= at < end
    assert period_start(end, per) == end
    assert next_start(previous_start(start, per), per) == start
    assert end - start >= timedelta(days=7)
