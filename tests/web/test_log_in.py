"""Log-in with a password, sessions, CSRF and the audit log, over ASGI on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from revbridge.domain.errors import InvalidInput
from revbridge.services.audit import entries
from revbridge.services.logins import WrongCredentials, log_in, session_user, set_password
from tests.web.conftest import MARKETING, VIEWER, Browser


def test_a_page_sends_a_stranger_to_log_in_and_back(browser: Browser) -> None:
    answer = browser.get("/?week=2026-W47")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F%3Fweek%3D2026-W47"
    form = browser.get(answer.headers["location"])
    assert 'name="next" value="/?week=2026-W47"' in form.text
    done = browser.post("/login", {"email": MARKETING, "password": "northwind-demo", "next": "/?week=2026-W47"})
    assert done.status_code == 303
    assert done.headers["location"] == "/?week=2026-W47"
    assert "httponly" in done.headers["set-cookie"].lower()
    assert "samesite=lax" in done.headers["set-cookie"].lower()


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(browser: Browser) -> None:
    wrong = browser.post("/login", {"email": MARKETING, "password": "not-it-at-all"}, csrf=False)
    nobody = browser.post("/login", {"email": "nobody@nowhere.example", "password": "not-it-at-all"}, csrf=False)
    assert wrong.status_code == nobody.status_code == 401
    assert "do not match" in wrong.text
    assert "do not match" in nobody.text
    assert browser.get("/").status_code == 303


@pytest.mark.parametrize("elsewhere", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/"])
def test_a_log_in_only_goes_on_within_this_site(browser: Browser, elsewhere: str) -> None:
    done = browser.post("/login", {"email": MARKETING, "password": "northwind-demo", "next": elsewhere})
    assert done.headers["location"] == "/"


def test_a_form_without_the_sessions_csrf_token_does_nothing(browser: Browser) -> None:
    browser.log_in(MARKETING)
    forged = browser.post("/logout", {"csrf": "guessed"})
    assert forged.status_code == 403
    assert browser.get("/").status_code == 200  # still logged in
    assert browser.post("/logout").status_code == 303
    assert browser.get("/").status_code == 303  # the session ended


def test_every_write_is_audited_with_who_and_how_it_ended(demo: Engine, browser: Browser) -> None:
    browser.post("/login", {"email": MARKETING, "password": "wrong-password"}, csrf=False)
    browser.log_in(MARKETING)
    browser.post("/logout", {"csrf": "guessed"})
    browser.post("/logout")
    found = entries(demo, limit=10)
    assert [(e["action"], e["status"], e["email"]) for e in reversed(found)] == [
        ("POST /login", 401, None),
        ("POST /login", 303, MARKETING),
        ("POST /logout", 403, MARKETING),
        ("POST /logout", 303, MARKETING),
    ]
    assert found[-1]["subject"] == f"log-in {MARKETING}"
    assert found[-1]["via"] == "web"
    assert all(e["at"] is not None for e in found)


def test_a_new_password_ends_the_persons_sessions(demo: Engine) -> None:
    now = datetime.now(UTC)
    started = log_in(demo, VIEWER, "northwind-demo", now=now)
    assert session_user(demo, started.token, now=now) is not None
    set_password(demo, VIEWER, "a much longer secret", now=now)
    assert session_user(demo, started.token, now=now) is None
    with pytest.raises(WrongCredentials):
        log_in(demo, VIEWER, "northwind-demo", now=now)
    assert log_in(demo, VIEWER, "a much longer secret", now=now).caller.role == "viewer"
    with pytest.raises(InvalidInput, match="at least 10"):
        set_password(demo, VIEWER, "short", now=now)


def test_passwords_are_kept_as_argon2id_hashes(demo: Engine) -> None:
    with demo.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE email = :e"), {"e": MARKETING}).scalar()
    assert stored.startswith("$argon2id$")
    assert "northwind-demo" not in stored


def test_an_inactive_person_cannot_log_in(demo: Engine, browser: Browser) -> None:
    with demo.begin() as conn:
        conn.execute(sa.text("UPDATE users SET active = false WHERE email = :e"), {"e": MARKETING})
    answer = browser.post("/login", {"email": MARKETING, "password": "northwind-demo"}, csrf=False)
    assert answer.status_code == 401
    assert "not active" in answer.text


def test_admins_read_the_audit_log_in_the_browser_and_others_may_not(browser: Browser) -> None:
    from tests.web.conftest import ADMIN

    browser.post("/login", {"email": MARKETING, "password": "wrong-password"}, csrf=False)
    browser.log_in(MARKETING)
    assert browser.get("/audit").status_code == 403
    browser.post("/logout")
    browser.log_in(ADMIN)
    shown = browser.get(f"/audit?by={MARKETING}")
    assert shown.status_code == 200
    rows = shown.text.split('<table id="audit">')[1]
    assert rows.count("<tr>") == 1 + 2  # the heading, then marketing's log-out and log-in
    assert "POST /logout" in rows
    everyone = browser.get("/audit").text.split('<table id="audit">')[1]
    assert ">401<" in everyone  # the refused log-in, by nobody, names whom it tried
    assert f"log-in {MARKETING}" in everyone
