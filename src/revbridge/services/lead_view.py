"""One lead as a person sees it on its page: its story (``lead_story``), read for people, and what they
may do with it.

- **The journey** is one timeline: marketing's touchpoints, sales' activities and the stage changes,
  interleaved by time (at the same moment: the touch, then the activity, then the move it caused).
- **Why this score**: the fit lines (who the lead is) apart from the engagement lines (what it did),
  and, if a model scored it, the predictive score's reasons.
- **Its clocks**: each open clock read as its SLA deadline counts (business hours left, or overdue).
- **What the reader may do**, by the same rules that will judge the action: give the verdict (sales'
  rep of an MQL), log an activity (sales and admins), dispute a rejection (marketing, once).

Read fresh on every call; with no SLA in force yet, the story alone (no clocks read, nothing to judge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.engine import Engine

from revbridge.domain.lifecycle import CONTACT_ACTIVITIES, MQL
from revbridge.domain.permissions import may_dispute, may_give_verdict, may_work_leads
from revbridge.domain.scoring import FIT_LINE_HEAD, ScoreReason
from revbridge.domain.work_queue import ClockReading, read_clock
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lead_story import LeadStory, lead_story
from revbridge.services.queue import RejectionChoice, person_of, rejection_choices
from revbridge.services.rejections import feedback_state
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.store import lead_queries

Side = Literal["marketing", "sales", "stage"]
_ORDER: dict[Side, int] = {"marketing": 0, "sales": 1, "stage": 2}


@dataclass(frozen=True, slots=True)
class JourneyStep:
    """One moment of the lead's journey, told for people."""

    at: datetime
    side: Side  # marketing (a touchpoint), sales (an activity), stage (a stage change)
    what: str  # demo_request, call, "mql → sal"
    detail: str  # channel · campaign, who · outcome, who · why


@dataclass(frozen=True, slots=True)
class LeadView:
    story: LeadStory
    journey: tuple[JourneyStep, ...]
    fit_reasons: tuple[ScoreReason, ...]
    engagement_reasons: tuple[ScoreReason, ...]
    clocks: tuple[ClockReading, ...]  # the open clocks, read now
    reasons: tuple[RejectionChoice, ...]  # the SLA's rejection reasons, for the verdict form
    activity_kinds: tuple[str, ...]  # what the activity form offers
    may_judge: bool
    may_work: bool
    disputable: frozenset[int]  # the verdicts (feedback ids) the reader may dispute


def view_lead(engine: Engine, lead_id: int, by_email: str, *, now: datetime) -> LeadView:
    """Lead ``lead_id`` as ``by_email`` sees it at ``now``; ``LeadNotFound`` if there is none."""
    story = lead_story(engine, lead_id)
    try:
        contract: Contract | None = contract_at(engine, now)
    except NoSlaInForce:
        contract = None
    with engine.connect() as conn:
        actor, _ = person_of(conn, by_email)
        found = lead_queries.find_lead(conn, lead_id)
    owner_id = found.owner_id if found is not None else None
    lead = story.lead
    may_judge = False
    clocks: tuple[ClockReading, ...] = ()
    kinds = sorted(CONTACT_ACTIVITIES)
    if contract is not None:
        accepted_by = contract.sla.qualification.sal.accepted_by
        may_judge = lead.stage == MQL and may_give_verdict(actor, owner_id, accepted_by)
        clocks = tuple(
            read_clock(c.kind, c.due_at, now, contract.sla, contract.clock)
            for c in sorted(story.obligations, key=lambda c: c.due_at)
            if c.status == "open"
        )
        sql_activity = contract.sla.qualification.sql.requires_activity
        if sql_activity and sql_activity not in kinds:
            kinds.append(sql_activity)
    return LeadView(
        story=story,
        journey=journey_of(story),
        fit_reasons=tuple(r for r in lead.score_reasons if r.rule.startswith(FIT_LINE_HEAD)),
        engagement_reasons=tuple(r for r in lead.score_reasons if not r.rule.startswith(FIT_LINE_HEAD)),
        clocks=clocks,
        reasons=rejection_choices(contract.sla) if contract is not None else (),
        activity_kinds=tuple(kinds),
        may_judge=may_judge,
        may_work=may_work_leads(actor),
        disputable=frozenset(f.id for f in story.feedback if may_dispute(actor, feedback_state(f))),
    )


def journey_of(story: LeadStory) -> tuple[JourneyStep, ...]:
    """Touchpoints, activities and stage changes on one timeline, in time order."""
    steps = [
        JourneyStep(e.at, "marketing", e.type, _joined(e.channel, e.campaign))
        if e.kind == "touchpoint"
        else JourneyStep(e.at, "sales", e.type, _joined(e.by, e.outcome))
        for e in story.timeline
    ]
    steps.extend(
        JourneyStep(t.at, "stage", f"{t.from_stage or 'new'} → {t.to_stage}", _joined(t.actor, t.reason))
        for t in story.transitions
    )
    return tuple(sorted(steps, key=lambda s: (s.at, _ORDER[s.side])))


def _joined(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)
