"""ISO weeks, the weekly check-in's unit: ``2026-W47`` runs from Monday 00:00 UTC to the next Monday.

ISO 8601 numbers weeks from the one holding the year's first Thursday, so a week belongs to the year
that holds most of its days: 2026-W53 exists (2026 starts on a Thursday), 2027-W53 does not, and
29 December 2025 falls in 2026-W01. Python's ``date.isocalendar`` and ``date.fromisocalendar`` follow
the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from revbridge.domain.errors import InvalidInput

FORM = "2026-W47"  # how a week is written, for messages
_PATTERN = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


class InvalidWeek(InvalidInput):
    def __init__(self, text: str, why: str = "") -> None:
        self.text = text
        super().__init__(f"expected an ISO week like {FORM} (year, W, week number), got {text!r}{why}")


@dataclass(frozen=True, order=True, slots=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise InvalidWeek(str(self), f": {self.year} has no week {self.week}") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W47`` (also ``2026W47`` and ``2026-w7``) as a week; ``InvalidWeek`` otherwise."""
        found = _PATTERN.fullmatch(text.strip())
        if found is None:
            raise InvalidWeek(text)
        year, week = int(found.group(1)), int(found.group(2))
        if not 1 <= week <= 53:
            raise InvalidWeek(text, f": a week number runs from 1 to 53, not {week}")
        return cls(year, week)

    @classmethod
    def of(cls, moment: datetime) -> IsoWeek:
        """The week ``moment`` (aware) falls in, in UTC."""
        year, week, _ = moment.astimezone(UTC).isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime) -> IsoWeek:
        """The latest week that has ended by ``now``: on any day of 2026-W48, 2026-W47."""
        return cls.of(now).previous()

    @property
    def start(self) -> datetime:
        """Monday 00:00 UTC."""
        return datetime.combine(date.fromisocalendar(self.year, self.week, 1), time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 UTC: the week is ``[start, end)``."""
        return self.start + timedelta(days=7)

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.start - timedelta(days=1))

    def next(self) -> IsoWeek:
        return IsoWeek.of(self.end)

    def has_started(self, now: datetime) -> bool:
        return self.start <= now

    def is_complete(self, now: datetime) -> bool:
        return self.end <= now

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
