"""``/api/sla``: the signed versions of the marketing–sales SLA, what changed between two, and applying
a new one (admins only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from revbridge.api.deps import Me, Store
from revbridge.api.pagination import Page, key_of, page
from revbridge.api.params import Cursor, Limit
from revbridge.api.schemas.sla import SlaApplied, SlaApplyIn, SlaChange, SlaDiff, SlaVersionLine, SlaVersionOut
from revbridge.domain.api_access import check
from revbridge.services.paging import page_of
from revbridge.services.sla_changes import changes_between, version_in_force
from revbridge.services.sla_versions import SlaVersion, apply_sla, get_sla_version, list_sla_versions

router = APIRouter(tags=["sla"])
Version = Annotated[int, Path(ge=1, le=2**31 - 1, description="The version's number (1, 2 …).")]
Ref = Annotated[str, Query(min_length=1, max_length=10, pattern=r"^([0-9]+|current)$")]


@router.get("/sla/versions", response_model=Page[SlaVersionLine])
def versions(store: Store, caller: Me, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    """Every stored version, oldest first: when it takes effect, who signed it, and which is in force."""
    check(caller, "read")
    in_force = version_in_force(store, datetime.now(UTC))
    after = key_of(cursor, int)
    stored = [v for v in list_sla_versions(store) if after is None or v.version > after[0]]
    return page(page_of(stored[: limit + 1], limit, lambda v: (v.version,), lambda v: _line(v, in_force)))


@router.get("/sla/versions/{version}")
def version(version: Version, store: Store, caller: Me) -> SlaVersionOut:
    """One stored version: the YAML exactly as signed, when it takes effect, and who signed it."""
    check(caller, "read")
    stored = get_sla_version(store, version)
    line = _line(stored, version_in_force(store, datetime.now(UTC)))
    return SlaVersionOut(**line.model_dump(), text=stored.text)


@router.get("/sla/diff")
def diff(
    store: Store,
    caller: Me,
    old: Annotated[Ref, Query(alias="from", description="The earlier version: a number, or current.")],
    new: Annotated[Ref, Query(alias="to", description="The later version: a number, or current.")],
) -> SlaDiff:
    """What changes from one version to another, in words (``revbridge sla diff``), not a text diff."""
    check(caller, "read")
    changes = changes_between(store, old, new, at=datetime.now(UTC))
    return SlaDiff(old=old, new=new, changes=[SlaChange(path=c.path, kind=c.kind, change=c.sentence) for c in changes])


@router.post("/sla/versions", status_code=201)
def apply(signed: SlaApplyIn, request: Request, store: Store, caller: Me) -> SlaApplied:
    """Apply a new SLA version, signed by one person for each of marketing and sales: admins only. A
    wrong SLA is a 422 problem listing every error with its path in the file (``errors``); the same
    contract as the latest version, or one taking effect before it, is refused too."""
    check(caller, "apply_sla")
    number = apply_sla(
        store, signed.text, effective_from=signed.effective_from, signed_by=signed.signed_by, now=datetime.now(UTC)
    )
    stored = get_sla_version(store, number)
    request.state.audit = {"subject": f"SLA version {number}", "detail": {"checksum": stored.checksum}}
    return SlaApplied(
        version=number, effective_from=stored.effective_from, signed_by=stored.signed_by, checksum=stored.checksum
    )


def _line(stored: SlaVersion, in_force: int | None) -> SlaVersionLine:
    return SlaVersionLine(
        version=stored.version,
        effective_from=stored.effective_from,
        signed_by=stored.signed_by,
        checksum=stored.checksum,
        created_at=stored.created_at,
        in_force=stored.version == in_force,
    )
