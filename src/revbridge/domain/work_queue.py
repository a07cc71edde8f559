"""The SLA queue's rules: whose waiting MQLs a person sees, and how long each clock has left. Pure.

- **Whose leads.** A sales rep sees the MQLs routed to them ("my queue"); when the SLA lets any sales
  rep give the verdict (``qualification.sal.accepted_by: any_sales_rep``) they also see their team's
  and the ones nobody has yet, since they may take those too. A sales manager (title
  ``sales_manager``) and admins see everyone's, to balance the load; marketing and viewers see
  everyone's too, to read. Only the sales manager, admins, marketing and viewers may narrow the view
  to one owner or one team: a rep's queue is theirs.
- **Time left.** A clock counts as its SLA deadline does: in business hours on the SLA's business clock
  when the deadline is business time (``4h business``), else in elapsed time. ``left`` is what remains
  before the deadline, negative once it has passed: how overdue the clock is, counted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from revbridge.domain.permissions import SALES_MANAGER, Actor
from revbridge.domain.sla import Sla

Whose = Literal["mine", "team", "everyone"]
ZERO = timedelta(0)


class OpenTime(Protocol):
    """What a reading needs of a business clock: the open time between two moments."""

    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass(frozen=True, slots=True)
class QueueScope:
    """Whose waiting MQLs a person's queue holds, and whether they may narrow it to an owner or team."""

    whose: Whose
    owner_id: int | None = None  # whose leads, for ``mine`` and ``team``
    team: str | None = None  # which team's, for ``team``
    with_unowned: bool = False  # also the MQLs nobody has yet
    may_filter: bool = False

    @property
    def title(self) -> str:
        return {"mine": "My queue", "team": "My team's queue", "everyone": "SLA queue"}[self.whose]


def works_own_queue(role: str, title: str | None) -> bool:
    """A sales rep works the MQLs handed to them; the sales manager and everyone else read everyone's."""
    return role == "sales" and title != SALES_MANAGER


def queue_scope(actor: Actor, team: str | None, accepted_by: str) -> QueueScope:
    """The queue ``actor`` (of ``team``) sees under the SLA's ``qualification.sal.accepted_by``."""
    if works_own_queue(actor.role, actor.title):
        if accepted_by == "any_sales_rep" and team is not None:
            return QueueScope("team", owner_id=actor.id, team=team, with_unowned=True)
        return QueueScope("mine", owner_id=actor.id, with_unowned=accepted_by == "any_sales_rep")
    return QueueScope("everyone", may_filter=True)


@dataclass(frozen=True, slots=True)
class ClockReading:
    """An SLA clock as its owner reads it: due when, and how much time is left (negative: overdue)."""

    kind: str  # accept | first_touch | attempts
    due_at: datetime
    left: timedelta
    business: bool  # counted in business hours
    status: str = "open"  # open, or breached (the tick has marked it)

    @property
    def overdue(self) -> bool:
        return self.left < ZERO or self.status == "breached"

    def describe(self) -> str:
        """``2h 05m business left``, ``overdue by 1h 30m business``, ``due now``."""
        unit = " business" if self.business else ""
        if self.left > ZERO and self.status != "breached":
            return f"{span(self.left)}{unit} left"
        if self.left == ZERO:
            return "breached" if self.status == "breached" else "due now"
        return f"overdue by {span(-self.left)}{unit}"


def read_clock(
    kind: str, due_at: datetime, now: datetime, sla: Sla, clock: OpenTime, status: str = "open"
) -> ClockReading:
    """How long the clock of ``kind`` due at ``due_at`` has left at ``now``, counted as the SLA's
    deadline of that kind counts (business time unless the SLA says otherwise)."""
    if not _counts_business_time(sla, kind):
        return ClockReading(kind, due_at, due_at - now, False, status)
    left = clock.elapsed(now, due_at) if due_at >= now else -clock.elapsed(due_at, now)
    return ClockReading(kind, due_at, left, True, status)


def span(length: timedelta) -> str:
    """A length of time in hours and minutes (``27h 05m``), or minutes alone under an hour (``42m``)."""
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def _counts_business_time(sla: Sla, kind: str) -> bool:
    clocks = sla.clocks
    deadline = {
        "accept": clocks.accept_within,
        "first_touch": clocks.first_touch_within,
        "attempts": clocks.attempts.within if clocks.attempts is not None else None,
    }.get(kind)
    return True if deadline is None else deadline.business
