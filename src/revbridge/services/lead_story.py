"""One lead's whole story, read in one go: who it is, what it did, what the SLA made of it, and why.

``lead_story`` gathers the lead's facts and score reasons, its touchpoints and sales activities merged into
one timeline, its scores over time, every stage change with who made it, why and under which SLA version,
its clocks (met, breached, open or cancelled, and whom a breach went to), and sales' verdicts with
marketing's disputes. Every list is in time order. ``list_leads`` is the short listing to find a lead by.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Connection, Engine

from revbridge.domain.errors import LeadNotFound, NotFound
from revbridge.domain.scoring import EngagementState, ScoreReason, stored_reasons
from revbridge.domain.sla_sections import Engagement
from revbridge.services.paging import Page, page_of
from revbridge.services.sla_versions import current_sla
from revbridge.store import lead_queries as q


@dataclass(frozen=True, slots=True)
class LeadProfile:
    id: int
    name: str
    email: str | None
    company: str | None
    job_title: str | None
    stage: str
    owner_email: str | None
    owner_name: str | None
    fit: float
    engagement: float
    p_convert: float | None
    score: float
    scored_at: datetime | None
    score_reasons: tuple[ScoreReason, ...]
    p_convert_reasons: tuple[PredictionReason, ...]  # the predictive score's top reasons
    routing_reason: str | None
    routed_at: datetime | None
    stage_changed_at: datetime | None
    recycle_count: int
    nurture_until: datetime | None
    lead_source: str | None
    source: str
    external_id: str
    created_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class PredictionReason:
    """A feature's push on the lead's predicted probability, in log odds (positive: towards converting)."""

    feature: str
    value: Any
    contribution: float

    def __str__(self) -> str:
        shown = (
            "missing" if self.value is None else f"{self.value:.4g}" if isinstance(self.value, float) else self.value
        )
        return f"{self.contribution:+.2f}  {self.feature} = {shown}"


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    """A touchpoint (marketing's side) or a sales activity, on one timeline."""

    at: datetime
    kind: Literal["touchpoint", "activity"]
    type: str
    source: str
    external_id: str
    channel: str | None = None
    campaign: str | None = None
    by: str | None = None  # who logged an activity
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class ScorePoint:
    at: datetime
    fit: float
    engagement: float
    p_convert: float | None
    score: float
    cause: str
    reasons: tuple[ScoreReason, ...]


@dataclass(frozen=True, slots=True)
class StageChange:
    at: datetime
    from_stage: str | None
    to_stage: str
    actor: str
    reason: str | None
    sla_version: int | None
    source: str


@dataclass(frozen=True, slots=True)
class Clock:
    """One SLA obligation: open, met, breached or cancelled."""

    id: int
    kind: str
    team: str
    owner_email: str | None
    opened_at: datetime
    due_at: datetime
    status: str
    closed_at: datetime | None
    required_count: int
    done_count: int
    escalated_to: str | None
    escalated_at: datetime | None
    sla_version: int | None


@dataclass(frozen=True, slots=True)
class Dispute:
    note: str | None
    by: str | None
    at: datetime
    outcome: str | None  # upheld | overturned | None while open
    resolved_by: str | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """A sales verdict on a lead, and marketing's dispute of it if any."""

    id: int
    lead_id: int
    verdict: str
    reason: str | None
    rating: int | None
    note: str | None
    by: str | None
    at: datetime
    sla_version: int | None
    dispute: Dispute | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LeadStory:
    lead: LeadProfile
    timeline: tuple[JourneyEvent, ...]
    scores: tuple[ScorePoint, ...]
    transitions: tuple[StageChange, ...]
    obligations: tuple[Clock, ...]
    feedback: tuple[FeedbackEntry, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LeadLine:
    """A lead in a listing."""

    id: int
    name: str
    email: str | None
    company: str | None
    stage: str
    owner: str | None
    score: float
    p_convert: float | None  # the predictive score's probability, if a model scored it
    stage_changed_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class UnknownUser(NotFound):
    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(
            f"no user with e-mail {email!r}; people come in with the CRM import, and the e-mail must match theirs"
        )


def lead_story(engine: Engine, lead_id: int) -> LeadStory:
    """Everything known about one lead, each part in time order; ``LeadNotFound`` if there is no such lead."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for every query of the story
            conn.execution_options(isolation_level="REPEATABLE READ")
        row = q.find_lead(conn, lead_id)
        if row is None:
            raise LeadNotFound(lead_id)
        # The SLA the lead was last scored under: its half-life reads the state at that moment.
        found = current_sla(engine, row.scored_at) if row.scored_at is not None else None
        return LeadStory(
            lead=_profile(row, found[1].scoring.engagement if found is not None else None),
            timeline=_timeline(conn, lead_id),
            scores=tuple(_score_point(r) for r in q.score_snapshots_of(conn, lead_id)),
            transitions=tuple(_stage_change(r) for r in q.transitions_of(conn, lead_id)),
            obligations=tuple(_clock(r) for r in q.obligations_of(conn, lead_id)),
            feedback=tuple(feedback_entry(r) for r in q.feedback_of(conn, lead_id)),
        )


def list_leads(
    engine: Engine, *, stage: str | None = None, owner_email: str | None = None, limit: int = 50
) -> list[LeadLine]:
    """Leads most recently changed first, optionally only one stage's or one owner's."""
    return lead_page(engine, stage=stage, owner_email=owner_email, limit=limit).items


def lead_page(
    engine: Engine,
    *,
    limit: int = 50,
    stage: str | None = None,
    owner_email: str | None = None,
    changed_since: datetime | None = None,
    changed_until: datetime | None = None,
    campaign: str | None = None,
    lead_source: str | None = None,
    after: tuple[datetime, int] | None = None,
) -> Page[LeadLine]:
    """A page of leads, most recently changed first; filtered by stage, owner, when the stage last
    changed (``[changed_since, changed_until)``), campaign and lead source. ``after``: the ``next_key``
    of the page before."""
    with engine.connect() as conn:
        owner_id = None if owner_email is None else user_id_of(conn, owner_email)
        rows = q.list_leads(
            conn,
            stage=stage,
            owner_id=owner_id,
            limit=limit + 1,
            changed_since=changed_since,
            changed_until=changed_until,
            campaign=campaign,
            lead_source=lead_source,
            after=after,
        )
    return page_of(rows, limit, lambda r: (r.updated_at, r.id), _line)


def user_id_of(conn: Connection, email: str) -> int:
    """The id of the person with this e-mail; ``UnknownUser`` if there is none."""
    found = q.find_user_by_email(conn, email)
    if found is None:
        raise UnknownUser(email)
    return int(found.id)


def _line(r: Any) -> LeadLine:
    return LeadLine(
        r.id, display_name(r), r.email, r.company, r.stage, r.owner_email, r.score, r.predicted, r.stage_changed_at
    )


def display_name(row: Any) -> str:
    """First and last name, else the e-mail, else ``lead ID``."""
    name = " ".join(p for p in (row.first_name, row.last_name) if p)
    return name or row.email or f"lead {row.id}"


def score_lines(reasons: list[Any] | None) -> tuple[ScoreReason, ...]:
    """Stored reasons (``[[rule, points], ...]``) as lines."""
    return tuple(ScoreReason(str(rule), float(points)) for rule, points in reasons or [])


def feedback_entry(row: Any) -> FeedbackEntry:
    dispute = None
    if row.disputed_at is not None:
        dispute = Dispute(
            row.dispute_note,
            row.disputed_by_email,
            row.disputed_at,
            row.dispute_outcome,
            row.resolved_by_email,
            row.dispute_resolved_at,
        )
    return FeedbackEntry(
        row.id, row.lead_id, row.verdict, row.reason, row.rating, row.note, row.by, row.at, row.sla_version, dispute
    )


def _profile(row: Any, engagement: Engagement | None) -> LeadProfile:
    return LeadProfile(
        id=row.id,
        name=display_name(row),
        email=row.email,
        company=row.company,
        job_title=row.job_title,
        stage=row.stage,
        owner_email=row.owner_email,
        owner_name=row.owner_name,
        fit=row.fit_score,
        engagement=row.engagement_score,
        p_convert=row.predicted,
        score=row.score,
        scored_at=row.scored_at,
        score_reasons=stored_reasons(
            row.score_reasons, EngagementState.from_json(row.engagement_state), engagement, row.scored_at
        ),
        p_convert_reasons=tuple(PredictionReason(str(f), v, float(c)) for f, v, c in row.predicted_reasons or ()),
        routing_reason=row.routing_reason,
        routed_at=row.routed_at,
        stage_changed_at=row.stage_changed_at,
        recycle_count=row.recycle_count,
        nurture_until=row.nurture_until,
        lead_source=row.lead_source,
        source=row.source,
        external_id=row.external_id,
        created_at=row.created_at,
        version=row.version,
    )


def _timeline(conn: Connection, lead_id: int) -> tuple[JourneyEvent, ...]:
    touchpoints = [
        JourneyEvent(r.occurred_at, "touchpoint", r.type, r.source, r.external_id, r.channel, r.campaign)
        for r in q.touchpoints_of(conn, lead_id)
    ]
    activities = [
        JourneyEvent(r.occurred_at, "activity", r.type, r.source, r.external_id, by=r.by, outcome=r.outcome)
        for r in q.activities_of(conn, lead_id)
    ]
    return tuple(sorted(touchpoints + activities, key=lambda e: (e.at, e.kind != "touchpoint", e.external_id)))


def _score_point(row: Any) -> ScorePoint:
    return ScorePoint(row.at, row.fit, row.engagement, row.p_convert, row.score, row.cause, score_lines(row.reasons))


def _stage_change(row: Any) -> StageChange:
    return StageChange(row.at, row.from_stage, row.to_stage, row.actor, row.reason, row.sla_version, row.source)


def _clock(row: Any) -> Clock:
    return Clock(
        row.id,
        row.kind,
        row.team,
        row.owner_email,
        row.opened_at,
        row.due_at,
        row.status,
        row.closed_at,
        row.required_count,
        row.done_count,
        row.escalated_to,
        row.escalated_at,
        row.sla_version,
    )
