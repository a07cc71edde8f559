"""Journeys from the store: each lead's (or each opportunity's) touchpoints in time order, up to a
milestone, as ``Paths``.

**Per lead** (the default), a lead **converted** when it first entered the milestone stage (``mql``,
``sal``, ``sql``, ``opportunity`` or ``customer``) in ``[since, until)``; its journey is its touchpoints
in the ``lookback`` before that moment (the touchpoint at the moment included). A lead that did not
convert by ``until`` keeps its journey too (the data-driven models need the journeys that went
nowhere): its touchpoints in the ``lookback`` before ``until``. A lead that converted before ``since``
has no journey. A converted journey is worth the amount the lead's won opportunities brought (as a
contact), when there are any.

**Per opportunity**, the journey is the touchpoints of all the opportunity's contacts, and the milestone
is its creation (``opportunity``: its ``created_at``) or its being won (``customer``: its ``closed_at``,
when won); the opportunities that did not reach it by ``until`` (lost, or still open) are the journeys
that went nowhere, their window ending at ``until``. An opportunity created at or after ``until`` has no
journey yet. A converted journey is worth the opportunity's amount if it was won.

Leads and opportunities without a touchpoint in their window have no journey. A touchpoint without a
channel counts as ``direct``. Each step carries its age (from the touch to the journey's end) and marks:
the **lead-creation touch** is the journey's last touch at or before the lead was created (per
opportunity: its earliest-created contact), the **opportunity-creation touch** the last at or before
the lead first entered ``opportunity`` (per opportunity: the opportunity's creation), the **won touch**
the last at or before it first entered ``customer`` (per opportunity: it was won). A moment after the
journey's end marks nothing: a journey to MQL has no opportunity-creation touch.

The engine filters and joins; the ordering of each journey's touches, the cutting into paths and the
marks happen in numpy (``journey_steps``), the same on every engine. On the store itself on SQLite,
journeys per lead are read as plain columns and cut in numpy instead (``journeys_sqlite``): SQLite
would take ten times as long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.analytics.frames import seconds
from revbridge.analytics.journey_steps import Amounts, paths_of_touches
from revbridge.analytics.journeys_sqlite import lead_journeys
from revbridge.analytics.source import Source
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

MILESTONES = ("mql", "sal", "sql", "opportunity", "customer")
UNITS = ("lead", "opportunity")
PER_OPPORTUNITY = ("opportunity", "customer")
NO_CHANNEL = "direct"
NO_CAMPAIGN = "(none)"


def journeys(
    source: Source,
    *,
    until: datetime,
    milestone: str = "customer",
    lookback: timedelta = timedelta(days=90),
    since: datetime | None = None,
    by: str = "channel",
    unit: str = "lead",
) -> Paths:
    """One path per lead (or per opportunity, ``unit="opportunity"``) with a touchpoint in its window;
    converted as said above. The steps are the touches' channels, or with ``by="campaign"`` their
    campaigns (``(none)`` for a touch without one)."""
    if by not in ("channel", "campaign"):
        raise InvalidInput(f"journeys go by channel or campaign, not {by!r}")
    if milestone not in MILESTONES:
        raise InvalidInput(f"unknown milestone {milestone!r}: use one of {', '.join(MILESTONES)}")
    if unit not in UNITS:
        raise InvalidInput(f"journeys are per lead or per opportunity, not per {unit!r}")
    if unit == "opportunity" and milestone not in PER_OPPORTUNITY:
        raise InvalidInput(
            f"an opportunity's journey ends when it is created (opportunity) or won (customer), not at "
            f"{milestone!r}: choose one of those, or journeys per lead"
        )
    if unit == "lead" and source.sqlite_file is not None:
        read = lead_journeys(
            source.sqlite_file, until=until, milestone=milestone, lookback=lookback, since=since, by=by,
            worth=_won_per_lead(source), no_channel=NO_CHANNEL, no_campaign=NO_CAMPAIGN, team=source.team,
        )  # fmt: skip
        if read is not None:
            return read
    if unit == "lead":
        ends, values = _lead_ends(source, milestone, until), _won_per_lead(source)
    else:
        ends, values = _opportunity_ends(source, milestone, until), _won_per_opportunity(source)
    if since is not None:
        ends = ends.filter(ends.reached.isnull() | (ends.reached >= since))
    touches = _touches(source, by)
    joined = touches.join(ends, touches.lead_id == ends.contact)
    end = ibis.coalesce(joined.reached, ibis.literal(until))
    # Compared in whole seconds: SQLite before 3.42 cannot subtract an interval from a time in Ibis.
    lower = seconds(end) - lookback.total_seconds()
    window = (joined.occurred_at <= end) & (seconds(joined.occurred_at) > lower)
    kept = joined.filter(window).select("key", at=joined.occurred_at, step=joined.step)
    # The moments of each journey come once a journey, not once a touch (per opportunity, once a contact).
    moments = ends.select("key", "reached", "created", "opened", "won_at")
    moments = moments.distinct() if unit == "opportunity" else moments
    return paths_of_touches(source.arrow(kept), source.arrow(moments), values, until)


def _touches(source: Source, by: str) -> ir.Table:
    touches = source.table("touchpoints")
    if by == "campaign":
        campaigns = source.table("campaigns").select(campaign_key=ibis._.id, campaign=ibis._.name)
        touches = touches.left_join(campaigns, touches.campaign_id == campaigns.campaign_key)
        return touches.mutate(step=touches.campaign.fill_null(NO_CAMPAIGN))
    return touches.mutate(step=touches.channel.fill_null(NO_CHANNEL))


def _lead_ends(source: Source, milestone: str, until: datetime) -> ir.Table:
    """Per lead: when it reached the milestone before ``until`` (none if it did not), and the moments
    that mark touches."""
    t = source.table("stage_transitions")
    t = t.filter(t.to_stage.isin(sorted({milestone, *PER_OPPORTUNITY})) & (t.at < until))
    firsts = t.group_by(t.lead_id.name("first_lead")).aggregate(
        reached=t.at.min(where=t.to_stage == milestone),
        opened=t.at.min(where=t.to_stage == "opportunity"),
        won_at=t.at.min(where=t.to_stage == "customer"),
    )
    leads = source.table("leads").select("id", "created_at")
    joined = leads.left_join(firsts, leads.id == firsts.first_lead)
    return joined.select(
        key=joined.id, contact=joined.id, reached=joined.reached, created=joined.created_at,
        opened=joined.opened, won_at=joined.won_at,
    )  # fmt: skip


def _opportunity_ends(source: Source, milestone: str, until: datetime) -> ir.Table:
    """Per opportunity and contact: when the opportunity reached the milestone before ``until`` (none if
    it did not), and the moments that mark touches."""
    o = source.table("opportunities")
    o = o.filter(o.created_at.isnull() | (o.created_at < until))
    won_at = ibis.cases((o.won == True, o.closed_at))  # noqa: E712 (an Ibis expression)
    moment = o.created_at if milestone == "opportunity" else won_at
    deals = o.select(deal=o.id, opened=o.created_at, won_at=won_at, reached=ibis.cases((moment < until, moment)))
    contacts = source.table("opportunity_contacts")
    leads = source.table("leads").select(lead_key=ibis._.id, lead_created=ibis._.created_at)
    people = contacts.join(leads, contacts.lead_id == leads.lead_key)
    earliest = people.group_by(first_deal=people.opportunity_id).aggregate(created=people.lead_created.min())
    joined = contacts.join(deals, contacts.opportunity_id == deals.deal)
    joined = joined.left_join(earliest, joined.deal == earliest.first_deal)
    return joined.select(
        key=joined.deal, contact=joined.lead_id, reached=joined.reached, created=joined.created,
        opened=joined.opened, won_at=joined.won_at,
    )  # fmt: skip


def _won_per_lead(source: Source) -> Amounts:
    o = source.table("opportunities")
    won = o.filter(o.won == True)  # noqa: E712 (an Ibis expression)
    contacts = source.table("opportunity_contacts")
    joined = contacts.join(won, contacts.opportunity_id == won.id)
    per_lead = joined.group_by("lead_id").aggregate(amount=joined.amount.cast("float64").sum())
    return _amounts(source.arrow(per_lead.select(key=per_lead.lead_id, amount=per_lead.amount)))


def _won_per_opportunity(source: Source) -> Amounts:
    o = source.table("opportunities")
    won = o.filter(o.won == True)  # noqa: E712 (an Ibis expression)
    return _amounts(source.arrow(won.select(key=won.id, amount=won.amount.cast("float64"))))


def _amounts(rows: pa.Table) -> Amounts:
    keys = rows.column("key").to_numpy().astype(np.int64)
    return keys, pc.fill_null(rows.column("amount"), 0.0).to_numpy(zero_copy_only=False).astype(float)
