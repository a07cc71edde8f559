"""People acting on one lead: sales' verdicts, activities and moves, marketing's disputes; and the lead's story.

Each action looks up the acting person by e-mail, checks the rules about who may do it
(``domain.permissions``), loads the SLA in force at that moment, and has the lifecycle decide
(``services.lifecycle.handle``): one version-checked transaction, so a refused action writes nothing and
two people acting on one lead cannot both win. The permission check runs on the lead as that
transaction reads it, so a lead reassigned a moment ago is judged by its new owner.

A logged activity is stored in the same transaction as what it decides (a first touch met, an attempt
counted, a SAL made SQL), so the journey and the clocks never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.errors import InvalidInput, NotFound
from revbridge.domain.lifecycle import (
    Accepted,
    ActivityLogged,
    Advanced,
    Decision,
    Event,
    LeadState,
    Lost,
    Rejected,
    decide,
)
from revbridge.domain.permissions import (
    Actor,
    FeedbackState,
    NotPermitted,
    Verdict,
    check_dispute,
    check_lead_work,
    check_resolution,
    check_verdict,
)
from revbridge.domain.scoring import EngagementState, Score, stored_reasons
from revbridge.domain.sla import Sla
from revbridge.services.contract import Contract, contract_at
from revbridge.services.lead_story import (
    FeedbackEntry,
    LeadLine,
    LeadStory,
    UnknownUser,
    feedback_entry,
    lead_story,
    list_leads,
)
from revbridge.services.lifecycle import Outcome, handle, persist, read_state
from revbridge.store import lead_queries as q
from revbridge.store.engine import writing

__all__ = [
    "ACTIVITY_SOURCE",
    "ActionResult",
    "ClockChange",
    "FeedbackEntry",
    "FeedbackNotFound",
    "LeadLine",
    "LeadStory",
    "NotPermitted",
    "UnknownUser",
    "accept",
    "advance",
    "dispute",
    "lead_story",
    "list_leads",
    "log_activity",
    "mark_lost",
    "reject",
    "resolve_dispute",
]

ACTIVITY_SOURCE = "revbridge"  # activities logged here, as opposed to imported from a CRM


class FeedbackNotFound(NotFound):
    def __init__(self, feedback_id: int) -> None:
        self.feedback_id = feedback_id
        super().__init__(f"no feedback with id {feedback_id}; `revbridge lead show LEAD` lists a lead's verdicts")


@dataclass(frozen=True, slots=True)
class ClockChange:
    """What an action did to one SLA clock."""

    kind: str  # accept | first_touch | attempts
    change: Literal["opened", "met", "breached", "cancelled", "counted"]
    due_at: datetime | None = None
    done_count: int | None = None
    required_count: int | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What one action on a lead did."""

    lead_id: int
    action: str  # accept | reject | activity | advance | lost
    by: str
    at: datetime
    from_stage: str
    stage: str
    reason: str | None  # why the stage changed, as recorded on the transition
    sla_version: int
    clocks: tuple[ClockChange, ...] = ()
    feedback_id: int | None = None
    activity_id: str | None = None
    notifications: int = 0
    replayed: bool = False  # the same activity was logged before: nothing new happened
    notes: tuple[str, ...] = field(default=())

    @property
    def moved(self) -> bool:
        return self.stage != self.from_stage

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "moved": self.moved}


# --- verdicts -------------------------------------------------------------------------------------------


def accept(
    engine: Engine, lead_id: int, by_email: str, *, at: datetime, rating: int | None = None, note: str | None = None
) -> ActionResult:
    """Sales accepts an MQL: it becomes SAL, its accept clock is met, and the follow-up clocks open."""
    return _verdict(
        engine, lead_id, by_email, "accept", lambda by: Accepted(by, at, rating, note), at=at, rating=rating, note=note
    )


def reject(
    engine: Engine,
    lead_id: int,
    by_email: str,
    reason: str,
    *,
    at: datetime,
    rating: int | None = None,
    note: str | None = None,
) -> ActionResult:
    """Sales rejects an MQL with one of the SLA's reasons; the reason says whether it is recycled to
    nurture (with its cool-off) or disqualified. An unknown reason is refused with the list of valid ones."""
    return _verdict(
        engine,
        lead_id,
        by_email,
        "reject",
        lambda by: Rejected(by, reason, at, rating, note),
        at=at,
        reason=reason,
        rating=rating,
        note=note,
    )


def _verdict(
    engine: Engine,
    lead_id: int,
    by_email: str,
    verdict: Verdict,
    make: Callable[[str], Event],
    *,
    at: datetime,
    reason: str | None = None,
    rating: int | None = None,
    note: str | None = None,
) -> ActionResult:
    _require_aware(at)
    actor, owner = _actor_and_owner(engine, by_email, lead_id)
    contract = contract_at(engine, at)
    accepted_by = contract.sla.qualification.sal.accepted_by
    seen: list[LeadState] = []

    def make_event(state: LeadState) -> Event:
        owner_email = owner[1] if owner[0] == state.owner_id else None
        check_verdict(actor, verdict, lead_id, state.owner_id, accepted_by, owner_email)
        seen.append(state)
        return make(actor.email)

    feedback = {"verdict": verdict, "reason": reason, "rating": rating, "note": note, "user_id": actor.id}
    outcome = handle(engine, lead_id, make_event, contract, feedback=feedback)
    with engine.connect() as conn:
        feedback_id = q.feedback_id_of(conn, lead_id, at, verdict)
    return _result(verdict, actor, at, contract, seen[-1], outcome, feedback_id=feedback_id)


# --- working the lead -----------------------------------------------------------------------------------


def log_activity(
    engine: Engine,
    lead_id: int,
    by_email: str,
    kind: str,
    *,
    at: datetime,
    outcome: str | None = None,
    external_id: str | None = None,
) -> ActionResult:
    """Sales touched the lead (a call, an e-mail, a meeting): the activity joins the journey, a contact meets
    the first-touch clock and counts as an attempt, and the SLA's SQL activity (e.g. ``meeting_held``) makes
    a SAL an SQL when the lead's stored scores meet the SQL condition. Logging the same ``external_id``
    again changes nothing (``replayed``)."""
    _require_aware(at)
    kind = kind.strip()
    if not kind:
        raise InvalidInput("say what kind of activity: call, email, meeting, meeting_held …")
    activity_id = external_id or uuid4().hex
    contract = contract_at(engine, at)
    with writing(engine).begin() as conn:
        actor = _actor(conn, by_email)
        check_lead_work(actor, f"log a {kind} on", lead_id)
        state = read_state(conn, lead_id)
        if q.activity_exists(conn, ACTIVITY_SOURCE, activity_id):
            return _replayed(lead_id, actor, at, contract, state, activity_id)
        event = ActivityLogged(kind, actor.email, at, _stored_score(conn, lead_id, contract.sla))
        decision = decide(state, event, contract.sla, contract.clock)
        done = persist(conn, state, decision, contract, at=at)
        q.insert_activity(conn, _activity_values(lead_id, actor, kind, at, outcome, activity_id))
    return _result("activity", actor, at, contract, state, done, activity_id=activity_id)


def advance(
    engine: Engine, lead_id: int, by_email: str, to_stage: str, *, at: datetime, reason: str | None = None
) -> ActionResult:
    """Move the lead on by hand (SAL → SQL, SQL → opportunity, opportunity → customer), as the SLA allows."""
    return _work(
        engine,
        lead_id,
        by_email,
        "advance",
        f"move to {to_stage}",
        lambda by: Advanced(to_stage, by, at, reason),
        at=at,
    )


def mark_lost(
    engine: Engine, lead_id: int, by_email: str, reason: str, *, at: datetime, disqualify: bool = False
) -> ActionResult:
    """The deal is lost: the lead goes back to nurture, or is disqualified; its open clocks are cancelled."""
    if not reason.strip():
        raise InvalidInput("say why the lead was lost (--reason)")
    why = reason.strip()
    return _work(engine, lead_id, by_email, "lost", "mark lost", lambda by: Lost(by, why, at, disqualify), at=at)


def _work(
    engine: Engine,
    lead_id: int,
    by_email: str,
    action: str,
    what: str,
    make: Callable[[str], Event],
    *,
    at: datetime,
) -> ActionResult:
    _require_aware(at)
    with engine.connect() as conn:
        actor = _actor(conn, by_email)
    check_lead_work(actor, what, lead_id)
    contract = contract_at(engine, at)
    seen: list[LeadState] = []

    def make_event(state: LeadState) -> Event:
        seen.append(state)
        return make(actor.email)

    outcome = handle(engine, lead_id, make_event, contract)
    return _result(action, actor, at, contract, seen[-1], outcome)


# --- disputes -------------------------------------------------------------------------------------------


def dispute(engine: Engine, feedback_id: int, by_email: str, note: str, *, at: datetime) -> FeedbackEntry:
    """Marketing disputes a rejection, once, saying why in ``note``. Only a rejection is disputed, only by
    someone in marketing; a second dispute of the same verdict is refused. The lead does not move."""
    _require_aware(at)
    with writing(engine).begin() as conn:
        actor = _actor(conn, by_email)
        check_dispute(actor, _feedback_state(conn, feedback_id), note)
        if not q.record_dispute(conn, feedback_id, user_id=actor.id, note=note.strip(), at=at):
            raise NotPermitted(f"feedback {feedback_id} was disputed by someone else a moment ago; it is disputed once")
        return _entry(conn, feedback_id)


def resolve_dispute(engine: Engine, feedback_id: int, by_email: str, outcome: str, *, at: datetime) -> FeedbackEntry:
    """A sales manager (title ``sales_manager``) or an admin records a dispute's outcome, ``upheld`` or
    ``overturned``, once.

    The outcome is recorded with who settled it and when. An overturned rejection does not move the lead
    back to MQL or reopen its accept clock: the rejection happened and stays in the record, and what to do
    about the lead is a person's call (the outcome shows in the feedback numbers both teams read).
    """
    _require_aware(at)
    with writing(engine).begin() as conn:
        actor = _actor(conn, by_email)
        checked = check_resolution(actor, _feedback_state(conn, feedback_id), outcome)
        if not q.record_dispute_outcome(conn, feedback_id, checked, user_id=actor.id, at=at):
            raise NotPermitted(f"the dispute of feedback {feedback_id} was resolved by someone else a moment ago")
        return _entry(conn, feedback_id)


# --- helpers --------------------------------------------------------------------------------------------


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise InvalidInput(f"{at.isoformat()} has no time zone; give the moment in UTC or with its offset")


def _actor(conn: Connection, email: str) -> Actor:
    row = q.find_user_by_email(conn, email)
    if row is None:
        raise UnknownUser(email)
    return Actor(row.id, row.email, row.role, row.title, row.active)


def _actor_and_owner(engine: Engine, email: str, lead_id: int) -> tuple[Actor, tuple[int | None, str | None]]:
    """The acting person, and the lead's owner as read now (id and e-mail, for messages)."""
    with engine.connect() as conn:
        actor = _actor(conn, email)
        lead = q.find_lead(conn, lead_id)
        owner = (lead.owner_id, lead.owner_email) if lead is not None else (None, None)
    return actor, owner


def _stored_score(conn: Connection, lead_id: int, sla: Sla) -> Score | None:
    """The scores stored on the lead, for the SQL condition (as last scored; decay since is not applied)."""
    row = q.lead_scores(conn, lead_id)
    if row is None:
        return None
    state = EngagementState.from_json(row.engagement_state)
    reasons = stored_reasons(row.score_reasons, state, sla.scoring.engagement, row.scored_at)
    return Score(row.fit_score, row.engagement_score, row.predicted, row.score, reasons)


def _activity_values(
    lead_id: int, actor: Actor, kind: str, at: datetime, outcome: str | None, activity_id: str
) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "user_id": actor.id,
        "source": ACTIVITY_SOURCE,
        "external_id": activity_id,
        "type": kind,
        "outcome": outcome,
        "occurred_at": at,
        "properties": {"logged_by": actor.email},
    }


def _feedback_state(conn: Connection, feedback_id: int) -> FeedbackState:
    row = q.find_feedback(conn, feedback_id)
    if row is None:
        raise FeedbackNotFound(feedback_id)
    return FeedbackState(row.id, row.verdict, row.disputed_at, row.disputed_by_email, row.dispute_outcome)


def _entry(conn: Connection, feedback_id: int) -> FeedbackEntry:
    row = q.find_feedback(conn, feedback_id)
    if row is None:
        raise FeedbackNotFound(feedback_id)
    return feedback_entry(row)


def _clock_changes(state: LeadState, decision: Decision) -> tuple[ClockChange, ...]:
    open_ = {o.id: o for o in state.open_obligations}
    changes: list[ClockChange] = []
    for closing in decision.close:
        was = open_.get(closing.obligation_id)
        kind = was.kind if was else "clock"
        due = was.due_at if was else None
        required = was.required_count if was else None
        changes.append(ClockChange(kind, closing.status, due, closing.done_count, required))
    for obligation_id, done in decision.progress:
        was = open_[obligation_id]
        changes.append(ClockChange(was.kind, "counted", was.due_at, done, was.required_count))
    changes.extend(ClockChange(new.kind, "opened", new.due_at, 0, new.required_count) for new in decision.open)
    return tuple(changes)


def _result(
    action: str,
    actor: Actor,
    at: datetime,
    contract: Contract,
    state: LeadState,
    outcome: Outcome,
    *,
    feedback_id: int | None = None,
    activity_id: str | None = None,
) -> ActionResult:
    transition = outcome.decision.transition
    return ActionResult(
        lead_id=state.lead_id,
        action=action,
        by=actor.email,
        at=at,
        from_stage=state.stage,
        stage=outcome.stage,
        reason=transition.reason if transition else None,
        sla_version=contract.version,
        clocks=_clock_changes(state, outcome.decision),
        feedback_id=feedback_id,
        activity_id=activity_id,
        notifications=outcome.notifications,
    )


def _replayed(
    lead_id: int, actor: Actor, at: datetime, contract: Contract, state: LeadState, activity_id: str
) -> ActionResult:
    note = f"activity {activity_id} was logged before: nothing new happened"
    return ActionResult(
        lead_id,
        "activity",
        actor.email,
        at,
        state.stage,
        state.stage,
        None,
        contract.version,
        activity_id=activity_id,
        replayed=True,
        notes=(note,),
    )
