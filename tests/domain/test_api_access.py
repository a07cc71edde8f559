"""Who may call which part of the API: every role against every action and scope."""

from __future__ import annotations

import pytest

from revbridge.domain.api_access import Caller, NotAllowed, check

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
