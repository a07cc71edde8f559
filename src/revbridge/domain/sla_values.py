"""The small value types an SLA file is written in, as Pydantic field types.

Each reads the text people write (``4h business``, ``team:sales``, ``"09:00"``, ``30 per 7d``) into a
typed value, with a message that says what was expected, and writes it back the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, PlainValidator

from revbridge.domain.conditions import EXAMPLE as CONDITION_EXAMPLE
from revbridge.domain.conditions import Condition, parse_condition
from revbridge.domain.durations import EXAMPLE as DURATION_EXAMPLE
from revbridge.domain.durations import Duration, number_text, parse_duration

PartyKind = Literal["role", "team", "person"]
_PARTY = re.compile(r"^(role|team|person):\s*(\S.*?)\s*$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CAP = re.compile(r"^\s*(\d+)\s+per\s+(.+)$")


@dataclass(frozen=True, slots=True)
class Party:
    """Who: ``role:sales_manager``, ``team:emea_enterprise`` or ``person:ana@example.com``."""

    kind: PartyKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    def describe(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class EngagementCap:
    """At most ``points`` from one touchpoint type within any ``window``: ``30 per 7d``."""

    points: int
    window: Duration

    def __str__(self) -> str:
        return f"{self.points} per {self.window}"

    def describe(self) -> str:
        return f"{self.points} per {self.window.describe()}"


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected {DURATION_EXAMPLE}, got {value!r}")
    return parse_duration(value)


def _calendar_duration(value: Any) -> Duration:
    duration = _duration(value)
    if duration.business:
        raise ValueError(
            f"expected calendar time like '{number_text(duration.amount)}{duration.unit}', not business time"
        )
    return duration


def _condition(value: Any) -> Condition:
    if isinstance(value, Condition):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected {CONDITION_EXAMPLE}, got {value!r}")
    return parse_condition(value)


def _party(value: Any) -> Party:
    if isinstance(value, Party):
        return value
    match = _PARTY.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"expected who, like 'role:sales_manager', 'team:sales' or 'person:ana@example.com', got {value!r}"
        )
    kind: PartyKind = "role" if match.group(1) == "role" else "team" if match.group(1) == "team" else "person"
    return Party(kind, match.group(2))


def _assignee(value: Any) -> Party:
    party = _party(value)
    if party.kind == "role":
        raise ValueError(f"leads go to a team or a person, like 'team:sales', not a role ({party})")
    return party


def _time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a time of day like '09:00' or '17:30', got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ValueError(f"expected a lower-case name like 'no_budget' (letters, digits and _), got {value!r}")
    return value


def _rate(value: Any) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"expected a rate like 0.7 or '70%', got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a rate like 0.7 or '70%', got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"expected a rate from 0 to 1 (0.7 means 70%), got {number_text(value)}")
    return float(value)


def _cap(value: Any) -> EngagementCap:
    if isinstance(value, EngagementCap):
        return value
    match = _CAP.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a cap like '30 per 7d' (points per window), got {value!r}")
    window = _calendar_duration(match.group(2).strip())
    if int(match.group(1)) <= 0:
        raise ValueError(f"a cap must allow more than 0 points, got {value!r}")
    return EngagementCap(int(match.group(1)), window)


def _text(value: object) -> str:
    return str(value)


DurationField = Annotated[Duration, PlainValidator(_duration), PlainSerializer(_text, return_type=str)]
CalendarDuration = Annotated[Duration, PlainValidator(_calendar_duration), PlainSerializer(_text, return_type=str)]
ConditionField = Annotated[Condition, PlainValidator(_condition), PlainSerializer(_text, return_type=str)]
PartyField = Annotated[Party, PlainValidator(_party), PlainSerializer(_text, return_type=str)]
AssigneeField = Annotated[Party, PlainValidator(_assignee), PlainSerializer(_text, return_type=str)]
CapField = Annotated[EngagementCap, PlainValidator(_cap), PlainSerializer(_text, return_type=str)]
TimeOfDay = Annotated[
    time, PlainValidator(_time_of_day), PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)
]
Identifier = Annotated[str, BeforeValidator(_identifier)]
Rate = Annotated[float, BeforeValidator(_rate)]
