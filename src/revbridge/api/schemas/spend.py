"""What ``/api/spend`` takes and gives: what campaigns cost, a row per campaign and day."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from revbridge.api.params import NO_NUL, Day

SPEND_LIMIT = 1_000


class SpendIn(BaseModel):
    """What one campaign cost on one day. (``campaign``, ``day``, ``source``) is its identity: sent
    again, it replaces the amount stored (as the importer does)."""

    model_config = ConfigDict(extra="forbid")

    day: Day
    campaign: str = Field(min_length=1, max_length=300, pattern=NO_NUL, examples=["Q1 webinar series"])
    channel: str | None = Field(
        None, max_length=100, pattern=NO_NUL, examples=["paid_social"], description="For a campaign new to RevBridge."
    )
    amount: float = Field(ge=0, le=1e12, allow_inf_nan=False, examples=[1250.0])
    source: str = Field("api", min_length=1, max_length=50, pattern=NO_NUL, description="Where the figure comes from.")


class SpendBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[SpendIn] = Field(min_length=1, max_length=SPEND_LIMIT)


class SpendResult(BaseModel):
    received: int
    created: int = Field(description="Rows new to the store.")
    updated: int = Field(description="Rows whose amount (or channel) changed.")
    unchanged: int = Field(description="Rows sent before with the same figure: nothing changed.")
