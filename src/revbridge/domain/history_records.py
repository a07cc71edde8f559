"""Records of the past that other tools hand us besides leads and events: campaigns, sales verdicts, quotas.

Plain, validated values, like ``records.py``: no I/O. A verdict names its lead by e-mail and its rep
by e-mail (or name); ingestion resolves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

VERDICTS: tuple[str, ...] = ("accept", "reject")


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    """A marketing campaign and the channel it runs in."""

    name: str
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    """Sales' answer to an MQL: accept, or reject with a reason from the SLA's list; a 1–5 rating of
    the lead's quality and sometimes a note."""

    lead_email: str
    verdict: str  # accept | reject
    at: datetime
    reason: str | None = None  # a rejection reason of the SLA in force; None when accepted
    rating: int | None = None  # 1 (useless) .. 5 (perfect)
    note: str | None = None
    user: str | None = None  # the rep's e-mail or name

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r}: expected accept or reject")
        if self.verdict == "reject" and not self.reason:
            raise ValueError("a rejection needs a reason from the SLA's list")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"rating {self.rating}: expected 1 to 5")
        if self.at.tzinfo is None:
            raise ValueError(f"verdict time {self.at.isoformat()} must be an aware datetime")


@dataclass(frozen=True, slots=True)
class QuotaRecord:
    """What a rep is expected to book in a period (inclusive dates)."""

    user_email: str
    period_start: date
    period_end: date
    amount: float

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValueError(f"quota period ends ({self.period_end}) before it starts ({self.period_start})")
        if self.amount < 0:
            raise ValueError(f"quota amount {self.amount} is negative")
