"""A lead's scores as an import stores it: its first ones when it is new, its fit anew when its fields change.

Leads arrive through imports and, for a new e-mail, with their first touchpoints from the API. Scoring a
touchpoint changes only the engagement (``scoring.add_touchpoint``, ``scoring_new``): the fit is the
stored one. Without a fit given at arrival, a new lead counted none until the nightly ``score --all``,
and a demo request from a VP at a target account stayed below the MQL condition until then.

So every lead the ingestion creates is scored at once, in the batch's transaction, as ``score --all``
would score a lead with no touchpoints (``domain.scoring.score_lead`` with an empty engagement). A lead
whose fields an import changes (a new job title), or whose account's an account import changes (a
company that grew), is scored again there too, its engagement taken from its stored state: otherwise its
next touchpoints would be scored with the fit of its old fields until the nightly rescoring. Nothing is
qualified here; the next touchpoint scored (or the rescoring) decides that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from revbridge.domain.score_digest import rules_key
from revbridge.domain.scoring import EngagementState, reasons_to_store, score_lead
from revbridge.domain.sla import Scoring
from revbridge.services.scoring_new import score_columns
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


def rescore_changed_leads(conn: Connection, lead_ids: Sequence[int], scoring: Scoring, at: datetime) -> int:
    """Score again at ``at``, in the caller's transaction, the leads of ``lead_ids``, whose fields (or
    their account's) the caller has just changed: the fit from their fields, the engagement from their
    stored state, as ``score --all`` would. Their rows are locked first on PostgreSQL, so that a
    touchpoint scored at the same moment waits rather than having its points overwritten. A lead whose
    fit lines, competitor's line and model line are all as stored has nothing new to say and is left
    alone; how many were written."""
    key = rules_key(scoring.engagement)
    scores = []
    for lead_id, (lead, account) in queries.lead_fit_inputs(conn, lead_ids, lock=True).items():
        state = EngagementState.from_json(lead["engagement_state"])
        if scoring.engagement is not None:
            state = state.referenced(scoring.engagement, at)
        score = score_lead(scoring, lead, account, state, at, lead.get("predicted"))
        if reasons_to_store(score.reasons) == _as_stored(lead["score_reasons"]):
            continue
        scores.append({"lead": lead_id, **score_columns(score, state, key)})
    queries.store_scores(conn, scores, at, cause="import")
    return len(scores)


def _as_stored(reasons: Sequence[Sequence[Any]] | None) -> list[list[Any]]:
    return [[str(rule), float(points)] for rule, points in reasons or []]
