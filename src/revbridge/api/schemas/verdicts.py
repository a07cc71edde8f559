"""What sales' verdicts and marketing's disputes take."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from revbridge.api.params import NO_NUL


class AcceptIn(BaseModel):
    """Sales accepts an MQL: it becomes SAL and its follow-up clocks open."""

    model_config = ConfigDict(extra="forbid")

    rating: int | None = Field(None, ge=1, le=5, description="How good the lead was, 1 to 5.")
    note: str | None = Field(None, max_length=2000, pattern=NO_NUL)


class RejectIn(AcceptIn):
    """Sales rejects an MQL with one of the SLA's reasons, which says whether it is recycled or disqualified."""

    reason: str = Field(min_length=1, max_length=100, pattern=NO_NUL, examples=["no_budget"])


class DisputeIn(BaseModel):
    """Marketing disputes a rejection, once, saying why."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, pattern=NO_NUL, examples=["They booked a demo the next day."])


class ResolveIn(BaseModel):
    """A sales manager (or an admin) settles a disputed rejection, once."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "overturned"] = Field(description="upheld: sales was right; overturned: it was not.")
