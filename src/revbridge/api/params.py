"""What the routes take in the path and the query string, as annotated types with their documentation.

Every value is bounded where the store would otherwise fail on it: ids fit a 64-bit integer, moments
carry their offset and fall between 1900 and 2999, words hold no NUL character (PostgreSQL's text
cannot); a value out of bounds is a 422 problem naming the parameter, never a server error.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, StringConstraints

MAX_ID = 2**63 - 1
YEARS = (1900, 2999)
NO_NUL = r"^[^\x00]*$"


def _utc(moment: datetime) -> datetime:
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"give a moment between the years {YEARS[0]} and {YEARS[1]}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"give a moment between the years {YEARS[0]} and {YEARS[1]}") from None


def _day(day: date) -> date:
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValueError(f"give a day between the years {YEARS[0]} and {YEARS[1]}")
    return day


def _storable(value: Any) -> Any:
    """JSON both databases store as sent: no NUL in any text, no infinite or NaN number."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not hold a NUL character")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    if isinstance(value, list):
        for item in value:
            _storable(item)
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_utc)]
"""A moment with its offset (ISO 8601, ``2026-03-02T10:00:00Z``), kept in UTC."""
Day = Annotated[date, AfterValidator(_day)]
"""A calendar day (``2026-03-02``)."""
Properties = Annotated[dict[str, Any], AfterValidator(_storable)]
"""Free-form JSON properties."""
Word = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=NO_NUL)]
"""A name or a code: a stage, an e-mail, a campaign."""

LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="The lead's id.")]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items on the page (1–500).")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Where the page starts: the `next` of the page before. Leave it out for the first page.",
    ),
]
Since = Annotated[Moment | None, Query(description="From this moment, inclusive (ISO 8601 with its offset).")]
Until = Annotated[Moment | None, Query(description="Up to this moment, exclusive (ISO 8601 with its offset).")]
Owner = Annotated[Word | None, Query(description="Only those of the person with this e-mail.")]
