"""Durations as an SLA writes them: ``4h business``, ``30m``, ``2d business``, ``3d``, ``1w``.

A ``Duration`` keeps the value as written (an amount, a unit, business or calendar time); it does no
clock arithmetic. ``business`` means counted in business hours only: ``4h business`` is four hours of
the SLA's business hours, ``2d business`` two business days (days on which business hours apply),
whatever the length of a business day. The business-hours clock turns these into moments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

Unit = Literal["m", "h", "d", "w"]

_UNITS: dict[str, Unit] = {"m": "m", "h": "h", "d": "d", "w": "w"}
_HOURS_PER: dict[str, float] = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
_WORDS: dict[str, str] = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])(?:\s+(business))?\s*$")
EXAMPLE = "a duration like '4h business', '30m', '2d business' or '1w'"


class DurationInvalid(ValueError):
    """Text that is not a duration; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Duration:
    """An amount of time in one unit (m, h, d, w), in business or calendar time."""

    amount: float
    unit: Unit = "h"
    business: bool = False

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise DurationInvalid(f"a duration must be longer than zero, got {self.amount}")
        if self.business and self.unit == "w":
            raise DurationInvalid("business weeks are ambiguous; write business days, like '5d business'")

    @property
    def hours(self) -> float:
        """The amount in hours, counting a day as 24 hours. For business days, use ``days``."""
        return self.amount * _HOURS_PER[self.unit]

    @property
    def in_days(self) -> bool:
        """Whether the duration counts whole days (``d`` or ``w``) rather than hours or minutes."""
        return self.unit in ("d", "w")

    @property
    def days(self) -> float:
        """The amount in days (a week is 7 days); business days when ``business``."""
        return self.hours / 24

    def as_timedelta(self) -> timedelta:
        """Calendar time only: business time needs the business-hours clock."""
        if self.business:
            raise ValueError(f"{self} is business time; ask the business-hours clock, not timedelta")
        return timedelta(hours=self.hours)

    def describe(self) -> str:
        """In words for people: ``4 business hours``, ``30 minutes``, ``1 week``."""
        word = _WORDS[self.unit] + ("" if self.amount == 1 else "s")
        return f"{number_text(self.amount)} {'business ' if self.business else ''}{word}"

    def __str__(self) -> str:
        return f"{number_text(self.amount)}{self.unit}{' business' if self.business else ''}"


def parse_duration(text: str) -> Duration:
    """``"4h business"`` -> ``Duration(4, "h", business=True)``; raises ``DurationInvalid``."""
    match = _PATTERN.match(text.lower())
    if match is None:
        raise DurationInvalid(f"expected {EXAMPLE}, got {text!r}")
    amount = float(match.group(1))
    number = int(amount) if amount.is_integer() else amount
    return Duration(number, _UNITS[match.group(2)], business=bool(match.group(3)))


def number_text(value: float) -> str:
    """``4`` for 4.0, ``1.5`` for 1.5: numbers as people write them."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
