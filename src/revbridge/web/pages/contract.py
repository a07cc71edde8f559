"""The contract page: the SLA in force (or any stored version) in words — who signed, the stages and
the team owning each, what qualifies a lead, the deadlines, the rejection reasons, each team's
commitments — the list of versions, what changed from the version before, and, for admins, a form to
apply a new version. A wrong file is refused with every error and its path, and nothing is applied."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from revbridge.domain.api_access import NotAllowed, check
from revbridge.domain.errors import Conflict, FieldError, InvalidInput, Refused, SlaInvalid
from revbridge.domain.sla import load_sla
from revbridge.services.logins import SessionUser
from revbridge.services.sla_history import SlaHistory, sla_history
from revbridge.services.sla_versions import apply_sla
from revbridge.web.render import page
from revbridge.web.session import Viewer, Writer
from revbridge.web.store import Store

router = APIRouter(include_in_schema=False)
PASTED = "the pasted SLA"


@router.get("/contract")
def contract(
    request: Request, user: Viewer, store: Store, version: int | None = None, applied: int | None = None
) -> HTMLResponse:
    history = sla_history(store, now=datetime.now(UTC), version=version)
    flash = f"Version {applied} is applied: both teams' signatures are on it." if applied else None
    return _page(request, user, history, _form_of(history), flash=flash)


@router.post("/contract/versions")
def apply_version(
    request: Request,
    user: Writer,
    store: Store,
    text: Annotated[str, Form()] = "",
    effective: Annotated[str, Form()] = "",
    marketing: Annotated[str, Form()] = "",
    sales: Annotated[str, Form()] = "",
) -> Response:
    request.state.audit = {"subject": "a new SLA version"}
    check(user.caller, "apply_sla")  # anyone but an admin: 403, and nothing is applied
    now = datetime.now(UTC)
    form = {"text": text, "effective": effective, "marketing": marketing, "sales": sales}
    try:
        sla = load_sla(text, source=PASTED)
        number = apply_sla(
            store,
            text,
            effective_from=_moment(effective, sla.clocks.zone),
            signed_by={"marketing": marketing, "sales": sales},
            now=now,
            source=PASTED,
        )
    except SlaInvalid as invalid:
        return _page(request, user, sla_history(store, now=now), form, errors=invalid.errors, status=422)
    except (InvalidInput, Refused, Conflict) as refused:  # signatures, unchanged, out of order, a race
        status = 409 if isinstance(refused, Conflict) else 422
        return _page(request, user, sla_history(store, now=now), form, problem=str(refused), status=status)
    request.app.state.numbers.forget()  # the stages and commitments the numbers follow may have changed
    request.state.audit = {"subject": f"SLA version {number}", "detail": {"effective": effective}}
    return RedirectResponse(f"/contract?version={number}&applied={number}", status_code=303)


def _page(
    request: Request,
    user: SessionUser,
    history: SlaHistory,
    form: dict[str, str],
    *,
    flash: str | None = None,
    errors: list[FieldError] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {"history": history, "shown": history.shown, "form": form}
    context |= {"errors": errors or [], "problem": problem, "may_apply": _may_apply(user), "flash": flash}
    return page(request, "contract.html", user, status=status, **context)


def _may_apply(user: SessionUser) -> bool:
    try:
        check(user.caller, "apply_sla")
    except NotAllowed:
        return False
    return True


def _form_of(history: SlaHistory) -> dict[str, str]:
    """The form starts from the version shown and its signatories: a change is an edit of it."""
    shown = history.shown
    signed = shown.stored.signed_by if shown else {}
    return {
        "text": shown.stored.text if shown else "",
        "effective": datetime.now(UTC).date().isoformat(),
        "marketing": signed.get("marketing", ""),
        "sales": signed.get("sales", ""),
    }


class EffectiveDateInvalid(InvalidInput):
    def __init__(self, text: str) -> None:
        shown = f"got {text!r}" if text.strip() else "none was given"
        super().__init__(
            f"effective date: expected a date like 2026-01-01 or a date-time like 2026-01-01T09:00; {shown}"
        )


def _moment(text: str, zone: tzinfo) -> datetime:
    """A date alone is that day's start, and a time without an offset is read, on the SLA's clocks
    (as ``revbridge sla apply --effective`` reads it)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise EffectiveDateInvalid(text) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
