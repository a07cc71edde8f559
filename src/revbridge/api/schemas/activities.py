"""What ``/api/activities`` takes: a sales activity logged on a lead by the token's person."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from revbridge.api.params import MAX_ID, NO_NUL, Moment


class ActivityIn(BaseModel):
    """A call, an e-mail or a meeting on a lead. A contact meets the lead's first-touch clock and counts
    as an attempt; the SLA's SQL activity (e.g. ``meeting_held``) makes a SAL an SQL when its score holds."""

    model_config = ConfigDict(extra="forbid")

    lead_id: int = Field(ge=1, le=MAX_ID)
    kind: str = Field(min_length=1, max_length=50, pattern=NO_NUL, examples=["call"])
    outcome: str | None = Field(None, max_length=100, pattern=NO_NUL, examples=["connected"])
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description="The activity's own id: logged again with it, nothing changes (`replayed`).",
    )
    occurred_at: Moment | None = Field(None, description="When it happened, with its offset (default: now).")
