"""Who may call which part of the HTTP API: a token acts for its person, within its scopes. Pure.

- A token carries scopes: ``read`` (every listing and story) and ``write`` (sending data: touchpoints).
  A token made without ``write`` can only read, whoever it belongs to.
- What a person may write follows their role: marketing and admins send touchpoints; sales does not
  (its side of the journey is activities); sales and admins give verdicts on MQLs, and then the
  lifecycle's rules (``permissions.py``) say whose lead it is to judge; marketing (and admins) dispute
  a rejection, as those rules allow; viewers only read.
- Sales and admins work leads (log an activity, move a lead on, mark it lost) and settle disputes,
  again as the lifecycle's rules then allow (a sales manager settles). Marketing and admins send
  campaign spend. Only admins apply a new SLA version.
- A shared goal binds the teams that own it: an admin sets or removes any goal; marketing or sales
  only a goal their own team owns alone (``check_goal``).
- The audit log (who wrote what, when) is read by admins only: ``read_audit``, a read.
- An inactive person's tokens, and revoked tokens, do nothing.

Every refusal names what would be allowed, as the lifecycle's refusals do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from revbridge.domain.errors import Refused

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
Action = Literal[
    "read",
    "read_audit",
    "send_touchpoints",
    "give_verdicts",
    "dispute",
    "work_leads",
    "resolve_disputes",
    "send_spend",
    "set_goals",
    "apply_sla",
]
WRITERS: dict[Action, frozenset[str]] = {
    "send_touchpoints": frozenset({"marketing", "admin"}),
    "give_verdicts": frozenset({"sales", "admin"}),  # and then the lifecycle's own rules: the lead's rep
    "dispute": frozenset({"marketing", "admin"}),  # and then the lifecycle's: a rejection, once
    "work_leads": frozenset({"sales", "admin"}),  # activities, advance, lost; then the lifecycle's rules
    "resolve_disputes": frozenset({"sales", "admin"}),  # and then the lifecycle's: a sales manager
    "send_spend": frozenset({"marketing", "admin"}),
    "set_goals": frozenset({"marketing", "sales", "admin"}),  # and then check_goal: their own team's
    "apply_sla": frozenset({"admin"}),
}


class NotAllowed(Refused):
    """The token may not do this; the message says who may."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The person a token acts for, and the token's scopes."""

    user_id: int
    email: str
    role: str
    scopes: frozenset[str]
    active: bool = True


def check(caller: Caller, action: Action) -> None:
    """Refuse ``action`` unless the caller's token and role allow it."""
    if not caller.active:
        raise NotAllowed(f"{caller.email} is not active: their tokens do nothing")
    if action in ("read", "read_audit"):
        if "read" not in caller.scopes:
            raise NotAllowed("this token has no read scope")
        if action == "read_audit" and caller.role != "admin":
            raise NotAllowed(f"{caller.email} is {caller.role}: only admins read the audit log")
        return
    if "write" not in caller.scopes:
        raise NotAllowed("this token may only read: make one with the write scope to send data")
    allowed = WRITERS[action]
    if caller.role not in allowed:
        who = " and ".join(sorted(allowed))
        raise NotAllowed(f"{caller.email} is {caller.role}: only {who} may {action.replace('_', ' ')}")


def check_goal(caller: Caller, teams: Iterable[str]) -> None:
    """Refuse setting or removing a goal owned by ``teams`` unless the caller may: an admin any goal;
    marketing or sales a goal that their own team owns alone."""
    check(caller, "set_goals")
    owners = frozenset(teams)
    if caller.role == "admin" or owners == {caller.role}:
        return
    named = " and ".join(sorted(owners)) or "no team"
    raise NotAllowed(
        f"{caller.email} is {caller.role}: a goal owned by {named} is set or removed by an admin; "
        f"{caller.role} may only set its own team's goals (teams: {caller.role})"
    )
