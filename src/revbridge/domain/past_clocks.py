"""The SLA clocks of imported history: what the engine would have recorded, had it been running.

An imported verdict on an MQL is the answer to the accept clock that MQL opened: opened when the lead
became an MQL, due ``accept_within`` business time later under the SLA then in force, **met** when the
verdict came by then and **breached** otherwise (closed at the deadline, as a tick would have). An
acceptance opens the first-touch clock the same way, met by the lead's first sales activity after it.
Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from revbridge.domain.durations import Duration
from revbridge.domain.lifecycle import Deadlines


@dataclass(frozen=True, slots=True)
class PastVerdict:
    lead_id: int
    mql_at: datetime
    verdict_at: datetime
    owner_id: int | None
    sla_version: int | None


@dataclass(frozen=True, slots=True)
class PastClock:
    lead_id: int
    owner_id: int | None
    opened_at: datetime
    due_at: datetime
    status: str  # met | breached
    closed_at: datetime
    sla_version: int | None


def accept_clock(verdict: PastVerdict, accept_within: Duration, clock: Deadlines) -> PastClock:
    return clock_for(
        verdict.lead_id, verdict.owner_id, verdict.mql_at, verdict.verdict_at, accept_within, clock, verdict.sla_version
    )


def clock_for(
    lead_id: int,
    owner_id: int | None,
    opened_at: datetime,
    answered_at: datetime | None,
    within: Duration,
    clock: Deadlines,
    sla_version: int | None,
) -> PastClock:
    """The clock opened at ``opened_at`` for ``within``, answered at ``answered_at`` (never: breached)."""
    due = clock.add(opened_at, within)
    met = answered_at is not None and answered_at <= due
    return PastClock(
        lead_id=lead_id,
        owner_id=owner_id,
        opened_at=opened_at,
        due_at=due,
        status="met" if met else "breached",
        closed_at=answered_at if met and answered_at is not None else due,
        sla_version=sla_version,
    )
