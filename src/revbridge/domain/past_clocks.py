"""The accept clocks of imported history: what the engine would have recorded, had it been running.

An imported verdict on an MQL is the answer to the accept clock that MQL opened: opened when the lead
became an MQL, due ``accept_within`` business time later under the SLA then in force, **met** when the
verdict came by then and **breached** otherwise (closed at the deadline, as a tick would have). Pure.
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
    due = clock.add(verdict.mql_at, accept_within)
    met = verdict.verdict_at <= due
    return PastClock(
        lead_id=verdict.lead_id,
        owner_id=verdict.owner_id,
        opened_at=verdict.mql_at,
        due_at=due,
        status="met" if met else "breached",
        closed_at=verdict.verdict_at if met else due,
        sla_version=verdict.sla_version,
    )
