"""What a metric can be sliced by: a value per lead (its channel, source, campaign, segment, owner).

Each dimension is an Ibis table ``(lead_id, <name>)`` built from the leads and the tables beside them,
with a label for leads that have no value (``(none)``), so that every lead falls in exactly one slice.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from revbridge.analytics.source import Source
from revbridge.domain.dimensions import DIMENSIONS
from revbridge.domain.errors import RevBridgeError

NONE = "(none)"
# Company size bands by employees (of the lead, else of its account): the usual B2B segments.
SEGMENTS = ((1000, "enterprise"), (200, "mid-market"), (1, "smb"))
SCORE_BANDS = ((100, "100+"), (80, "80–100"), (60, "60–80"), (40, "40–60"), (20, "20–40"), (0, "0–20"))


class UnknownDimension(RevBridgeError):
    def __init__(self, name: str) -> None:
        super().__init__(f"cannot slice by {name!r}: use one of {', '.join(DIMENSIONS)}")


def lead_dimension(source: Source, name: str) -> ir.Table:
    """``(lead_id, <name>)`` for every lead (computed once per source where that pays)."""
    return source.shared(f"dimension:{name}", _dimension(source, name))


def _dimension(source: Source, name: str) -> ir.Table:
    leads = source.table("leads")
    if name == "source":
        return leads.select(lead_id=leads.id, source=leads.lead_source.fill_null(NONE))
    if name in ("channel", "campaign"):
        campaigns = source.table("campaigns")
        joined = leads.left_join(campaigns, leads.campaign_id == campaigns.id)
        value = joined.channel.fill_null(joined.lead_source) if name == "channel" else joined.name
        return joined.select(lead_id=joined.id, **{name: value.fill_null(NONE)})
    if name == "segment":
        accounts = source.table("accounts").select(account=ibis._.id, account_employees=ibis._.employees)
        joined = leads.left_join(accounts, leads.account_id == accounts.account)
        employees = joined.employees.fill_null(joined.account_employees)
        band = ibis.cases(*((employees >= low, label) for low, label in SEGMENTS), else_=NONE)
        return joined.select(lead_id=joined.id, segment=band)
    if name == "owner":
        users = source.table("users").select(user=ibis._.id, owner_email=ibis._.email)  # not the lead's email
        joined = leads.left_join(users, leads.owner_id == users.user)
        return joined.select(lead_id=joined.id, owner=joined.owner_email.fill_null(NONE))
    if name == "score_band":  # a lead never scored counts 0
        scores = source.table("lead_scores").select(scored=ibis._.lead_id, score=ibis._.score)
        joined = leads.left_join(scores, leads.id == scores.scored)
        score = joined.score.fill_null(0.0)
        band = ibis.cases(*((score >= low, label) for low, label in SCORE_BANDS), else_="below 0")
        return joined.select(lead_id=joined.id, score_band=band)
    raise UnknownDimension(name)
