"""Who may act on a lead: the lifecycle's rules about people. Pure: the service reads, these decide.

- A verdict (accept or reject an MQL) is sales' alone. Under the SLA's ``qualification.sal.accepted_by:
  assigned_rep`` only the lead's owner gives it; under ``any_sales_rep`` any sales rep may.
- Working a lead (logging an activity, moving it on, marking it lost) is for sales and admins.
- Marketing disputes a rejection, once, with a note: the dispute is how marketing answers a verdict.
- A sales manager (title ``sales_manager``) or an admin records a dispute's outcome, once.
- An inactive person does nothing.

Every refusal is a ``NotPermitted`` (a ``Refused``) that says who may do it instead. The ``may_*``
questions give the same answers without raising, for a page deciding which forms to show (a test holds
each equal to its ``check_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from revbridge.domain.errors import InvalidInput, Refused

Verdict = Literal["accept", "reject"]
DisputeOutcome = Literal["upheld", "overturned"]
DISPUTE_OUTCOMES: tuple[DisputeOutcome, ...] = ("upheld", "overturned")
SALES_MANAGER = "sales_manager"  # the title an SLA names as role:sales_manager
WORKING_ROLES = frozenset({"sales", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    """The person acting, as the rules see them."""

    id: int
    email: str
    role: str  # admin | marketing | sales | viewer
    title: str | None = None
    active: bool = True

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"


@dataclass(frozen=True, slots=True)
class FeedbackState:
    """What the dispute rules read of one stored verdict."""

    id: int
    verdict: str
    disputed_at: datetime | None = None
    disputed_by: str | None = None  # the disputer's e-mail
    outcome: str | None = None


class NotPermitted(Refused):
    """This person may not do this; the message says who may."""


def check_verdict(
    actor: Actor,
    verdict: Verdict,
    lead_id: int,
    owner_id: int | None,
    accepted_by: str,
    owner_email: str | None = None,
) -> None:
    """May ``actor`` accept or reject lead ``lead_id``, owned by ``owner_id``, under ``accepted_by``?"""
    _check_active(actor)
    if actor.role != "sales":
        raise NotPermitted(
            f"{actor} may not {verdict} lead {lead_id}: only sales accepts or rejects an MQL"
            + ("; marketing can dispute a rejection with `revbridge lead dispute`" if actor.role == "marketing" else "")
        )
    if accepted_by == "any_sales_rep" or owner_id == actor.id:
        return
    rule = f"the SLA (qualification.sal.accepted_by: {accepted_by}) leaves the verdict to the lead's assigned rep"
    if owner_id is None:
        raise NotPermitted(f"{actor.email} may not {verdict} lead {lead_id}: {rule}, and it has none yet")
    owner = owner_email or f"user {owner_id}"
    raise NotPermitted(f"{actor.email} may not {verdict} lead {lead_id}: {rule}, {owner}")


def check_lead_work(actor: Actor, what: str, lead_id: int) -> None:
    """May ``actor`` log an activity on, move on, or mark lost lead ``lead_id``? (``what`` says which.)"""
    _check_active(actor)
    if actor.role not in WORKING_ROLES:
        raise NotPermitted(f"{actor} may not {what} lead {lead_id}: that is for sales (or an admin)")


def check_dispute(actor: Actor, feedback: FeedbackState, note: str) -> None:
    """May ``actor`` dispute this verdict with ``note``? Marketing, a rejection, once, with a reason."""
    _check_active(actor)
    if actor.role != "marketing":
        raise NotPermitted(f"{actor} may not dispute feedback {feedback.id}: disputes are marketing's answer")
    if feedback.verdict != "reject":
        raise NotPermitted(f"feedback {feedback.id} is an {feedback.verdict!r} verdict: only a rejection is disputed")
    if feedback.disputed_at is not None:
        raise NotPermitted(
            f"feedback {feedback.id} was already disputed by {feedback.disputed_by or 'someone'} "
            f"on {feedback.disputed_at.isoformat()}: a rejection is disputed once"
        )
    if not note.strip():
        raise InvalidInput("a dispute needs a note saying why the rejection is wrong")


def check_resolution(actor: Actor, feedback: FeedbackState, outcome: str) -> DisputeOutcome:
    """May ``actor`` record ``outcome`` for the dispute of this verdict? Returns the outcome, checked."""
    _check_active(actor)
    if outcome not in DISPUTE_OUTCOMES:
        raise InvalidInput(f"a dispute's outcome is one of {', '.join(DISPUTE_OUTCOMES)}, got {outcome!r}")
    if actor.role != "admin" and actor.title != SALES_MANAGER:
        raise NotPermitted(
            f"{actor} may not resolve the dispute of feedback {feedback.id}: that is for a sales manager or an admin"
        )
    if feedback.disputed_at is None:
        raise NotPermitted(f"feedback {feedback.id} is not disputed: there is nothing to resolve")
    if feedback.outcome is not None:
        raise NotPermitted(f"the dispute of feedback {feedback.id} was already resolved: {feedback.outcome}")
    return "upheld" if outcome == "upheld" else "overturned"


# --- what a page offers: the same rules, asked before rather than enforced ---------------------------------


def may_give_verdict(actor: Actor, owner_id: int | None, accepted_by: str) -> bool:
    """Whether ``check_verdict`` lets ``actor`` judge a lead owned by ``owner_id`` (a page shows its forms)."""
    return actor.active and actor.role == "sales" and (accepted_by == "any_sales_rep" or owner_id == actor.id)


def may_work_leads(actor: Actor) -> bool:
    """Whether ``check_lead_work`` lets ``actor`` log activities on leads and move them on."""
    return actor.active and actor.role in WORKING_ROLES


def may_dispute(actor: Actor, feedback: FeedbackState) -> bool:
    """Whether ``check_dispute`` lets ``actor`` dispute this verdict (given a note)."""
    return actor.active and actor.role == "marketing" and feedback.verdict == "reject" and feedback.disputed_at is None


def _check_active(actor: Actor) -> None:
    if not actor.active:
        raise NotPermitted(f"{actor.email} is no longer active and may not act on leads")
