"""A lead's first scores, given as it is stored: its fit, and the competitor's line if its e-mail is at one.

Leads arrive through imports and, for a new e-mail, with their first touchpoints from the API. Scoring a
touchpoint changes only the engagement (``scoring.add_touchpoint``, ``scoring_new``): the fit is the
stored one. Without a fit given at arrival, a new lead counted none until the nightly ``score --all``,
and a demo request from a VP at a target account stayed below the MQL condition until then.

So every lead the ingestion creates is scored at once, in the batch's transaction, as ``score --all``
would score a lead with no touchpoints (``domain.scoring.score_lead`` with an empty engagement). Only
new leads: a lead whose fields an import changes keeps its fit until the nightly rescoring, which scores
everyone. Nothing is qualified here; the first touchpoint scored (or the rescoring) decides that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from revbridge.domain.scoring import EngagementState, reasons_to_store, score_lead
from revbridge.domain.sla import Scoring
from revbridge.store import score_queries as queries


def score_new_leads(conn: Connection, lead_ids: Sequence[int], scoring: Scoring, at: datetime) -> int:
    """Give each lead of ``lead_ids`` its fit and first combined score, with their reasons, scored at
    ``at``, in the caller's transaction; how many were scored."""
    scores = []
    for lead_id, (lead, account) in queries.lead_fit_inputs(conn, lead_ids).items():
        score = score_lead(scoring, lead, account, EngagementState(), at, lead.get("predicted"))
        scores.append((lead_id, score.fit, score.engagement, score.combined, reasons_to_store(score.reasons)))
    queries.store_first_scores(conn, scores, at)
    return len(scores)
