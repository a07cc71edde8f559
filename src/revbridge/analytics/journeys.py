"""Journeys from the store: each lead's touchpoints in time order, up to a milestone, as ``Paths``.

A lead **converted** when it first entered the milestone stage (``mql``, ``sal``, ``sql``,
``opportunity`` or ``customer``) in ``[since, until)``; its journey is its touchpoints in the
``lookback`` before that moment (the touchpoint at the moment included). A lead that did not convert
keeps its journey too (the data-driven models need the journeys that went nowhere): its touchpoints in
the ``lookback`` before ``until``. Leads without a touchpoint in their window have no journey. A
touchpoint without a channel counts as ``direct``. A converted journey is worth the amount the lead's
won opportunities brought (as a contact), when there are any.

The engine filters and joins; the ordering of each lead's touches and the cutting into paths happen in
numpy on three columns, the same on every engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revbridge.analytics.frames import seconds
from revbridge.analytics.source import Source
from revbridge.domain.errors import InvalidInput
from revbridge.domain.paths import Paths

MILESTONES = ("mql", "sal", "sql", "opportunity", "customer")
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
) -> Paths:
    """One path per lead with a touchpoint in its window; converted as said above. The steps are the
    touches' channels, or with ``by="campaign"`` their campaigns (``(none)`` for a touch without one)."""
    if by not in ("channel", "campaign"):
        raise InvalidInput(f"journeys go by channel or campaign, not {by!r}")
    if milestone not in MILESTONES:
        raise InvalidInput(f"unknown milestone {milestone!r}: use one of {', '.join(MILESTONES)}")
    t = source.table("stage_transitions")
    reached = t.filter((t.to_stage == milestone) & (t.at < until))
    reached = reached.group_by(reached.lead_id.name("reached_lead")).aggregate(reached_at=reached.at.min())
    if since is not None:
        reached = reached.filter(reached.reached_at >= since)
    touches = source.table("touchpoints")
    if by == "campaign":
        campaigns = source.table("campaigns").select(campaign_key=ibis._.id, campaign=ibis._.name)
        touches = touches.left_join(campaigns, touches.campaign_id == campaigns.campaign_key)
        touches = touches.mutate(step=touches.campaign.fill_null(NO_CAMPAIGN))
    else:
        touches = touches.mutate(step=touches.channel.fill_null(NO_CHANNEL))
    joined = touches.left_join(reached, touches.lead_id == reached.reached_lead)
    end = ibis.coalesce(joined.reached_at, ibis.literal(until))
    # Compared in whole seconds: SQLite before 3.42 cannot subtract an interval from a time in Ibis.
    lower = seconds(end) - lookback.total_seconds()
    window = (joined.occurred_at <= end) & (seconds(joined.occurred_at) > lower)
    kept = joined.filter(window).select(
        lead_id=joined.lead_id,
        at=joined.occurred_at,
        channel=joined.step,
        converted=joined.reached_at.notnull(),
    )
    rows = source.arrow(kept)
    values = _won_amounts(source)
    return _paths(rows, values)


def _won_amounts(source: Source) -> dict[int, float]:
    o = source.table("opportunities")
    won = o.filter(o.won == True)  # noqa: E712 (an Ibis expression)
    contacts = source.table("opportunity_contacts")
    joined = contacts.join(won, contacts.opportunity_id == won.id)
    per_lead = joined.group_by("lead_id").aggregate(amount=joined.amount.cast("float64").sum())
    frame = source.frame(per_lead)
    return dict(zip(frame.lead_id.tolist(), frame.amount.fillna(0.0).tolist(), strict=True))


def _paths(rows: pa.Table, values: dict[int, float]) -> Paths:
    if rows.num_rows == 0:
        empty = np.zeros(0)
        return Paths((), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), empty, empty, empty)
    lead = rows.column("lead_id").to_numpy().astype(np.int64)
    moment = pc.cast(pc.cast(rows.column("at"), pa.timestamp("us")), pa.int64()).to_numpy()
    encoded = pc.dictionary_encode(pc.cast(rows.column("channel"), pa.string())).combine_chunks()
    names = encoded.dictionary.to_pylist()
    order_of = np.argsort(names)
    rank = np.empty_like(order_of)
    rank[order_of] = np.arange(len(order_of))
    code = rank[encoded.indices.to_numpy()]
    converted = rows.column("converted").to_numpy(zero_copy_only=False).astype(bool)
    order = np.lexsort((code, moment, lead))  # each lead's touches in time order (ties by channel)
    lead, code, converted = lead[order], code[order], converted[order]
    first = np.flatnonzero(np.concatenate([[True], lead[1:] != lead[:-1]]))
    starts = np.concatenate([first, [len(lead)]])
    won = converted[first].astype(float)
    worth = np.array([values.get(int(i), 0.0) for i in lead[first]]) * won
    return Paths(tuple(sorted(names)), code.astype(np.int64), starts.astype(np.int64), won, worth, 1.0 - won)
