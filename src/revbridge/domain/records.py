"""What an import or the API hands to ingestion: plain, validated values, no I/O.

Each record names where it came from (``source``) and its id there (``external_id``); together they
make a replayed batch harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

# What a lead record says about the person, each stored in the lead column of the same name. Fit rules in
# the SLA read these (plus ``campaign``); ingestion copies them (plus the known outcome, ``converted``).
PERSON_FIELDS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "company",
    "job_title",
    "industry",
    "country",
    "region",
    "city",
    "employees",
    "annual_revenue",
    "phone",
    "lead_source",
    "status",
)


@dataclass(frozen=True, slots=True)
class StageEntry:
    """A stage a lead entered at a moment, as another tool recorded it."""

    stage: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LeadRecord:
    source: str
    external_id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    job_title: str | None = None
    industry: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    employees: int | None = None
    annual_revenue: float | None = None
    phone: str | None = None
    lead_source: str | None = None
    campaign: str | None = None
    owner: str | None = None
    status: str | None = None
    stage: str | None = None
    created_at: datetime | None = None
    converted: bool | None = None
    stage_history: tuple[StageEntry, ...] = ()
    flags: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)


def merge_leads(first: LeadRecord, later: LeadRecord) -> LeadRecord:
    """One person's two rows as one: the later row's values win where it has them, histories join."""
    changes: dict[str, Any] = {}
    for name in LeadRecord.__dataclass_fields__:
        value = getattr(later, name)
        if name == "properties":
            changes[name] = {**first.properties, **later.properties}
        elif name == "stage_history":
            changes[name] = tuple(dict.fromkeys(first.stage_history + later.stage_history))
        elif name == "flags":
            changes[name] = tuple(dict.fromkeys(first.flags + later.flags))
        elif name in ("source", "external_id", "created_at"):
            continue  # the first row names the person and says when they arrived
        elif value is not None:
            changes[name] = value
    return replace(first, **changes)


def lead_keys(record: LeadRecord) -> tuple[object, ...]:
    """The ways a lead is recognised: its e-mail, then its id in its source system."""
    keys: tuple[object, ...] = ((record.source, record.external_id),)
    return (record.email, *keys) if record.email else keys


@dataclass(frozen=True, slots=True)
class TouchpointRecord:
    """A marketing event. ``lead_email`` or ``lead_external_id`` names the person."""

    source: str
    external_id: str
    type: str
    occurred_at: datetime
    lead_email: str | None = None
    lead_external_id: str | None = None
    lead_source: str | None = None  # where lead_external_id comes from; default: this record's source
    channel: str | None = None
    campaign: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """A sales activity: call, e-mail, meeting, with its outcome."""

    source: str
    external_id: str
    type: str
    occurred_at: datetime
    lead_email: str | None = None
    lead_external_id: str | None = None
    lead_source: str | None = None
    user: str | None = None
    outcome: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpportunityRecord:
    source: str
    external_id: str
    name: str | None = None
    account: str | None = None
    amount: float | None = None
    stage: str | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    won: bool | None = None
    lost_reason: str | None = None
    owner: str | None = None
    product: str | None = None
    contact_emails: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpendRecord:
    """What a campaign cost on one day."""

    campaign: str
    day: date
    amount: float
    channel: str | None = None
    source: str = "manual"


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that could not be used, and why: enough to find and fix it."""

    file: str
    row: int
    field: str
    reason: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A company, as a CRM knows it."""

    name: str
    domain: str | None = None
    industry: str | None = None
    country: str | None = None
    region: str | None = None
    employees: int | None = None
    annual_revenue: float | None = None
    owner: str | None = None
    parent: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A person on a team, with the team's kind (marketing, sales, admin)."""

    name: str
    team: str
    team_kind: str = "sales"
    email: str | None = None
    role: str | None = None
    manager: str | None = None  # the manager's name or e-mail
    region: str | None = None
    capacity: int | None = None
    title: str | None = None  # the job function an SLA may escalate to: role:sales_manager
