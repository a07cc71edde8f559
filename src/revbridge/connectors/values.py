"""Parsing the values real exports contain: dates in several styles, yes/no, numbers with separators."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_TRUE = {"true", "yes", "y", "1", "t", "x", "checked"}
_FALSE = {"false", "no", "n", "0", "f", "", "unchecked"}
_NUMBER_NOISE = re.compile(r"[\s,$€£]")


class ValueInvalid(ValueError):
    """A cell that cannot be read as the type its field needs; the message says what was expected."""


def blank(raw: str | None) -> bool:
    return raw is None or raw.strip() == ""


def parse_bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueInvalid(f"expected yes/no or true/false, got {raw!r}")


def parse_float(raw: str) -> float:
    text = _NUMBER_NOISE.sub("", raw)
    try:
        return float(text)
    except ValueError:
        raise ValueInvalid(f"expected a number, got {raw!r}") from None


def parse_int(raw: str) -> int:
    value = parse_float(raw)
    if not value.is_integer():
        raise ValueInvalid(f"expected a whole number, got {raw!r}")
    return int(value)


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
)


def parse_datetime(raw: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (with or without zone), epoch milliseconds, or common
    CRM export styles. Values without a zone are taken as UTC."""
    text = raw.strip()
    if text.isdigit() and len(text) >= 12:  # HubSpot API exports use epoch milliseconds
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    value = _parse_naive_or_aware(text)
    if value is None:
        raise ValueInvalid(f"expected a date or date-time like 2024-03-01 14:05, got {raw!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_naive_or_aware(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(raw: str) -> date:
    return parse_datetime(raw).date()
