"""Reading a moment from the command line: ``--at 2026-03-02T15:00:00Z`` (UTC unless it says), or now."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

AT_HELP = "When it happened (ISO 8601, UTC unless it says), for replays and tests; default now."


def moment(text: str | None, *, option: str = "--at") -> datetime:
    """``text`` as an aware datetime (UTC when it has no offset); now, in UTC, when it is None."""
    return optional_moment(text, option=option) or datetime.now(UTC)


def optional_moment(text: str | None, *, option: str) -> datetime | None:
    """``text`` (a day or a date-time) as an aware datetime, UTC when it has no offset; None for None."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"expected a day like 2026-03-02 or a date-time like 2026-03-02T15:00:00Z, got {text!r}",
            param_hint=option,
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
