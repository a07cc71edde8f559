"""Sales' verdicts, back to marketing: per campaign, how many MQLs sales accepted and why it rejected the
rest (a stacked bar of the SLA's reasons and a table), the notes sales wrote, the disputes open and
settled, and the recent rejections, each with a **Dispute** form for marketing (``POST
/feedback/{id}/dispute``, once, with a note).

The numbers are the shared numbers (``analytics.feedback``, kept two minutes, over the last 90 days);
the rejections and disputes people act on are read fresh on every request. Campaigns have no owner in
RevBridge, so marketing's view is every campaign, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from revbridge.domain.api_access import check
from revbridge.domain.errors import RevBridgeError
from revbridge.reports import charts
from revbridge.services.leads import dispute
from revbridge.services.logins import SessionUser
from revbridge.services.rejections import recent_rejections
from revbridge.services.sla_versions import NoSlaInForce
from revbridge.web.forms import done, flash_of, local_path, refusal_status, shown
from revbridge.web.pages.lead import lead_page
from revbridge.web.render import page
from revbridge.web.session import Viewer, Writer
from revbridge.web.store import Store

if TYPE_CHECKING:
    import pandas as pd

router = APIRouter(include_in_schema=False)
CHART_CAMPAIGNS = 12  # the campaigns with the most rejections, in the chart
NOTES = 20


@router.get("/feedback")
def feedback(request: Request, user: Viewer, store: Store) -> Response:
    return feedback_page(request, user, store)


def feedback_page(
    request: Request, user: SessionUser, store: Store, *, error: str | None = None, status: int = 200
) -> Response:
    """The feedback page, with ``error`` (a refused dispute's words) and its ``status`` when one was refused."""
    lists = recent_rejections(store, user.email, now=datetime.now(UTC))
    context: dict[str, Any] = {"missing": None}
    numbers = request.app.state.numbers
    try:
        accepted, disputed = numbers.get("acceptance"), numbers.get("disputes")
        reasons, notes = numbers.get("rejection_reasons", by="campaign"), numbers.get("notes")
    except NoSlaInForce as missing:
        context = {"missing": str(missing)}
    else:
        labels = lists.reason_labels
        context |= {
            "campaigns": _campaign_rows(accepted.frame, disputed.frame, reasons.frame, labels),
            "chart": _reasons_chart(reasons.frame, labels),
            "notes": _latest_notes(notes.frame, labels),
            "as_of": min(accepted.at, disputed.at, reasons.at, notes.at),
        }
    answer = page(
        request,
        "feedback.html",
        user,
        status=status,
        lists=lists,
        error=error,
        flash=flash_of(request),
        back="/feedback",
        **context,
    )
    return shown(request, answer)


@router.post("/feedback/{feedback_id}/dispute")
def dispute_verdict(
    request: Request,
    feedback_id: int,
    user: Writer,
    store: Store,
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Dispute a rejection, once, as the signed-in person (marketing), saying why in ``note``."""
    request.state.audit = {"subject": f"feedback {feedback_id}"}
    target = local_path(back, "/feedback")
    try:
        check(user.caller, "dispute")
        entry = dispute(store, feedback_id, user.email, note, at=datetime.now(UTC))
    except RevBridgeError as refused:
        status = refusal_status(refused)
        if target.startswith("/leads/") and target.removeprefix("/leads/").isdigit():
            return lead_page(
                request, user, store, int(target.removeprefix("/leads/")), error=str(refused), status=status
            )
        return feedback_page(request, user, store, error=str(refused), status=status)
    message = f"Disputed: the rejection of lead {entry.lead_id}; a sales manager settles it (upheld or overturned)"
    return done(request, target, message)


# --- the numbers, shaped for the page -------------------------------------------------------------------


def _campaign_rows(
    accepted: pd.DataFrame, disputed: pd.DataFrame, reasons: pd.DataFrame, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per campaign: its verdicts and acceptance rate, its most given reason, its disputes; the
    campaigns with the most verdicts first."""
    disputes = {row["campaign"]: row for row in disputed.to_dict("records")}
    top_reason: dict[str, tuple[str, float]] = {}
    for row in reasons.to_dict("records"):  # the most frequent reason of each campaign comes first
        top_reason.setdefault(row["campaign"], (labels.get(row["reason"], row["reason"]), row["share"]))
    rows = []
    for row in accepted.sort_values(["verdicts", "campaign"], ascending=[False, True]).to_dict("records"):
        more = disputes.get(row["campaign"], {})
        reason, share = top_reason.get(row["campaign"], (None, None))
        rows.append(
            {
                **row,
                "top_reason": reason,
                "top_reason_share": share,
                **{k: int(more.get(k, 0) or 0) for k in ("disputed", "open", "upheld", "overturned")},
            }
        )
    return rows


def _reasons_chart(reasons: pd.DataFrame, labels: dict[str, str]) -> dict[str, Any]:
    """Rejections per campaign, stacked by reason (the SLA's words), for the campaigns with the most."""
    if reasons.empty:
        return charts.bars([], {}, stacked=True, horizontal=True)
    table = reasons.pivot_table(index="campaign", columns="reason", values="rejections", aggfunc="sum").fillna(0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index[:CHART_CAMPAIGNS]]
    order = [r for r in labels if r in table.columns] + sorted(str(r) for r in table.columns if r not in labels)
    values: dict[str, Sequence[float]] = {labels.get(r, r): [float(v) for v in table[r]] for r in order}
    return charts.bars(list(table.index), values, stacked=True, horizontal=True, title="Rejections by reason")


def _latest_notes(notes: pd.DataFrame, labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = notes.sort_values("at", ascending=False, kind="stable").head(NOTES).to_dict("records")
    return [{**row, "reason": labels.get(row["reason"], row["reason"])} for row in rows]
