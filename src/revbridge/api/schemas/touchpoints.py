"""What ``/api/touchpoints`` takes and gives: marketing's events, in idempotent batches."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from revbridge.api.params import NO_NUL, Moment, Properties

BATCH_LIMIT = 1_000


class TouchpointIn(BaseModel):
    """A marketing event. ``lead_email`` or ``lead_external_id`` (with ``lead_source``) names the person;
    (``source``, ``external_id``) is its identity: sent twice, it is stored once."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=50, pattern=NO_NUL, examples=["hubspot"])
    external_id: str = Field(min_length=1, max_length=200, pattern=NO_NUL, examples=["form-fill-8812"])
    type: str = Field(min_length=1, max_length=100, pattern=NO_NUL, examples=["demo_request"])
    occurred_at: Moment = Field(description="When it happened, with its offset (ISO 8601).")
    lead_email: str | None = Field(None, max_length=320, pattern=NO_NUL, examples=["ada@example.com"])
    lead_external_id: str | None = Field(None, max_length=200, pattern=NO_NUL)
    lead_source: str | None = Field(None, max_length=50, pattern=NO_NUL)
    channel: str | None = Field(None, max_length=100, pattern=NO_NUL, examples=["paid_search"])
    campaign: str | None = Field(None, max_length=300, pattern=NO_NUL)
    properties: Properties = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_a_person(self) -> TouchpointIn:
        if not self.lead_email and not self.lead_external_id:
            raise ValueError("name the person: lead_email, or lead_external_id (with lead_source)")
        return self


class TouchpointBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    touchpoints: list[TouchpointIn] = Field(min_length=1, max_length=BATCH_LIMIT)


class Unresolved(BaseModel):
    index: int = Field(description="The touchpoint's place in the batch, from 0.")
    reason: str


class BatchResult(BaseModel):
    received: int
    added: int = Field(description="Stored now.")
    already_stored: int = Field(description="Sent before (same source and external id): stored once.")
    leads_created: int = Field(description="New people, met by e-mail for the first time.")
    unresolved: list[Unresolved] = Field(description="Not stored: the person they name is unknown.")
