"""Who may call which part of the API: every role against every action and scope."""

from __future__ import annotations

import pytest

from revbridge.domain.api_access import Caller, NotAllowed, check, check_goal

ROLES = ("admin", "marketing", "sales", "viewer")


def caller(role: str, scopes: tuple[str, ...] = ("read", "write"), active: bool = True) -> Caller:
    return Caller(1, f"{role}@x.com", role, frozenset(scopes), active)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_with_a_read_token(role: str) -> None:
    check(caller(role, ("read",)), "read")


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("marketing", True), ("sales", False), ("viewer", False)]
)
def test_touchpoints_are_marketings_and_admins_to_send(role: str, allowed: bool) -> None:
    if allowed:
        check(caller(role), "send_touchpoints")
    else:
        with pytest.raises(NotAllowed, match="only admin and marketing may send touchpoints"):
            check(caller(role), "send_touchpoints")


def test_a_read_token_cannot_write_and_an_inactive_person_cannot_read() -> None:
    with pytest.raises(NotAllowed, match="may only read"):
        check(caller("admin", ("read",)), "send_touchpoints")
    with pytest.raises(NotAllowed, match="not active"):
        check(caller("admin", active=False), "read")
    with pytest.raises(NotAllowed, match="no read scope"):
        check(caller("admin", ("write",)), "read")


WRITES = {
    "send_touchpoints": {"admin", "marketing"},
    "give_verdicts": {"admin", "sales"},
    "dispute": {"admin", "marketing"},
    "work_leads": {"admin", "sales"},
    "resolve_disputes": {"admin", "sales"},
    "send_spend": {"admin", "marketing"},
    "set_goals": {"admin", "marketing", "sales"},
    "apply_sla": {"admin"},
}


@pytest.mark.parametrize("action", sorted(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_each_write_is_for_the_roles_that_do_that_work(role: str, action: str) -> None:
    if role in WRITES[action]:
        check(caller(role), action)  # type: ignore[arg-type]
    else:
        who = " and ".join(sorted(WRITES[action]))
        with pytest.raises(NotAllowed, match=f"{role}: only {who} may {action.replace('_', ' ')}"):
            check(caller(role), action)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed, match="may only read"):
        check(caller(role, ("read",)), action)  # type: ignore[arg-type]


def test_only_admins_apply_an_sla_version() -> None:
    check(caller("admin"), "apply_sla")
    for role in ("marketing", "sales", "viewer"):
        with pytest.raises(NotAllowed, match="only admin may apply sla"):
            check(caller(role), "apply_sla")


@pytest.mark.parametrize(
    ("role", "teams", "allowed"),
    [
        ("admin", ["marketing", "sales"], True),
        ("admin", ["sales"], True),
        ("marketing", ["marketing"], True),
        ("marketing", ["marketing", "sales"], False),
        ("marketing", ["sales"], False),
        ("sales", ["sales"], True),
        ("sales", ["sales", "sales"], True),
        ("sales", ["marketing", "sales"], False),
        ("sales", [], False),
        ("viewer", ["marketing"], False),
    ],
)
def test_a_team_sets_only_the_goals_it_owns_alone(role: str, teams: list[str], allowed: bool) -> None:
    if allowed:
        check_goal(caller(role), teams)
    else:
        with pytest.raises(NotAllowed, match="admin"):
            check_goal(caller(role), teams)


def test_a_read_token_sets_no_goal_even_for_an_admin() -> None:
    with pytest.raises(NotAllowed, match="may only read"):
        check_goal(caller("admin", ("read",)), ["marketing"])


def test_only_admins_read_the_audit_log_and_a_read_token_suffices() -> None:
    check(caller("admin", ("read",)), "read_audit")
    for role in ("marketing", "sales", "viewer"):
        with pytest.raises(NotAllowed, match="only admins read the audit log"):
            check(caller(role), "read_audit")
    with pytest.raises(NotAllowed, match="no read scope"):
        check(caller("admin", ("write",)), "read_audit")
