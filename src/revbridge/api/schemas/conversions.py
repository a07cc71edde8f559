"""What moving a lead on takes: to the next stage by hand, or a lost deal."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from revbridge.api.params import NO_NUL


class AdvanceIn(BaseModel):
    """Move a lead on as the SLA allows: SAL → SQL → opportunity → customer."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=50, pattern=NO_NUL, examples=["opportunity"])
    reason: str | None = Field(None, max_length=500, pattern=NO_NUL, description="Why, for the record.")


class LostIn(BaseModel):
    """The deal is lost: the lead returns to nurture (or is disqualified) and its clocks stop."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, pattern=NO_NUL, examples=["Chose a competitor"])
    disqualify: bool = Field(False, description="Disqualify the lead instead of returning it to nurture.")
