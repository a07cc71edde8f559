"""Calendar periods in UTC: the week (from Monday), month and quarter a moment falls in, and the ones before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

PERIODS = ("week", "month", "quarter")


def period_start(at: datetime, per: str) -> datetime:
    """The start (00:00 UTC) of the ``per`` that ``at`` falls in."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if per == "week":
        return day - timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    if per == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"unknown period {per!r}: use one of {', '.join(PERIODS)}")


def next_start(start: datetime, per: str) -> datetime:
    """The start of the period after the one starting at ``start``."""
    if per == "week":
        return start + timedelta(days=7)
    months = 1 if per == "month" else 3
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def previous_start(start: datetime, per: str) -> datetime:
    """The start of the period before the one starting at ``start``."""
    return period_start(start - timedelta(days=1), per)
