"""Is the SLA kept: obligations met in time, speed to lead, breaches, and MQLs slipping through the cracks.

An **obligation** (an SLA clock: accept within, first touch within, K attempts within N days) counts
in the window its deadline falls in. It was **met in time** when it was met by its deadline, **met
late** after it, **breached** when the clock ran out (an open one past its deadline at ``now`` counts
as breached too: it will be). Open ones not yet due are **pending** and cancelled ones (the lead moved
on) are left out. **Compliance** is met in time ÷ (met in time + met late + breached).

**Speed to lead** runs from the lead becoming an MQL to its first touch, in two parts: the **routing
delay**, to its hand-off to a person (its accept clock opening), and the **person's delay**, from the
hand-off to the first touch (the first-touch clock met). Hours, median and p90.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from revbridge.analytics.dimensions import NONE as NONE_LABEL
from revbridge.analytics.frames import flag, seconds, summarise
from revbridge.analytics.source import Source
from revbridge.domain.errors import RevBridgeError

HOUR = 3600.0
BY = ("team", "owner", "kind")


class UnknownGrouping(RevBridgeError):
    def __init__(self, name: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"cannot group by {name!r} here: use one of {', '.join(allowed)}")


def _obligations(source: Source, since: datetime | None, until: datetime | None) -> ir.Table:
    o = source.table("obligations")
    users = source.table("users").select(user=ibis._.id, owner=ibis._.email)
    o = o.left_join(users, o.owner_id == users.user)
    o = o.mutate(owner=o.owner.fill_null(NONE_LABEL))
    if since is not None:
        o = o.filter(o.due_at >= since)
    if until is not None:
        o = o.filter(o.due_at < until)
    return o


def sla_compliance(
    source: Source,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "team",
) -> pd.DataFrame:
    """Per ``team``, ``owner`` (the person) or ``kind`` of clock: obligations due in ``[since, until)``,
    met in time, met late, breached, pending, escalated, and ``compliance``."""
    if by not in BY:
        raise UnknownGrouping(by, BY)
    o = _obligations(source, since, until)
    o = o.filter(o.status != "cancelled")
    met = o.status == "met"
    in_time = met & (o.closed_at <= o.due_at)
    overdue = (o.status == "open") & (o.due_at < now)
    counts = o.group_by(by).aggregate(
        met_in_time=flag(in_time).sum(),
        met_late=flag(met & (o.closed_at > o.due_at)).sum(),
        breached=flag((o.status == "breached") | overdue).sum(),
        pending=flag((o.status == "open") & (o.due_at >= now)).sum(),
        escalated=flag(o.escalated_at.notnull()).sum(),
    )
    frame = source.frame(counts, [by])
    decided = frame.met_in_time + frame.met_late + frame.breached
    frame["obligations"] = decided
    frame["compliance"] = (frame.met_in_time / decided).where(decided > 0)
    return frame[[by, "obligations", "met_in_time", "met_late", "breached", "pending", "escalated", "compliance"]]


def speed_to_lead(
    source: Source, *, since: datetime | None = None, until: datetime | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per ``team`` or ``owner`` (or overall): MQLs handed to a person in ``[since, until)`` (their accept
    clock opened), how many were touched since, and the median and p90 hours of the routing delay, the
    person's delay and both."""
    if by is not None and by not in ("team", "owner"):
        raise UnknownGrouping(by, ("team", "owner"))
    o = source.table("obligations")
    handed = o.filter(o.kind == "accept")
    if since is not None:
        handed = handed.filter(handed.opened_at >= since)
    if until is not None:
        handed = handed.filter(handed.opened_at < until)
    users = source.table("users").select(user=ibis._.id, owner=ibis._.email)
    handed = handed.left_join(users, handed.owner_id == users.user)
    key = by or "overall"
    handed = handed.select(
        "id", "lead_id", "opened_at", owner=handed.owner.fill_null(NONE_LABEL), team=handed.team,
        overall=ibis.literal("all"),
    )  # fmt: skip
    t = source.table("stage_transitions")
    mqls = t.filter(t.to_stage == "mql").select(mql_lead=t.lead_id, mql_at=t.at)
    touches = o.filter((o.kind == "first_touch") & (o.status == "met"))
    touches = touches.select(touch_lead=touches.lead_id, touch_opened=touches.opened_at, touched=touches.closed_at)
    # The MQL this hand-off followed (the lead's latest entry into MQL before it), and the first touch after.
    joined = handed.left_join(mqls, (handed.lead_id == mqls.mql_lead) & (mqls.mql_at <= handed.opened_at))
    joined = joined.left_join(
        touches, (joined.lead_id == touches.touch_lead) & (touches.touch_opened >= joined.opened_at)
    )
    per_clock = joined.group_by(["id", key]).aggregate(
        opened=joined.opened_at.max(), mql_at=joined.mql_at.max(), touched_at=joined.touched.min()
    )
    per_clock = per_clock.mutate(
        routing_hours=(seconds(per_clock.opened) - seconds(per_clock.mql_at)) / HOUR,
        person_hours=(seconds(per_clock.touched_at) - seconds(per_clock.opened)) / HOUR,
    )
    per_clock = per_clock.mutate(total_hours=per_clock.routing_hours + per_clock.person_hours)
    touched = flag(per_clock.touched_at.notnull()).sum()
    spreads = {
        f"{part}_{name}": (part, level)
        for part in ("routing_hours", "person_hours", "total_hours")
        for name, level in (("median", 0.5), ("p90", 0.9))
    }
    out = summarise(source.engine, per_clock, [key], {"handed": per_clock.count(), "touched": touched}, spreads)
    return source.frame(out, [key])


def breaches(
    source: Source, *, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Each clock breached among those due in ``[since, until)`` (those ``sla_compliance`` counts as
    breached): its lead (id and e-mail), owner (the person), kind, deadline, whether it is still open,
    and to whom it was escalated; by owner, then deadline."""
    o = _obligations(source, since, until)
    o = o.filter((o.status == "breached") | ((o.status == "open") & (o.due_at < now)))
    leads = source.table("leads").select(lead=ibis._.id, email=ibis._.email)
    rows = o.join(leads, o.lead_id == leads.lead)
    rows = rows.select(
        owner=rows.owner,
        lead_id=rows.lead_id,
        email=rows.email,
        kind=rows.kind,
        due_at=rows.due_at,
        still_open=rows.status == "open",
        escalated_to=rows.escalated_to,
    )
    return source.frame(rows, ["owner", "due_at", "lead_id", "kind"])


def slipping(source: Source, *, now: datetime) -> pd.DataFrame:
    """MQLs untouched past their deadline: open accept or first-touch clocks of leads still in MQL whose
    deadline is past at ``now``, the longest overdue first."""
    o = source.table("obligations")
    o = o.filter((o.status == "open") & o.kind.isin(["accept", "first_touch"]) & (o.due_at < now))
    leads = source.table("leads").select(lead=ibis._.id, email=ibis._.email, stage=ibis._.stage)
    users = source.table("users").select(user=ibis._.id, owner=ibis._.email)
    rows = o.join(leads, o.lead_id == leads.lead).left_join(users, o.owner_id == users.user)
    rows = rows.filter(rows.stage == "mql")
    rows = rows.select(
        lead_id=rows.lead_id,
        email=rows.email,
        owner=rows.owner.fill_null(NONE_LABEL),
        kind=rows.kind,
        due_at=rows.due_at,
        overdue_hours=(seconds(ibis.literal(now)) - seconds(rows.due_at)) / HOUR,
    )
    frame = source.frame(rows, ["due_at", "lead_id", "kind"])
    return frame
