"""What ``/api/sla`` takes and gives: the signed versions of the SLA, and what changed between two."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from revbridge.api.params import NO_NUL, Moment

SLA_TEXT_LIMIT = 200_000
Team = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=NO_NUL)]
Signer = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]


class SlaVersionLine(BaseModel):
    version: int
    effective_from: datetime
    signed_by: dict[str, str] = Field(description="Who signed for each team.")
    checksum: str
    created_at: datetime
    in_force: bool = Field(description="The version in force now.")


class SlaVersionOut(SlaVersionLine):
    text: str = Field(description="The YAML exactly as signed.")


class SlaChange(BaseModel):
    path: str = Field(examples=["clocks.accept_within"])
    kind: str = Field(description="added, removed or changed.")
    change: str = Field(description="The change in words, as `revbridge sla diff` says it.")


class SlaDiff(BaseModel):
    old: str
    new: str
    changes: list[SlaChange]


class SlaApplyIn(BaseModel):
    """A new SLA version: the YAML, when it takes effect, and who signed for marketing and for sales."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=SLA_TEXT_LIMIT, pattern=NO_NUL, description="The SLA file's YAML.")
    effective_from: Moment = Field(description="When it takes effect: not before the latest version does.")
    signed_by: dict[Team, Signer] = Field(
        max_length=4, examples=[{"marketing": "Maria Lopez", "sales": "Sam Okafor"}], description="A name per team."
    )


class SlaApplied(BaseModel):
    version: int
    effective_from: datetime
    signed_by: dict[str, str]
    checksum: str
