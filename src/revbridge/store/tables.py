"""The tables, as SQLAlchemy 2 mapped rows. Row classes end in ``Row``: a ``LeadRow`` is never a domain lead.

Datetimes are aware UTC in Python and UTC at rest. Append-only tables (touchpoints, activities,
stage_transitions, feedback) are never updated by the application; replays are absorbed by the unique
(source, external_id) keys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, column_property, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps naive text; we add the zone back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: RevBridge stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the stored text read straight as UTC (``fromisoformat`` of it with ``+00:00``): an
        eighth of the cost of parsing it naive and then adding the zone, which a tick reading 100,000
        deadlines felt. Text in any other shape (one with its own offset, say) takes the general path."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                read = parse(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)
            return read if read.tzinfo is not None else general(value)  # a date alone ignores the offset

        return process


Json = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: Json, date: sa.Date()}


metadata = Base.metadata


def table_of(row: type[Base]) -> sa.Table:
    """The Core table behind a mapped row class, typed as a Table."""
    table = row.__table__
    assert isinstance(table, sa.Table)
    return table


def _now() -> datetime:
    return datetime.now(UTC)


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # marketing | sales | admin


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    role: Mapped[str] = mapped_column(sa.String(20))  # admin | marketing | sales | viewer
    title: Mapped[str | None] = mapped_column(sa.String(100))  # job function an SLA names: role:sales_manager
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_assigned_at: Mapped[datetime | None]  # round robin: who waited longest
    active: Mapped[bool] = mapped_column(default=True)
    away: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None]
    territory: Mapped[dict[str, Any]] = mapped_column(default=dict)
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))  # argon2id; None: no browser log-in
    created_at: Mapped[datetime] = mapped_column(default=_now)


class QuotaRow(Base):
    __tablename__ = "quotas"
    __table_args__ = (sa.UniqueConstraint("user_id", "period_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount: Mapped[float] = mapped_column(sa.Double())


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    normalised_name: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    domain: Mapped[str | None] = mapped_column(sa.String(253), unique=True)
    industry: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    employees: Mapped[int | None]
    annual_revenue: Mapped[float | None] = mapped_column(sa.Double())
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    channel: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=_now)


class CampaignSpendRow(Base):
    __tablename__ = "campaign_spend"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "day", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"))
    day: Mapped[date]
    amount: Mapped[float] = mapped_column(sa.Double())
    source: Mapped[str] = mapped_column(sa.String(50))


class LeadScoreRow(Base):
    """A lead's scores as last computed, beside its row: the nightly rescoring rewrites every lead's
    numbers, and a table this narrow takes that for a fraction of rewriting the wide ``leads`` rows
    (migration 0011). A lead never scored has no row here: read its scores as 0."""

    __tablename__ = "lead_scores"
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), primary_key=True, autoincrement=False)
    fit_score: Mapped[float] = mapped_column(sa.Double())
    engagement_score: Mapped[float] = mapped_column(sa.Double())
    score: Mapped[float] = mapped_column(sa.Double())  # the combined score
    scored_at: Mapped[datetime]


def _scored(column: Any, lead_id: Any, empty: Any) -> Any:
    """One of the lead's scores (``empty`` when it has never been scored), read from ``lead_scores``
    under the column's own name."""
    found = sa.select(column).where(LeadScoreRow.lead_id == lead_id).correlate_except(LeadScoreRow).scalar_subquery()
    return (found if empty is None else sa.func.coalesce(found, empty)).label(column.key)


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(50))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320), unique=True)
    first_name: Mapped[str | None] = mapped_column(sa.String(200))
    last_name: Mapped[str | None] = mapped_column(sa.String(200))
    company: Mapped[str | None] = mapped_column(sa.String(300))
    job_title: Mapped[str | None] = mapped_column(sa.String(300))
    industry: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    city: Mapped[str | None] = mapped_column(sa.String(200))
    employees: Mapped[int | None]
    annual_revenue: Mapped[float | None] = mapped_column(sa.Double())
    phone: Mapped[str | None] = mapped_column(sa.String(100))
    lead_source: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(50), index=True)
    status: Mapped[str | None] = mapped_column(sa.String(100))
    stage_changed_at: Mapped[datetime | None]
    engagement_ref_at: Mapped[datetime | None]  # the moment ``engagement_state`` is referenced to
    # Which touchpoints and rules the state counts (``domain.scoring.state_digest``): a rescoring that
    # finds it (and the reasons) unchanged leaves the row be and rewrites ``lead_scores`` alone.
    engagement_digest: Mapped[int | None] = mapped_column(sa.BigInteger)
    predicted: Mapped[float | None] = mapped_column(sa.Double())  # the predictive score's probability
    predicted_reasons: Mapped[list[Any] | None] = mapped_column(Json)  # [[feature, value, log odds], ...]
    predicted_version: Mapped[int | None]  # of the model that scored it (predictive_models.version)
    predicted_at: Mapped[datetime | None]
    recycle_count: Mapped[int] = mapped_column(default=0)
    nurture_until: Mapped[datetime | None]  # a rejected lead's cool-off
    engagement_state: Mapped[dict[str, Any]] = mapped_column(default=dict)  # domain.scoring.EngagementState
    score_reasons: Mapped[list[Any]] = mapped_column(Json, default=list)  # [[rule, points], ...]
    routed_at: Mapped[datetime | None]
    routing_reason: Mapped[str | None] = mapped_column(sa.Text())
    converted: Mapped[bool | None]  # a known outcome brought by an import
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)
    version: Mapped[int] = mapped_column(default=1)
    # The scores, read from ``lead_scores`` (written there, never here).
    fit_score: Mapped[float] = column_property(_scored(LeadScoreRow.fit_score, id, 0.0))
    engagement_score: Mapped[float] = column_property(_scored(LeadScoreRow.engagement_score, id, 0.0))
    score: Mapped[float] = column_property(_scored(LeadScoreRow.score, id, 0.0))
    scored_at: Mapped[datetime | None] = column_property(_scored(LeadScoreRow.scored_at, id, None))


class TouchpointRow(Base):
    __tablename__ = "touchpoints"
    __table_args__ = (
        # One narrow index per purpose: a lead's journey is read by lead (a few hundred rows, sorted in
        # memory); time-range scans are the analytics engine's job. A (lead_id, occurred_at) index made
        # bulk ingest 1.5x slower on SQLite (benchmarks/ingest.py).
        sa.Index("ix_touchpoints_lead_id", "lead_id"),
        # Scoring new arrivals reads ``seq > mark`` every worker round (services/scoring.score_new_touchpoints):
        # a BRIN index (PostgreSQL only) keeps the lowest and highest ``seq`` of each range of pages, which
        # is all a column that grows with the table needs; it costs an import about 8% of the server's
        # instructions for a row (callgrind), where a b-tree would cost a third of the throughput.
        # SQLite's ``rowid`` is that order already.
        sa.Index("ix_touchpoints_seq", "seq", postgresql_using="brin", postgresql_with={"autosummarize": "on"}).ddl_if(
            dialect="postgresql"
        ),
    )
    # No foreign-key constraints on the event tables: PostgreSQL checks them row by row, which halved
    # bulk ingest (benchmarks/ingest.py). Ingestion resolves lead_id and campaign_id from their tables in
    # the same transaction, and leads are never deleted, so the references hold by construction
    # (tests/services/test_ingest_events.py checks that no event is orphaned).
    lead_id: Mapped[int]
    # The key is the event's own id in its source: a replayed event collides with itself. No surrogate
    # id: on PostgreSQL its index made bulk ingest 1.5x slower (benchmarks/ingest.py).
    source: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str | None] = mapped_column(sa.String(100))
    campaign_id: Mapped[int | None]
    occurred_at: Mapped[datetime]
    properties: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # The order rows arrived in, for the analytical mirror's incremental sync (store/mirror.py). PostgreSQL
    # fills it from a sequence (migration 0003); SQLite leaves it empty and the mirror reads ``rowid``.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    # True when its lead's score counted it as it was stored (``services/scoring.add_touchpoint``); empty
    # for the touchpoints the API and imports store, which the scoring of new arrivals counts later.
    scored_on_arrival: Mapped[bool | None]


class ActivityRow(Base):
    __tablename__ = "activities"
    __table_args__ = (sa.Index("ix_activities_lead_id", "lead_id"),)
    lead_id: Mapped[int]  # no FK constraint and no surrogate id: see TouchpointRow
    user_id: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(50))  # call | email | meeting | ...
    outcome: Mapped[str | None] = mapped_column(sa.String(100))
    occurred_at: Mapped[datetime]
    properties: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # The order rows arrived in, for the analytical mirror's incremental sync (store/mirror.py). PostgreSQL
    # fills it from a sequence (migration 0003); SQLite leaves it empty and the mirror reads ``rowid``.
    # No index: on PostgreSQL the sync's range scan is rare, and an index would slow every import.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger)


class OpportunityRow(Base):
    __tablename__ = "opportunities"
    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(50))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str | None] = mapped_column(sa.String(300))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    amount: Mapped[float | None] = mapped_column(sa.Double())
    stage: Mapped[str | None] = mapped_column(sa.String(100))
    product: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    won: Mapped[bool | None]
    lost_reason: Mapped[str | None] = mapped_column(sa.String(300))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=_now)


class OpportunityContactRow(Base):
    __tablename__ = "opportunity_contacts"
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), primary_key=True)
    role: Mapped[str | None] = mapped_column(sa.String(100))


class PredictiveModelRow(Base):
    """A trained predictive score: what it predicts, what it learned from, how it measured, and the model
    itself as text (``analytics/prediction/saved_model``: no pickle). The highest version scores."""

    __tablename__ = "predictive_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    label: Mapped[str] = mapped_column(sa.String(300))
    trained_until: Mapped[datetime]
    description: Mapped[dict[str, Any]]  # the windows, the figures, the vocabulary
    model: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(default=_now)


class SlaVersionRow(Base):
    __tablename__ = "sla_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(sa.Text())
    checksum: Mapped[str] = mapped_column(sa.String(64))
    effective_from: Mapped[datetime]
    signed_by: Mapped[dict[str, Any]] = mapped_column(default=dict)  # team -> person
    created_at: Mapped[datetime] = mapped_column(default=_now)


class StageTransitionRow(Base):
    __tablename__ = "stage_transitions"
    __table_args__ = (
        sa.Index("ix_stage_transitions_lead_at", "lead_id", "at"),
        # Who entered a stage when, read without the table (the funnel, journeys' milestones).
        sa.Index("ix_stage_transitions_to_stage_at", "to_stage", "at", "lead_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"))
    from_stage: Mapped[str | None] = mapped_column(sa.String(50))
    to_stage: Mapped[str] = mapped_column(sa.String(50))
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(320))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    sla_version: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(50))  # engine | import:hubspot | ...


class ObligationRow(Base):
    __tablename__ = "obligations"
    # The tick's index holds the open clocks alone, by deadline: closing one drops its entry (it does not
    # move it among the closed, which only grow), and the index stays the size of the open work.
    __table_args__ = (
        sa.Index(
            "ix_obligations_open_due",
            "due_at",
            "id",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(50))  # accept | first_touch | attempts
    team: Mapped[str] = mapped_column(sa.String(20))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(20), default="open")  # open | met | breached | cancelled
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    required_count: Mapped[int] = mapped_column(default=1)
    done_count: Mapped[int] = mapped_column(default=0)
    escalated_to: Mapped[str | None] = mapped_column(sa.String(320))
    sla_version: Mapped[int | None]


class ScoreSnapshotRow(Base):
    """A lead's scores when they changed its course or were asked for: the score over time, with reasons."""

    __tablename__ = "score_snapshots"
    __table_args__ = (sa.Index("ix_score_snapshots_lead_at", "lead_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"))
    at: Mapped[datetime]
    fit: Mapped[float] = mapped_column(sa.Double())
    engagement: Mapped[float] = mapped_column(sa.Double())
    p_convert: Mapped[float | None] = mapped_column(sa.Double())
    score: Mapped[float] = mapped_column(sa.Double())
    reasons: Mapped[list[Any]] = mapped_column(Json, default=list)
    cause: Mapped[str] = mapped_column(sa.String(50))  # touchpoint | rescore | verdict | ...


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("lead_id", "at", "verdict"),)  # a replayed verdict is the same verdict
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(sa.String(20))  # accept | reject
    reason: Mapped[str | None] = mapped_column(sa.String(100))
    rating: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(sa.Text())
    at: Mapped[datetime]
    sla_version: Mapped[int | None]
    dispute_note: Mapped[str | None] = mapped_column(sa.Text())
    disputed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    disputed_at: Mapped[datetime | None]
    dispute_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    dispute_resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    dispute_resolved_at: Mapped[datetime | None]


class GoalRow(Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    metric: Mapped[str] = mapped_column(sa.String(100))
    target: Mapped[float] = mapped_column(sa.Double())
    period_start: Mapped[date]
    period_end: Mapped[date]
    teams: Mapped[str] = mapped_column(sa.String(100))  # "marketing,sales"
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class ApiTokenRow(Base):
    """A token for the HTTP API, acting for one person within its scopes. Only its SHA-256 is kept: the
    token itself is shown once, when made."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[str] = mapped_column(sa.String(100))  # space-separated: read write
    created_at: Mapped[datetime] = mapped_column(default=_now)
    revoked_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A browser's log-in. The cookie holds a random token and the row only its SHA-256, with the CSRF
    token every form of the session carries; a session ends at log-out or when it expires."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditRow(Base):
    """One write through the API, the browser or the command line: who, when, what, and how it ended (its
    HTTP status; a command's is the status the API answers the same outcome with)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    via: Mapped[str] = mapped_column(sa.String(10))  # api | web | cli
    action: Mapped[str] = mapped_column(sa.String(200))  # POST /api/leads/{lead_id}/accept
    subject: Mapped[str | None] = mapped_column(sa.String(200))  # lead 42
    status: Mapped[int]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CheckinEntryRow(Base):
    """The weekly check-in's record: a decision taken, or a team lead's sign-off, with their comment."""

    __tablename__ = "checkin_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(sa.String(8), index=True)  # ISO week: 2026-W47
    kind: Mapped[str] = mapped_column(sa.String(10))  # decision | signoff
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text())
    at: Mapped[datetime] = mapped_column(default=_now)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=_now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=_now)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text())


class ScoreMarkRow(Base):
    """How far the leads' scores have counted an append-only table's arrivals: ``last_arrival`` is the
    highest arrival number (``seq`` on PostgreSQL, ``rowid`` on SQLite) whose rows are in the scores.
    One row, ``touchpoints``, moved by the scoring of new touchpoints and by a full rescoring."""

    __tablename__ = "score_marks"
    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    last_arrival: Mapped[int] = mapped_column(sa.BigInteger)
    moved_at: Mapped[datetime | None]


class ImportRunRow(Base):
    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    file: Mapped[str] = mapped_column(sa.String(1000))
    started_at: Mapped[datetime] = mapped_column(default=_now)
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default="running")  # running | done | failed


# The users table under the names a query joins it by (a lead's owner; who judged, disputed, settled a
# verdict), made once: making an alias per query cost more than running the query.
OWNER = aliased(UserRow, name="owner")
JUDGE = aliased(UserRow, name="judge")
DISPUTER = aliased(UserRow, name="disputer")
RESOLVER = aliased(UserRow, name="resolver")
